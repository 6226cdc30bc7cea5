/**
 * POST /v1/logs end to end: the official OpenTelemetry exporters (OTLP/JSON and protobuf) and raw
 * requests against one in-process collector on embedded chDB (one data directory for the file).
 */
import { ReferenceDatasets } from '@aims-monitor/evaluator'
import { mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diag, DiagLogLevel, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api'
import type { AnyValueMap } from '@opentelemetry/api-logs'
import { OTLPLogExporter as OTLPJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as OTLPProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { collectorConfigFromEnv, createApp, createCollectorMetrics, createLogger, IngestService, Spool, startCollector, createBatchProcessor, type RunningCollector } from '@aims-monitor/collector'
import { LIMITS, toEventUuid } from '@aims-monitor/schema'
import { predictionsTableName } from '@aims-monitor/store'

// The collector depends on these; the workspace root does not, so resolve them from the collector.
const requireFromCollector = createRequire(new URL('../collector/package.json', import.meta.url))
const { ProtobufLogsSerializer } = requireFromCollector('@opentelemetry/otlp-transformer') as {
  ProtobufLogsSerializer: {
    serializeRequest(records: ReadableLogRecord[]): Uint8Array | undefined
    deserializeResponse(body: Uint8Array): { partialSuccess?: { rejectedLogRecords?: number; errorMessage?: string } }
  }
}
interface ProtobufType {
  decode(body: Uint8Array): object
  toObject(message: object): Record<string, unknown>
}
const protobuf = requireFromCollector('protobufjs') as { parse(source: string): { root: { lookupType(name: string): ProtobufType } } }
/** An independent definition of google.rpc.Status (fields 1 and 2), to read error bodies. */
const StatusType = protobuf.parse('syntax = "proto3"; message Status { int32 code = 1; string message = 2; }').root.lookupType('Status')

const KEY = 'otlp-test-key'
const AUTH = { authorization: `Bearer ${KEY}` }
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN_ID = '00f067aa0ba902b7'
/** No context manager is installed, so the span's context is handed to emit() rather than made active. */
const SPAN_CONTEXT: Context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED })

let collector: RunningCollector
let dataDir: string
const diagMessages: string[] = []

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aims-otlp-'))
  collector = await startCollector(collectorConfigFromEnv({}, { port: 0, sealAfterMs: 50, initApiKey: KEY, store: { dataDir } }), { logger: createLogger('silent') })
  // The exporters report failures and partial successes only through diag: collect them.
  const collect = (...args: unknown[]) => diagMessages.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
  diag.setLogger({ error: collect, warn: collect, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN)
})

afterAll(async () => {
  diag.disable()
  await collector?.close()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

interface ModelsResponse {
  models: { id: string; predictionCount: number; outcomeCount: number; versions: { version: string; predictionCount: number }[] }[]
  pendingEvents: number
}

async function models(): Promise<ModelsResponse['models']> {
  const response = await fetch(`${collector.url}/v1/models`, { headers: AUTH })
  expect(response.status).toBe(200)
  const body = (await response.json()) as ModelsResponse
  expect(body.pendingEvents).toBe(0)
  return body.models
}

async function model(id: string) {
  return (await models()).find((m) => m.id === id)
}

async function storedPrediction(modelId: string, predictionId: string): Promise<Record<string, unknown> | undefined> {
  const result = await collector.store.client.query({
    query: `SELECT * FROM ${collector.store.table(predictionsTableName('default', modelId))} FINAL WHERE id = {id:UUID}`,
    query_params: { id: toEventUuid(predictionId) },
    format: 'JSONEachRow',
  })
  return (await result.json<Record<string, unknown>>())[0]
}

function prediction(id: string, i: number): AnyValueMap {
  return {
    'aims.prediction.id': id,
    'aims.feature.age': 30 + i,
    'aims.feature.income': 1000.5 + i,
    'aims.feature.region': i % 2 === 0 ? 'north' : 'south',
    'aims.feature.has_default': i === 0,
    'aims.attribute.gender': i % 2 === 0 ? 'f' : 'm',
    'aims.output.label': i % 2 === 0 ? 'approve' : 'reject',
    'aims.output.score': 0.25 + i / 10,
    'aims.latency_ms': 4.5,
  }
}

async function postLogs(body: Buffer | string, contentType: string, headers: Record<string, string> = AUTH): Promise<Response> {
  return fetch(`${collector.url}/v1/logs`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body })
}

/** OTLP/JSON written by hand, as a non-SDK sender would: int64 as strings, AnyValue objects. */
const str = (stringValue: string) => ({ stringValue })
const keyValues = (attributes: Record<string, unknown>) => Object.entries(attributes).map(([key, value]) => ({ key, value }))
const jsonRecord = (eventName: string, attributes: Record<string, unknown>) => ({ timeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`, eventName, attributes: keyValues(attributes) })
const jsonRequest = (records: unknown[], resource: Record<string, unknown> = {}) => ({
  resourceLogs: [{ resource: { attributes: keyValues(resource) }, scopeLogs: [{ scope: { name: 'raw' }, logRecords: records }] }],
})

describe('official OpenTelemetry exporters', () => {
  it('OTLP/JSON (exporter-logs-otlp-http): predictions and outcomes land with features, attributes, output, trace and span ids', async () => {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'credit-svc', 'aims.model.id': 'otlp-json', 'aims.model.version': '1.0.0', 'deployment.environment.name': 'staging' }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPJsonLogExporter({ url: `${collector.url}/v1/logs`, headers: AUTH }) })],
    })
    const logger = provider.getLogger('aims-e2e')
    for (let i = 0; i < 5; i++) logger.emit({ eventName: 'aims.prediction', context: SPAN_CONTEXT, attributes: prediction(`json-p${i}`, i) })
    for (let i = 0; i < 2; i++) {
      logger.emit({ eventName: 'aims.outcome', attributes: { 'aims.prediction.id': `json-p${i}`, 'aims.model.version': '1.0.0', 'aims.outcome.label': 'approve' } })
    }
    await provider.forceFlush()
    await provider.shutdown()
    expect(diagMessages).toEqual([])

    expect(await model('otlp-json')).toMatchObject({ predictionCount: 5, outcomeCount: 2, versions: [{ version: '1.0.0', predictionCount: 5 }] })
    expect(await storedPrediction('otlp-json', 'json-p1')).toMatchObject({
      model_version: '1.0.0',
      environment: 'staging',
      'f:age:num': 31,
      'f:income:num': 1001.5,
      'f:region:str': 'south',
      'f:has_default:bool': 0,
      'a:gender': 'm',
      output_label: 'reject',
      output_score: 0.35,
      latency_ms: 4.5,
      trace_id: TRACE_ID,
      span_id: SPAN_ID,
      status: 'ok',
    })
  })

  it('protobuf with gzip (exporter-logs-otlp-proto): valid records land, the rest come back as a partial success', async () => {
    diagMessages.length = 0
    const exporter = new OTLPProtoLogExporter({ url: `${collector.url}/v1/logs`, headers: AUTH, compression: 'gzip' as never })
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'fraud-svc', 'aims.model.id': 'otlp-proto', 'aims.model.version': '2.0.0' }),
      processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60_000 })],
    })
    const logger = provider.getLogger('aims-e2e')
    for (let i = 0; i < 2; i++) logger.emit({ eventName: 'aims.prediction', context: SPAN_CONTEXT, attributes: prediction(`proto-p${i}`, i) })
    // An older SDK without LogRecord.event_name names the event with the event.name attribute.
    logger.emit({ context: SPAN_CONTEXT, attributes: { 'event.name': 'aims.prediction', ...prediction('proto-p2', 2) } })
    logger.emit({ eventName: 'aims.outcome', attributes: { 'aims.prediction.id': 'proto-p0', 'aims.outcome.value': 12.5 } })
    logger.emit({ eventName: 'aims.prediction', attributes: { ...prediction('proto-bad', 3), 'aims.output.score': Number.NaN } })
    logger.emit({ body: 'an ordinary log line, not an AIMS event' })
    await provider.forceFlush()
    await provider.shutdown()

    const partial = diagMessages.filter((m) => m.includes('Partial Success'))
    expect(partial).toHaveLength(1)
    expect(partial[0]).toContain('"rejectedLogRecords":2')
    expect(partial[0]).toMatch(/logRecords\[4\]: aims\.output\.score: must be a finite number/)
    expect(partial[0]).toMatch(/logRecords\[5\]: not an AIMS event/)

    expect(await model('otlp-proto')).toMatchObject({ predictionCount: 3, outcomeCount: 1, versions: [{ version: '2.0.0', predictionCount: 3 }] })
    expect(await storedPrediction('otlp-proto', 'proto-p2')).toMatchObject({ 'f:age:num': 32, 'a:gender': 'f', output_label: 'approve', trace_id: TRACE_ID, span_id: SPAN_ID })
  })

  it('protobuf of AIMS events only takes the fast path, stores the same rows, and /metrics counts both paths', async () => {
    const exporter = new OTLPProtoLogExporter({ url: `${collector.url}/v1/logs`, headers: AUTH })
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'aims.model.id': 'otlp-fast', 'aims.model.version': '3' }),
      processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60_000 })],
    })
    const logger = provider.getLogger('aims-e2e')
    for (let i = 0; i < 3; i++) logger.emit({ eventName: 'aims.prediction', context: SPAN_CONTEXT, attributes: prediction(`fast-p${i}`, i) })
    logger.emit({ eventName: 'aims.outcome', attributes: { 'aims.prediction.id': 'fast-p1', 'aims.outcome.label': 'repaid' } })
    await provider.forceFlush()
    await provider.shutdown()

    expect(await model('otlp-fast')).toMatchObject({ predictionCount: 3, outcomeCount: 1 })
    expect(await storedPrediction('otlp-fast', 'fast-p2')).toMatchObject({ 'f:age:num': 32, 'a:gender': 'f', output_label: 'approve', trace_id: TRACE_ID, span_id: SPAN_ID })
    const metrics = await (await fetch(`${collector.url}/metrics`)).text()
    // This request went the fast way; the previous one (a non-AIMS record in it) the general way.
    expect(Number(/aims_otlp_requests_total\{path="fast"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1)
    expect(Number(/aims_otlp_requests_total\{path="general"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1)
  })
})

describe('raw OTLP/HTTP requests', () => {
  it('JSON with valid, invalid and non-AIMS records: 200 with a partial success naming each rejected record', async () => {
    const body = jsonRequest(
      [
        jsonRecord('aims.prediction', { 'aims.prediction.id': str('raw-1'), 'aims.feature.age': { intValue: '41' }, 'aims.output.score': { doubleValue: 0.9 } }),
        jsonRecord('aims.prediction', { 'aims.prediction.id': str('raw-2'), 'aims.output.label': { boolValue: true } }),
        jsonRecord('aims.prediction', { 'aims.prediction.id': str('raw-3'), 'aims.output.score': str('high') }),
        jsonRecord('user.login', { 'user.id': str('u1') }),
      ],
      { 'aims.model.id': str('raw-json'), 'aims.model.version': str('1') },
    )
    const response = await postLogs(JSON.stringify(body), 'application/json')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const answer = (await response.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } }
    expect(Number(answer.partialSuccess.rejectedLogRecords)).toBe(2)
    expect(answer.partialSuccess.errorMessage).toContain('resourceLogs[0].scopeLogs[0].logRecords[2]: aims.output.score: expected a doubleValue or intValue, got stringValue')
    expect(answer.partialSuccess.errorMessage).toContain('logRecords[3]: not an AIMS event: eventName is "user.login"')
    expect(await model('raw-json')).toMatchObject({ predictionCount: 2 })
  })

  it('JSON of only non-AIMS records: 200, all rejected as not AIMS events, nothing stored', async () => {
    const body = jsonRequest([jsonRecord('', { 'service.name': str('x') }), jsonRecord('http.server.request', { 'aims.model.id': str('not-aims') })])
    const response = await postLogs(JSON.stringify(body), 'application/json')
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } }
    expect(answer.partialSuccess.rejectedLogRecords).toBe('2')
    expect(answer.partialSuccess.errorMessage).toMatch(/logRecords\[0\]: not an AIMS event: the record has no eventName/)
    expect(await model('not-aims')).toBeUndefined()
  })

  it('protobuf with a bad record: the partial success is in a protobuf response', async () => {
    const memory = new InMemoryLogRecordExporter()
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'aims.model.id': 'raw-proto', 'aims.model.version': '1' }),
      processors: [new SimpleLogRecordProcessor({ exporter: memory })],
    })
    const logger = provider.getLogger('raw')
    logger.emit({ eventName: 'aims.prediction', attributes: { 'aims.prediction.id': 'rp-1', 'aims.output.score': 0.5 } })
    // 2^60 is an integer to JavaScript, so the SDK sends it as intValue: beyond the safe range, refused.
    logger.emit({ eventName: 'aims.prediction', attributes: { 'aims.prediction.id': 'rp-2', 'aims.output.score': 0.5, 'aims.feature.big': 2 ** 60 } })
    await provider.forceFlush()
    const records: ReadableLogRecord[] = memory.getFinishedLogRecords()
    await provider.shutdown()

    const response = await postLogs(Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!), 'application/x-protobuf')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/x-protobuf')
    const answer = ProtobufLogsSerializer.deserializeResponse(new Uint8Array(await response.arrayBuffer()))
    expect(answer.partialSuccess?.rejectedLogRecords).toBe(1)
    expect(answer.partialSuccess?.errorMessage).toMatch(/logRecords\[1\]: aims\.feature\.big: intValue 1152921504606846976 is outside the safe integer range/)
    expect(await model('raw-proto')).toMatchObject({ predictionCount: 1 })
  })

  it('gzip-compressed JSON is accepted', async () => {
    const body = jsonRequest([jsonRecord('aims.prediction', { 'aims.prediction.id': str('gz-1'), 'aims.model.id': str('raw-gzip'), 'aims.model.version': str('1'), 'aims.output.value': { doubleValue: 3.5 } })])
    const response = await postLogs(gzipSync(JSON.stringify(body)), 'application/json', { ...AUTH, 'content-encoding': 'gzip' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({})
    expect(await model('raw-gzip')).toMatchObject({ predictionCount: 1 })
  })

  it('deflate and br bodies are accepted; one that is not what its Content-Encoding says is 400 as a google.rpc.Status; an unknown encoding is 415', async () => {
    const record = (id: string) => jsonRecord('aims.prediction', { 'aims.prediction.id': str(id), 'aims.model.id': str('raw-encodings'), 'aims.model.version': str('1'), 'aims.output.value': { doubleValue: 1 } })
    for (const [encoding, compress] of [['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      const response = await postLogs(compress(JSON.stringify(jsonRequest([record(`enc-${encoding}`)]))), 'application/json', { ...AUTH, 'content-encoding': encoding })
      expect(response.status, encoding).toBe(200)
    }
    expect(await model('raw-encodings')).toMatchObject({ predictionCount: 2 })
    // Decompressed in an ingest worker: its refusal is still the route's google.rpc.Status, in the request's encoding.
    const notGzip = await postLogs(Buffer.from('not gzip at all'), 'application/x-protobuf', { ...AUTH, 'content-encoding': 'gzip' })
    expect(notGzip.status).toBe(400)
    expect(StatusType.toObject(StatusType.decode(new Uint8Array(await notGzip.arrayBuffer())))).toEqual({ code: 3, message: expect.stringMatching(/could not be read \(is it really gzip\?\)/) })
    const zstd = await postLogs(Buffer.from('{}'), 'application/json', { ...AUTH, 'content-encoding': 'zstd' })
    expect(zstd.status).toBe(415)
    expect(await zstd.json()).toEqual({ code: 3, message: expect.stringMatching(/Content-Encoding "zstd" is not accepted; send gzip, deflate, br or identity/) })
  })

  it('an undecodable body is 400 with a google.rpc.Status in the request encoding, and nothing stored before is lost', async () => {
    const before = await models()
    const json = await postLogs('garbage{', 'application/json')
    expect(json.status).toBe(400)
    expect(await json.json()).toEqual({ code: 3, message: expect.stringContaining('not valid JSON') })

    const proto = await postLogs(Buffer.from('this is not protobuf at all'), 'application/x-protobuf')
    expect(proto.status).toBe(400)
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf')
    const status = StatusType.toObject(StatusType.decode(new Uint8Array(await proto.arrayBuffer())))
    expect(status).toEqual({ code: 3, message: expect.stringContaining('not a protobuf ExportLogsServiceRequest') })
    // A truncated protobuf body (a field claiming more bytes than sent) is refused the same way.
    const truncated = await postLogs(Buffer.from([0x0a, 0x10, 0x12]), 'application/x-protobuf')
    expect(truncated.status).toBe(400)
    expect(await models()).toEqual(before)
  })

  it('more log records than a batch may hold is 400, as for /v1/events', async () => {
    const records = `[${Array.from({ length: LIMITS.maxEventsPerBatch + 1 }, () => '{}').join(',')}]`
    const response = await postLogs(`{"resourceLogs":[{"scopeLogs":[{"logRecords":${records}}]}]}`, 'application/json')
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ code: 3, message: expect.stringContaining(`at most ${LIMITS.maxEventsPerBatch}`) })
  })

  it('a wrong Content-Type is 415, a missing key 401', async () => {
    const wrongType = await postLogs('hello', 'text/plain')
    expect(wrongType.status).toBe(415)
    expect(await wrongType.json()).toEqual({ code: 3, message: expect.stringContaining('"text/plain" is not accepted') })

    const noKey = await postLogs('{}', 'application/json', {})
    expect(noKey.status).toBe(401)
    expect(noKey.headers.get('www-authenticate')).toBe('Bearer')
    expect(await noKey.json()).toEqual({ code: 16, message: expect.stringContaining('missing API key') })
  })
})

describe('backpressure', () => {
  it('passes the spool’s 503 with Retry-After through, so exporters retry', async () => {
    // A real spool that nobody drains and that is "full" once it holds anything.
    const spoolDir = await mkdtemp(join(tmpdir(), 'aims-otlp-spool-'))
    const metrics = createCollectorMetrics()
    const spool = await Spool.open({ dir: spoolDir, maxBytes: 0, sealAfterMs: 60_000, maxSegmentRows: 1000, maxSegmentBytes: 1 << 20, maxColumnsPerModel: 100 }, metrics)
    const app = createApp({
      store: collector.store,
      audit: collector.audit,
      keys: collector.keys,
      ingest: new IngestService(spool, metrics),
      barrier: undefined as never, // only GET /v1/models uses it
      batches: createBatchProcessor({ workers: 0, maxColumnsPerModel: 100, logger: createLogger('silent') }),
      metrics,
      logger: createLogger('silent'),
      maxBodyBytes: 1 << 20,
      evaluator: () => undefined,
      references: new ReferenceDatasets(collector.store),
      maxReferenceBytes: 1 << 20,
      readiness: () => ({ ready: true }),
    })
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`
      const body = (id: string) =>
        JSON.stringify(jsonRequest([jsonRecord('aims.prediction', { 'aims.prediction.id': str(id), 'aims.model.id': str('backpressure'), 'aims.model.version': str('1'), 'aims.output.score': { doubleValue: 0.5 } })]))
      const first = await fetch(url, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: body('bp-1') })
      expect(first.status).toBe(200)
      const second = await fetch(url, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: body('bp-2') })
      expect(second.status).toBe(503)
      expect(second.headers.get('retry-after')).toBe('5')
      // Refused before its events were read: counted as a refused request.
      expect(await metrics.registry.getSingleMetricAsString('aims_requests_refused_total')).toMatch(/aims_requests_refused_total\{reason="spool_full"\} 1/)
    } finally {
      await new Promise((resolve) => server.close(resolve))
      await spool.close()
      await rm(spoolDir, { recursive: true, force: true })
    }
  })
})
