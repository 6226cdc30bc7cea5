/**
 * The direct protobuf encoder (the default exporter) against the references: the official
 * OpenTelemetry exporter must put the same bytes on the wire for the same records, and the
 * collector's own decoder, mapping and validation (collector/src/ingest/otlp, protobufjs with the
 * OTLP definitions in collector/proto) must read every record back as it was recorded.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createMonitor, type MonitorOptions } from './index.js'
import { startOtlpCapture, type OtlpCapture } from './test-support/otlp-capture.js'
import { decodeProtobufLogsRequest } from '../../../collector/src/ingest/otlp/decode-protobuf.js'
import { otlpProtoTypes } from '../../../collector/src/ingest/otlp/otlp-proto-root.js'
import { processLogsRequest } from '../../../collector/src/ingest/otlp/process-logs-request.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }
const tracer = new BasicTracerProvider().getTracer('otlp-log-encoder.test')
let capture: OtlpCapture

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  capture = await startOtlpCapture()
})
afterAll(async () => {
  await capture.close()
  context.disable()
})
beforeEach(() => {
  capture.requests.length = 0
})

const options = (exporter: 'direct' | 'official'): MonitorOptions => ({
  endpoint: capture.url,
  model: MODEL,
  environment: 'prod',
  exporter,
  exportIntervalMs: 60_000,
  hashFields: ['ssn'],
  hashSalt: 'a-deployment-salt-0123',
})

/** Every kind of value, limit and name the encoder has a path for. */
function logEverything(monitor: ReturnType<typeof createMonitor>): void {
  const t = Date.UTC(2026, 10, 26, 12, 0, 0) + 0.123456
  const wide = Object.fromEntries(Array.from({ length: 210 }, (_, k) => [`f${k}`, k % 3 === 0 ? k * 0.5 : k]))
  const manyAttributes = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`a${k}`, `v${k}`]))
  monitor.logPrediction({
    id: '9f0c2a7e-1d7b-4c51-8b7e-000000000001',
    timestamp: t,
    latencyMs: 1.25,
    features: {
      age: 42, income: 5123.75, negative: -5, big: 2 ** 53 - 1, hugeNegative: -(2 ** 40), zero: 0, nan: NaN, inf: Infinity,
      region: 'north', accent: 'zoë ünïcödé ✓', empty: '', long: 'x'.repeat(300), yes: true, no: false,
      missing: null, undef: undefined, object: { nested: 1 } as never, ssn: '123-45-6789', 'bad name': 1, 'ok.name:with/marks-1': 2,
    },
    attributes: { sex: 'f', segment: 'gold' },
    output: { label: 'approve', score: 0.8125, value: 3 },
  })
  monitor.logPrediction({ id: 'custom-id-2', timestamp: t + 1, latencyMs: 0, features: wide, attributes: manyAttributes, output: { label: 7 } })
  monitor.logPrediction({ id: 'custom-id-3', timestamp: t + 2, latencyMs: 1e12, output: { label: true }, error: { type: 'TypeError', message: 'bad input: ' + 'y'.repeat(2000) } })
  monitor.logPrediction({ id: 'custom-id-4', timestamp: t + 3, features: { age: 1 }, output: { label: '', score: NaN }, error: { type: '' } })
  monitor.logOutcome('9f0c2a7e-1d7b-4c51-8b7e-000000000001', 'repaid', { timestamp: t + 10 })
  monitor.logOutcome('custom-id-2', { label: 1, value: 12.5 }, { timestamp: t + 11 })
  monitor.logOutcome('custom-id-3', { value: -3 }, { timestamp: t + 12 })
}

it('writes, byte for byte, what the official OpenTelemetry protobuf exporter writes for the same records', async () => {
  const direct = createMonitor(options('direct'))
  const official = createMonitor(options('official'))
  await tracer.startActiveSpan('request', async (span) => {
    logEverything(direct)
    logEverything(official)
    span.end()
  })
  await direct.flush()
  const directRequests = capture.requests.splice(0)
  await official.flush()
  const officialRequests = capture.requests.splice(0)

  expect(directRequests).toHaveLength(1)
  expect(officialRequests).toHaveLength(1)
  expect(directRequests[0]!.headers['content-type']).toBe('application/x-protobuf')
  expect(directRequests[0]!.headers['content-encoding']).toBe('gzip')
  expect(officialRequests[0]!.headers['content-type']).toBe('application/x-protobuf')
  expect(directRequests[0]!.body.length).toBeGreaterThan(1000)
  expect(directRequests[0]!.body.equals(officialRequests[0]!.body)).toBe(true)
  // Limits and invalid values are counted the same way on both paths.
  expect(direct.stats().truncated).toBe(official.stats().truncated)
  expect(direct.stats().truncated).toBeGreaterThan(0)
  expect(direct.stats()).toMatchObject({ recorded: 7, exported: 7, failed: 0 })
  await direct.shutdown()
  await official.shutdown()
})

it('integers beyond 2^53, which the collector cannot take as int64 values: sent as doubles (direct), left out and counted (official); never a refused record', async () => {
  const features = { account: 2 ** 60, debt: -(2 ** 55), safe: 2 ** 53 - 1, beyond_int64: 2 ** 64 }
  const got: Record<string, { features: unknown; truncated: number }> = {}
  for (const exporter of ['direct', 'official'] as const) {
    const monitor = createMonitor(options(exporter))
    monitor.logPrediction({ id: `big-${exporter}`, features, output: { value: 2 ** 53 + 2 } })
    await monitor.flush()
    const processed = capture.requests.splice(0).map((r) => processLogsRequest(decodeProtobufLogsRequest(r.body)))
    expect(processed.flatMap((p) => p.rejected)).toEqual([])
    const [event] = processed.flatMap((p) => p.accepted)
    got[exporter] = { features: event?.type === 'prediction' ? { ...event.features, value: event.output?.value } : undefined, truncated: monitor.stats().truncated }
    await monitor.shutdown()
  }
  expect(got.direct).toEqual({ features: { ...features, value: 2 ** 53 + 2 }, truncated: 0 })
  // The official serializer would write them as int_value: left out there, one count each.
  expect(got.official).toEqual({ features: { safe: 2 ** 53 - 1, beyond_int64: 2 ** 64, value: undefined }, truncated: 3 })
})

it("decodes with the collector's decoder and OTLP definitions: every wrapped call accepted, as recorded", async () => {
  const monitor = createMonitor(options('direct'))
  const features = (a: { age: number; region: string; vip: boolean }) => ({ age: a.age, region: a.region, vip: a.vip })
  const sync = monitor.wrapWithId((a: { age: number; region: string; vip: boolean }) => a.age / 100, { features, attributes: (a) => ({ segment: a.region }), output: (score) => ({ score }) })
  const failing = monitor.wrapWithId((_a: { age: number; region: string; vip: boolean }): number => {
    throw new RangeError('age out of range')
  }, { features })
  async function* tokens(n: number) {
    for (let i = 0; i < n; i++) yield `t${i}`
  }
  const stream = monitor.wrap(tokens, { features: (n) => ({ n }), output: (items) => ({ label: items.join('') }) })

  const expected = new Map<string, { age: number; region: string; vip: boolean; score?: number; error?: string }>()
  let spanIds: { traceId: string; spanId: string } | undefined
  await tracer.startActiveSpan('request', async (span) => {
    spanIds = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId }
    for (let i = 0; i < 300; i++) {
      const applicant = { age: 20 + (i % 50), region: ['north', 'south'][i % 2]!, vip: i % 3 === 0 }
      const { result, predictionId } = sync(applicant)
      expected.set(predictionId, { ...applicant, score: result })
    }
    try {
      failing({ age: 200, region: 'east', vip: false })
    } catch {
      // the model's own error, rethrown as it is
    }
    expected.set(monitor.lastPredictionId()!, { age: 200, region: 'east', vip: false, error: 'RangeError' })
    const items: string[] = []
    for await (const item of stream(3)) items.push(item)
    expect(items).toEqual(['t0', 't1', 't2'])
    span.end()
  })
  await monitor.flush()
  const bodies = capture.requests.map((r) => r.body)
  // The first export is a probe of at most 256 records; the rest follow in full batches.
  expect(bodies.length).toBeGreaterThanOrEqual(2)

  const events = []
  for (const body of bodies) {
    const processed = processLogsRequest(decodeProtobufLogsRequest(body))
    expect(processed.rejected).toEqual([])
    events.push(...processed.accepted)
  }
  expect(events).toHaveLength(302)
  for (const event of events) {
    expect(event.type).toBe('prediction')
    if (event.type !== 'prediction') continue
    expect(event.model).toMatchObject({ id: MODEL.id, version: MODEL.version })
    expect(event.traceId).toBe(spanIds!.traceId)
    expect(event.spanId).toBe(spanIds!.spanId)
    expect(event.latencyMs).toBeGreaterThanOrEqual(0)
    const want = expected.get(event.id)
    if (want === undefined) {
      // The stream: its item count and the output extractor's label.
      expect(event.features).toEqual({ n: 3 })
      expect(event.streamItems).toBe(3)
      expect(event.output).toMatchObject({ label: 't0t1t2' })
      continue
    }
    expect(event.features).toEqual({ age: want.age, region: want.region, vip: want.vip })
    if (want.error) expect(event.error?.type).toBe(want.error)
    else {
      expect(event.attributes).toEqual({ segment: want.region })
      expect(event.output?.score).toBe(want.score)
    }
  }

  // The whole message through protobufjs and the OTLP definitions: every field the official path sets.
  const message = otlpProtoTypes().exportLogsServiceRequest.toObject(otlpProtoTypes().exportLogsServiceRequest.decode(bodies[0]!), { longs: String, bytes: String }) as {
    resourceLogs: Array<{ resource: { attributes: Array<{ key: string }> }; scopeLogs: Array<{ scope: { name: string; version: string }; logRecords: Array<Record<string, unknown>> }> }>
  }
  expect(message.resourceLogs).toHaveLength(1)
  expect(message.resourceLogs[0]!.resource.attributes.map((a) => a.key)).toEqual(['service.name', 'aims.model.id', 'aims.model.version', 'deployment.environment.name'])
  const scope = message.resourceLogs[0]!.scopeLogs[0]!
  expect(scope.scope).toEqual({ name: '@aims-monitor/sdk', version: '0.1.0' })
  const first = scope.logRecords[0]!
  expect(first).toMatchObject({ severityNumber: 9, severityText: 'INFO', eventName: 'aims.prediction', flags: 1 })
  expect(first.observedTimeUnixNano).toBe(first.timeUnixNano)
  expect(Math.abs(Number(BigInt(first.timeUnixNano as string) / 1_000_000n) - Date.now())).toBeLessThan(60_000)
  await monitor.shutdown()
})

it('outside any span, records carry no trace context; a span is encoded once and followed when it changes', async () => {
  const monitor = createMonitor(options('direct'))
  const f = monitor.wrapWithId((x: number) => x, { features: (x) => ({ x }) })
  const outside = f(1).predictionId
  const spans: Record<string, string> = {}
  for (const name of ['a', 'b']) {
    await tracer.startActiveSpan(name, async (span) => {
      spans[f(2).predictionId] = span.spanContext().spanId
      // A non-recording span wrapping an invalid context carries nothing.
      context.with(trace.setSpanContext(context.active(), { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }), () => {
        spans[f(3).predictionId] = ''
      })
      span.end()
    })
  }
  await monitor.flush()
  const events = capture.requests.flatMap((r) => processLogsRequest(decodeProtobufLogsRequest(r.body)).accepted)
  expect(events).toHaveLength(5)
  for (const event of events) {
    if (event.type !== 'prediction') throw new Error('expected predictions')
    if (event.id === outside) expect(event.traceId).toBeUndefined()
    else expect(event.spanId ?? '').toBe(spans[event.id])
  }
  await monitor.shutdown()
})
