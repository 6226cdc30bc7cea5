import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AnyValueMap } from '@opentelemetry/api-logs'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { toEventUuid } from '@aims-monitor/schema'
import { predictionsTableName } from '@aims-monitor/store'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'

/**
 * Two ingest bugs, on both interfaces, against one real collector (embedded chDB, ingest worker
 * threads), requests written by the official OpenTelemetry serializers:
 * - a feature or attribute named `__proto__` (a valid name) was silently lost by the OTLP mapping
 *   (fast and general), which assigned it onto a plain object and so set its prototype; and rows
 *   without an attribute named `__proto__` or `constructor` stored Object.prototype's member as text;
 * - a request that would take a model past its 1,000 table columns was refused whole (422), losing
 *   every valid record in it; now only the events past the limit are refused, by index.
 * Each test checks that nothing else in the same request is lost.
 */

// The collector depends on these; the workspace root does not, so resolve them from the collector.
const requireFromCollector = createRequire(new URL('../collector/package.json', import.meta.url))
interface LogsSerializer {
  serializeRequest(records: ReadableLogRecord[]): Uint8Array | undefined
  deserializeResponse(body: Uint8Array): { partialSuccess?: { rejectedLogRecords?: number | string; errorMessage?: string } }
}
const { ProtobufLogsSerializer, JsonLogsSerializer } = requireFromCollector('@opentelemetry/otlp-transformer') as { ProtobufLogsSerializer: LogsSerializer; JsonLogsSerializer: LogsSerializer }

let c: CollectorFixture
beforeAll(async () => {
  c = await startCollectorFixture()
})
afterAll(async () => {
  await c?.close()
})

type Row = Record<string, unknown>
async function storedRows(model: string): Promise<Map<string, Row>> {
  const result = await c.collector.store.client.query({ query: `SELECT * FROM ${c.collector.store.table(predictionsTableName('default', model))} FINAL`, format: 'JSONEachRow' })
  return new Map((await result.json<Row>()).map((row) => [row.id as string, row]))
}
const rowOf = (rows: Map<string, Row>, id: string) => rows.get(toEventUuid(id))

async function counts(model: string): Promise<{ predictions: number; outcomes: number } | undefined> {
  const found = (await c.getModels()).models.find((m) => m.id === model)
  return found && { predictions: found.predictionCount, outcomes: found.outcomeCount }
}

async function otlpFastRequests(): Promise<number> {
  return Number(/aims_otlp_requests_total\{path="fast"\} (\d+)/.exec((await c.get('/metrics')).text)?.[1] ?? 0)
}

type Emitted = { eventName: string; attributes: AnyValueMap }
const prediction = (model: string, id: string, fields: AnyValueMap): Emitted => ({
  eventName: 'aims.prediction',
  attributes: { 'aims.prediction.id': id, 'aims.model.id': model, 'aims.model.version': '1', 'aims.output.score': 0.5, ...fields },
})
const outcome = (model: string, predictionId: string): Emitted => ({ eventName: 'aims.outcome', attributes: { 'aims.prediction.id': predictionId, 'aims.model.id': model, 'aims.outcome.label': 'yes' } })

/** The records as the OpenTelemetry SDK's serializer writes them, in one request. */
function otlpBody(encoding: 'protobuf' | 'json', records: readonly Emitted[]): Buffer {
  const memory = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: memory })] })
  const logger = provider.getLogger('aims')
  for (const record of records) logger.emit(record)
  const serializer = encoding === 'protobuf' ? ProtobufLogsSerializer : JsonLogsSerializer
  const body = Buffer.from(serializer.serializeRequest(memory.getFinishedLogRecords())!)
  void provider.shutdown()
  return body
}

async function postLogs(encoding: 'protobuf' | 'json', records: readonly Emitted[]): Promise<{ status: number; rejected: number; message: string }> {
  const contentType = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json'
  const res = await fetch(`${c.url}/v1/logs`, { method: 'POST', headers: { authorization: `Bearer ${c.initKey}`, 'content-type': contentType }, body: otlpBody(encoding, records), signal: AbortSignal.timeout(90_000) })
  const bytes = new Uint8Array(await res.arrayBuffer())
  if (res.status !== 200) return { status: res.status, rejected: -1, message: Buffer.from(bytes).toString() }
  const partial = (encoding === 'protobuf' ? ProtobufLogsSerializer : JsonLogsSerializer).deserializeResponse(bytes).partialSuccess
  return { status: res.status, rejected: Number(partial?.rejectedLogRecords ?? 0), message: partial?.errorMessage ?? '' }
}

describe('a feature or attribute named __proto__ is stored like any other name', () => {
  it('POST /v1/events: kept as its own column; rows without it (or without "constructor") read empty, not Object.prototype', async () => {
    const event = (id: string, features: string, attributes: string) =>
      `{"type":"prediction","id":"${id}","timestamp":${Date.now() - 1000},"model":{"id":"proto-native","version":"1"},"features":${features},"attributes":${attributes},"output":{"score":0.5}}`
    const body = `{"events":[${[
      event('pn-1', '{"__proto__":7,"constructor":"c","age":30}', '{"__proto__":"seg","constructor":"k"}'),
      event('pn-2', '{"age":31}', '{}'),
      event('pn-3', '{"__proto__":"seven"}', '{"region":"north"}'),
    ].join(',')}]}`
    const res = await c.post('/v1/events', body)
    expect(res.status, res.text).toBe(200)
    expect(res.json).toEqual({ accepted: 3, rejected: [] })
    expect(await counts('proto-native')).toEqual({ predictions: 3, outcomes: 0 })
    const rows = await storedRows('proto-native')
    expect(rowOf(rows, 'pn-1')).toMatchObject({ 'f:__proto__:num': 7, 'f:constructor:str': 'c', 'f:age:num': 30, 'a:__proto__': 'seg', 'a:constructor': 'k' })
    // Was a bug (packages/store row-encoders.ts): a row without these attributes stored "[object Object]" and "function Object() { [native code] }".
    expect(rowOf(rows, 'pn-2')).toMatchObject({ 'f:age:num': 31, 'a:__proto__': '', 'a:constructor': '', 'f:constructor:str': '', 'f:__proto__:str': '' })
    expect(rowOf(rows, 'pn-3')).toMatchObject({ 'f:__proto__:str': 'seven', 'a:__proto__': '', 'a:region': 'north' })
  })

  for (const encoding of ['protobuf', 'json'] as const) {
    // Was a bug (silent loss): map-log-record.ts and protobuf-fast-events.ts assigned `features[name] = value`.
    it(`POST /v1/logs (${encoding}${encoding === 'protobuf' ? ', the fast path' : ''}): kept as its own column, with the rest of the request`, async () => {
      const model = `proto-otlp-${encoding}`
      const fastBefore = await otlpFastRequests()
      const res = await postLogs(encoding, [
        prediction(model, 'po-1', { 'aims.feature.__proto__': 7, 'aims.feature.age': 30, 'aims.attribute.__proto__': 'seg', 'aims.attribute.constructor': 'k' }),
        prediction(model, 'po-2', { 'aims.feature.age': 31 }),
        prediction(model, 'po-3', { 'aims.feature.__proto__': 'seven', 'aims.feature.constructor': 2 }),
        outcome(model, 'po-1'),
      ])
      expect(res).toEqual({ status: 200, rejected: 0, message: '' })
      if (encoding === 'protobuf') expect(await otlpFastRequests()).toBe(fastBefore + 1)
      expect(await counts(model)).toEqual({ predictions: 3, outcomes: 1 })
      const rows = await storedRows(model)
      expect(rowOf(rows, 'po-1')).toMatchObject({ 'f:__proto__:num': 7, 'f:age:num': 30, 'a:__proto__': 'seg', 'a:constructor': 'k' })
      expect(rowOf(rows, 'po-2')).toMatchObject({ 'f:age:num': 31, 'a:__proto__': '', 'a:constructor': '', 'f:__proto__:str': '' })
      expect(rowOf(rows, 'po-3')).toMatchObject({ 'f:__proto__:str': 'seven', 'f:constructor:num': 2, 'a:__proto__': '' })
    })
  }
})

/**
 * 1,200 predictions of a fresh model, each with `common` and a name of its own: 14 fixed columns,
 * `common` and 985 names fit in 1,000, so events 985 to 1,199 are past the limit.
 */
const N = 1_200
const FITTING = 985

describe('a model past its 1,000 table columns: only the events that would add a column past the limit are refused', () => {
  it('POST /v1/events: 207, each refused event by index with the field and the limit; the rest of the request is stored', async () => {
    const model = 'cols-native'
    const pred = (id: string, patch: Record<string, unknown>, modelId = model) => ({ type: 'prediction', id, timestamp: Date.now() - 1000, model: { id: modelId, version: '1' }, output: { score: 0.5 }, ...patch })
    const events: unknown[] = Array.from({ length: N }, (_, i) => pred(`cn-${i}`, { features: { common: i, [`name_${i}`]: i } }))
    events.push(
      pred('cn-existing', { features: { common: 1, name_0: 2, name_984: 3 } }), // 1200: columns the model has: kept
      { type: 'outcome', predictionId: 'cn-0', timestamp: Date.now() - 1000, model: { id: model }, label: 'yes' }, // 1201
      pred('cn-other', { features: { x: 1 } }, 'cols-native-other'), // 1202: another model
      pred('cn-invalid', { features: { 'bad name': 1 } }), // 1203: invalid as before
      pred('cn-attribute', { features: { common: 5 }, attributes: { segment: 'a' } }), // 1204: a new attribute column: past the limit
    )
    const res = await c.post('/v1/events', { events })
    expect(res.status, res.text.slice(0, 500)).toBe(207)
    expect(res.json.accepted).toBe(FITTING + 3)
    const rejected = res.json.rejected as { index: number; reason: string; errors: { path: string; message: string }[] }[]
    const pastLimit = Array.from({ length: N - FITTING }, (_, k) => FITTING + k)
    expect(rejected.map((r) => [r.index, r.reason, r.errors.map((e) => e.path)])).toEqual([
      ...pastLimit.map((i) => [i, 'too_many_columns', [`features.name_${i}`]]),
      [1203, 'invalid', ['features.bad name']],
      [1204, 'too_many_columns', ['attributes.segment']],
    ])
    expect(rejected[0]!.errors[0]!.message).toBe(
      `feature "name_${FITTING}" (as a number) would take model ${model} past its limit of 1000 table columns, 986 of them for features and attributes ` +
        '(a name sent with two value types takes two): the event is refused; events using existing columns are accepted. Feature and attribute names must be a fixed set, not values',
    )
    expect(await counts(model)).toEqual({ predictions: FITTING + 1, outcomes: 1 })
    expect(await counts('cols-native-other')).toEqual({ predictions: 1, outcomes: 0 })
    const rows = await storedRows(model)
    expect(rows.size).toBe(FITTING + 1)
    for (let i = 0; i < FITTING; i++) expect(rowOf(rows, `cn-${i}`)?.[`f:name_${i}:num`], `cn-${i}`).toBe(i)
    expect(rowOf(rows, 'cn-existing')).toMatchObject({ 'f:common:num': 1, 'f:name_0:num': 2, 'f:name_984:num': 3 })
    for (const id of [...pastLimit.map((i) => `cn-${i}`), 'cn-attribute']) expect(rowOf(rows, id), id).toBeUndefined()
    expect(Object.keys(rows.values().next().value!).filter((name) => name.startsWith('f:') || name.startsWith('a:'))).toHaveLength(986)
  })

  for (const encoding of ['protobuf', 'json'] as const) {
    it(`POST /v1/logs (${encoding}): 200 with a partial success naming the records past the limit; the rest of the request is stored`, async () => {
      const model = `cols-otlp-${encoding}`
      const records = Array.from({ length: N }, (_, i) => prediction(model, `co-${i}`, { 'aims.feature.common': i, [`aims.feature.name_${i}`]: i }))
      records.push(prediction(model, 'co-existing', { 'aims.feature.common': 1, 'aims.feature.name_0': 2 }), outcome(model, 'co-0'))
      // JSON also carries a record that is no AIMS event (the general path then reads the protobuf too, so the json case covers it).
      if (encoding === 'json') records.push({ eventName: 'user.login', attributes: { user: 'u' } })
      const fastBefore = await otlpFastRequests()
      const res = await postLogs(encoding, records)
      if (encoding === 'protobuf') expect(await otlpFastRequests()).toBe(fastBefore + 1)
      const rejected = N - FITTING + (encoding === 'json' ? 1 : 0)
      expect(res.status, res.message).toBe(200)
      expect(res.rejected).toBe(rejected)
      expect(res.message).toMatch(
        new RegExp(
          `^${rejected} of ${records.length} log records rejected: resourceLogs\\[0\\]\\.scopeLogs\\[0\\]\\.logRecords\\[${FITTING}\\]: aims\\.feature\\.name_${FITTING}: ` +
            `feature "name_${FITTING}" \\(as a number\\) would take model ${model} past its limit of 1000 table columns`,
        ),
      )
      expect(res.message).toMatch(/logRecords\[986\]: aims\.feature\.name_986: /)
      expect(res.message).toMatch(new RegExp(`and ${rejected - 5} more rejected records$`))
      expect(await counts(model)).toEqual({ predictions: FITTING + 1, outcomes: 1 })
      const rows = await storedRows(model)
      expect(rows.size).toBe(FITTING + 1)
      expect(rowOf(rows, 'co-existing')).toMatchObject({ 'f:common:num': 1, 'f:name_0:num': 2 })
      expect(rowOf(rows, `co-${FITTING - 1}`)).toMatchObject({ [`f:name_${FITTING - 1}:num`]: FITTING - 1 })
      expect(rowOf(rows, `co-${FITTING}`)).toBeUndefined()
    })
  }
})
