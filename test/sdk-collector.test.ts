/**
 * The SDK against a real collector (in process, embedded chDB), as the issue checks it: a script
 * wraps a model with @aims-monitor/sdk (OTLP protobuf, the default), makes N predictions (sync,
 * async and streaming, thrown errors among them, some inside an active span) and M outcomes, shuts
 * down; then GET /v1/models counts exactly N and M, and the store holds every prediction's features,
 * attributes, output, latency, status and trace ids. The JSON protocol once, too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { context, type Span } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createMonitor, type MonitorOptions } from '@aims-monitor/sdk'
import { predictionsTableName } from '@aims-monitor/store'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'

let fixture: CollectorFixture
const tracer = new BasicTracerProvider().getTracer('sdk-collector.test')

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  fixture = await startCollectorFixture()
})
afterAll(async () => {
  await fixture?.close()
  context.disable()
})

interface Applicant {
  age: number
  income: number
  region: string
  hasDefault: boolean
  sex: string
}

/** What the store must hold for one prediction. */
interface Expected {
  status: 'ok' | 'error'
  age: number
  income: number
  region: string
  hasDefault: boolean
  sex: string
  label?: string
  score?: number
  errorType?: string
  traceId?: string
  spanId?: string
  minLatencyMs?: number
  /** Streams: the items yielded. */
  streamItems?: number
}

const applicant = (i: number): Applicant => ({
  age: 20 + (i % 50),
  income: 1000 + i * 10.5,
  region: ['north', 'south', 'east'][i % 3]!,
  hasDefault: i % 7 === 0,
  sex: i % 2 === 0 ? 'f' : 'm',
})
const score = (a: Applicant) => Math.round((a.age / 100 + (a.hasDefault ? -0.2 : 0.1)) * 1000) / 1000
const labelOf = (s: number) => (s >= 0.5 ? 'approve' : 'reject')
const extractors = {
  features: (a: Applicant) => ({ age: a.age, income: a.income, region: a.region, has_default: a.hasDefault }),
  attributes: (a: Applicant) => ({ sex: a.sex }),
}
const spanIds = (span: Span) => ({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId })

/**
 * The application: a credit model called sync, async and streaming, with errors. Returns every
 * prediction id with what the store should hold for it, and the outcomes it logged.
 */
async function runApplication(options: Pick<MonitorOptions, 'protocol'>, modelId: string, counts: { sync: number; async: number; stream: number; thrown: number; rejected: number; outcomes: number }) {
  const monitor = createMonitor({ endpoint: fixture.url, apiKey: fixture.initKey, model: { id: modelId, version: '1.4.0' }, environment: 'test', ...options })
  expect(monitor.enabled).toBe(true)
  const expected = new Map<string, Expected>()
  const base = (a: Applicant) => ({ age: a.age, income: a.income, region: a.region, hasDefault: a.hasDefault, sex: a.sex })

  const predictSync = monitor.wrapWithId((a: Applicant) => ({ score: score(a), label: labelOf(score(a)) }), {
    ...extractors,
    output: (r) => ({ label: r.label, score: r.score }),
  })
  const predictAsync = monitor.wrapWithId(
    async (a: Applicant) => {
      await sleep(2)
      return score(a)
    },
    { ...extractors, output: (s) => ({ score: s, label: labelOf(s) }) },
  )
  async function* explain(a: Applicant): AsyncGenerator<string> {
    for (const word of ['score', 'is', String(score(a))]) {
      await sleep(5)
      yield word
    }
  }
  const predictStream = monitor.wrapWithId(explain, { ...extractors, output: (words) => ({ label: words.length === 3 ? 'explained' : 'partial', score: Number(words[2]) }) })
  const failing = monitor.wrapWithId((a: Applicant): number => {
    throw new TypeError(`no model for region ${a.region}`)
  }, extractors)
  const failingAsync = monitor.wrapWithId(async (_a: Applicant): Promise<number> => {
    await sleep(1)
    throw new RangeError('model server timed out')
  }, extractors)

  let i = 0
  for (let k = 0; k < counts.sync; k++, i++) {
    const a = applicant(i)
    // Every fourth sync call runs inside a request span, as a traced web handler would.
    if (k % 4 === 0) {
      tracer.startActiveSpan('POST /score', (span) => {
        const { result, predictionId } = predictSync(a)
        expect(result.score).toBe(score(a))
        expected.set(predictionId, { status: 'ok', ...base(a), label: result.label, score: result.score, ...spanIds(span) })
        span.end()
      })
    } else {
      const { result, predictionId } = predictSync(a)
      expected.set(predictionId, { status: 'ok', ...base(a), label: result.label, score: result.score })
    }
  }
  // Async calls, all inside one span, concurrently.
  await tracer.startActiveSpan('batch', async (span) => {
    const calls = Array.from({ length: counts.async }, () => {
      const a = applicant(i++)
      const { result, predictionId } = predictAsync(a)
      expected.set(predictionId, { status: 'ok', ...base(a), label: labelOf(score(a)), score: score(a), ...spanIds(span) })
      return result
    })
    await Promise.all(calls)
    span.end()
  })
  for (let k = 0; k < counts.stream; k++, i++) {
    const a = applicant(i)
    const { result, predictionId } = predictStream(a)
    const words: string[] = []
    for await (const word of result) words.push(word)
    expect(words).toEqual(['score', 'is', String(score(a))])
    // Three items 5 ms apart: the stream's latency, not the call's (a margin for the event loop's
    // cached clock, by which a timer can fire a little before the precise clock says it is due).
    expected.set(predictionId, { status: 'ok', ...base(a), label: 'explained', score: score(a), minLatencyMs: 10, streamItems: 3 })
  }
  for (let k = 0; k < counts.thrown; k++, i++) {
    const a = applicant(i)
    let predictionId = ''
    expect(() => (predictionId = failing(a).predictionId)).toThrow(TypeError)
    predictionId = monitor.lastPredictionId()!
    expected.set(predictionId, { status: 'error', ...base(a), errorType: 'TypeError' })
  }
  for (let k = 0; k < counts.rejected; k++, i++) {
    const a = applicant(i)
    const { result, predictionId } = failingAsync(a)
    await expect(result).rejects.toBeInstanceOf(RangeError)
    expected.set(predictionId, { status: 'error', ...base(a), errorType: 'RangeError' })
  }

  // Ground truth for the first predictions, some with a value.
  const outcomes = new Map<string, { label: string; value?: number }>()
  for (const id of [...expected.keys()].slice(0, counts.outcomes)) {
    const outcome = outcomes.size % 5 === 0 ? { label: 'defaulted', value: 1200.5 } : { label: 'repaid' }
    monitor.logOutcome(id, outcome)
    outcomes.set(id, outcome)
  }

  await monitor.shutdown()
  const total = counts.sync + counts.async + counts.stream + counts.thrown + counts.rejected
  expect(expected.size).toBe(total)
  // Everything left the process, nothing was dropped or failed.
  expect(monitor.stats()).toMatchObject({ recorded: total + counts.outcomes, exported: total + counts.outcomes, dropped: 0, failed: 0, extractorErrors: 0, truncated: 0 })
  return { expected, outcomes }
}

/** NaN, the store's "missing" for numbers, as JSONEachRow writes it. */
const missing = (value: unknown) => value === null || Number.isNaN(Number(value))

async function query<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await fixture.collector.store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })
  return result.json<T>()
}

interface StoredRow {
  id: string
  status: string
  error_type: string
  output_label: string
  output_score: number | string
  latency_ms: number | string
  stream_items: number | string | null
  trace_id: string
  span_id: string
  model_version: string
  environment: string
  'f:age:num': number
  'f:income:num': number
  'f:region:str': string
  'f:has_default:bool': number
  'a:sex': string
}

async function checkStored(modelId: string, expected: Map<string, Expected>, outcomes: Map<string, { label: string; value?: number }>) {
  const models = await fixture.getModels()
  expect(models.pendingEvents).toBe(0)
  const model = models.models.find((m) => m.id === modelId)
  expect(model).toBeDefined()
  expect(model!.predictionCount).toBe(expected.size)
  expect(model!.outcomeCount).toBe(outcomes.size)
  expect(model!.versions.map((v) => [v.version, v.predictionCount])).toEqual([['1.4.0', expected.size]])

  const table = fixture.collector.store.table(predictionsTableName('default', modelId))
  const rows = await query<StoredRow>(
    `SELECT toString(id) AS id, status, error_type, output_label, output_score, latency_ms, stream_items, trace_id, span_id, model_version, environment,
            \`f:age:num\`, \`f:income:num\`, \`f:region:str\`, \`f:has_default:bool\`, \`a:sex\`
       FROM ${table} FINAL`,
  )
  expect(rows).toHaveLength(expected.size)
  for (const row of rows) {
    const want = expected.get(row.id)
    expect(want, `unexpected prediction ${row.id}`).toBeDefined()
    expect(row).toMatchObject({
      status: want!.status,
      error_type: want!.errorType ?? '',
      output_label: want!.label ?? '',
      trace_id: want!.traceId ?? '',
      span_id: want!.spanId ?? '',
      model_version: '1.4.0',
      environment: 'test',
      'f:age:num': want!.age,
      'f:income:num': want!.income,
      'f:region:str': want!.region,
      'f:has_default:bool': want!.hasDefault ? 1 : 0,
      'a:sex': want!.sex,
    })
    if (want!.score === undefined) expect(missing(row.output_score), JSON.stringify(row)).toBe(true)
    else expect(Number(row.output_score)).toBe(want!.score)
    if (want!.streamItems === undefined) expect(missing(row.stream_items), JSON.stringify(row)).toBe(true)
    else expect(Number(row.stream_items)).toBe(want!.streamItems)
    const latency = Number(row.latency_ms)
    expect(latency).toBeGreaterThanOrEqual(want!.minLatencyMs ?? 0)
    expect(latency).toBeLessThan(60_000)
  }
  const byStatus = await query<{ status: string; n: string }>(`SELECT status, count() AS n FROM ${table} FINAL GROUP BY status ORDER BY status`)
  const errors = [...expected.values()].filter((e) => e.status === 'error').length
  expect(byStatus.map((r) => [r.status, Number(r.n)])).toEqual([
    ['error', errors],
    ['ok', expected.size - errors],
  ])

  const stored = await query<{ prediction_id: string; label: string; value: number | string }>(
    `SELECT toString(prediction_id) AS prediction_id, label, value FROM ${fixture.collector.store.table('outcomes')} FINAL WHERE model_id = {model:String}`,
    { model: modelId },
  )
  expect(stored).toHaveLength(outcomes.size)
  for (const row of stored) {
    const want = outcomes.get(row.prediction_id)
    expect(want, `unexpected outcome for ${row.prediction_id}`).toBeDefined()
    expect(row.label).toBe(want!.label)
    if (want!.value === undefined) expect(missing(row.value), JSON.stringify(row)).toBe(true)
    else expect(Number(row.value)).toBe(want!.value)
  }
}

describe('the SDK against a running collector', () => {
  it('OTLP protobuf (the default): every prediction and outcome counted and stored with its fields', async () => {
    const counts = { sync: 240, async: 60, stream: 30, thrown: 12, rejected: 8, outcomes: 150 }
    const { expected, outcomes } = await runApplication({}, 'sdk-credit', counts)
    const traced = [...expected.values()].filter((e) => e.traceId)
    expect(traced.length).toBe(60 + 60) // a quarter of the sync calls, all async calls
    await checkStored('sdk-credit', expected, outcomes)
  })

  it('OTLP JSON: the same, once', async () => {
    const counts = { sync: 40, async: 10, stream: 5, thrown: 3, rejected: 2, outcomes: 25 }
    const { expected, outcomes } = await runApplication({ protocol: 'http/json' }, 'sdk-credit-json', counts)
    await checkStored('sdk-credit-json', expected, outcomes)
  })
})
