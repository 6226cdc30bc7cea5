import { createRequire } from 'node:module'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { createLogger, createBatchProcessor, HttpError, type NativeBatchResult, type OtlpBatchResult } from '@aims-monitor/collector'
import { otlpProtoTypes } from '../collector/src/ingest/otlp/otlp-proto-root.js'

// The collector depends on the serializers; the workspace root does not, so resolve them from the collector.
const requireFromCollector = createRequire(new URL('../collector/package.json', import.meta.url))
type Serializer = { serializeRequest(records: ReadableLogRecord[]): Uint8Array | undefined }
const { ProtobufLogsSerializer, JsonLogsSerializer } = requireFromCollector('@opentelemetry/otlp-transformer') as { ProtobufLogsSerializer: Serializer; JsonLogsSerializer: Serializer }
const NATIVE = { kind: 'native' } as const
/** Bodies given to the processors as they would arrive uncompressed. */
const AS_SENT = { contentEncoding: 'identity', maxBytes: 64 * 1024 * 1024 } as const
const requestType = otlpProtoTypes().exportLogsServiceRequest

// The worker threads must give exactly what the request thread gives: same acceptance, same
// rejections, same bytes in the same layouts.
const inThread = createBatchProcessor({ workers: 0, maxColumnsPerModel: 1000, logger: createLogger('silent') })
const pool = createBatchProcessor({ workers: 2, maxColumnsPerModel: 1000, logger: createLogger('silent') })
afterAll(async () => {
  await inThread.close()
  await pool.close()
})

function body(events: unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ events }))
}

const now = Date.now()
const batches = Array.from({ length: 6 }, (_, b) =>
  Array.from({ length: 50 }, (_, i) => ({
    type: 'prediction',
    id: `b${b}-e${i}`,
    timestamp: now - 1000 * i,
    model: { id: i % 2 ? 'credit-risk' : 'churn', version: '1.0' },
    features: { age: 20 + i, region: ['n', 's'][i % 2]!, ...(b > 2 ? { added: true } : {}) },
    attributes: { sex: i % 3 ? 'female' : 'male' },
    output: { label: 'approve', score: i / 50 },
  })),
)

function comparable(result: NativeBatchResult | OtlpBatchResult) {
  if (!result.ok) return result
  return { ...result, chunks: result.chunks.map((c) => ({ ...c, bytes: Buffer.from(c.bytes).toString('base64') })) }
}

describe('ingest worker threads', () => {
  it('produce the same results as the request thread, batch by batch', async () => {
    for (const events of batches) {
      // Each side stamps its own receive time into the rows, so the bytes may differ there:
      // compare acceptance, rejections, layouts, row counts and encoded sizes.
      const [a, b] = await Promise.all([inThread.process(NATIVE, 'p', body(events), AS_SENT), pool.process(NATIVE, 'p', body(events), AS_SENT)])
      expect(a.ok && b.ok).toBe(true)
      if (!a.ok || !b.ok) return
      expect(b.events).toBe(a.events)
      expect(b.predictions).toBe(a.predictions)
      expect(b.rejected).toEqual(a.rejected)
      expect(b.chunks.map((c) => [c.target, c.signature, c.rows, c.bytes.length])).toEqual(a.chunks.map((c) => [c.target, c.signature, c.rows, c.bytes.length]))
    }
  })

  it('report bad bodies and bad events as the request thread does', async () => {
    const cases = [
      Buffer.from('{"events": [ nope'),
      Buffer.from(''),
      Buffer.from('[]'),
      body([{ type: 'prediction', id: 'x' }, { type: 'outcome', predictionId: 'b0-e1', timestamp: now, model: { id: 'churn' }, label: 'y' }]),
    ]
    for (const c of cases) {
      const [a, b] = await Promise.all([inThread.process(NATIVE, 'p', Buffer.from(c), AS_SENT), pool.process(NATIVE, 'p', Buffer.from(c), AS_SENT)])
      const strip = (r: NativeBatchResult) => (r.ok ? { ...comparable(r), chunks: r.chunks.map((x) => [x.target, x.rows]) } : r)
      expect(strip(b)).toEqual(strip(a))
    }
  })

  it('take many requests at once and answer each one', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => pool.process(NATIVE, 'p', body(batches[i % batches.length]!), AS_SENT)))
    expect(results.every((r) => r.ok && r.predictions === 50)).toBe(true)
  })
})

/** Log records as the official SDK makes them: predictions of the batches above, an outcome, a record that is not AIMS, one with a bad value. */
async function sdkRecords(): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'aims.model.id': 'credit-risk', 'aims.model.version': '1.0' }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  })
  const logger = provider.getLogger('workers')
  for (const e of batches[3]!) {
    logger.emit({
      eventName: 'aims.prediction',
      timestamp: e.timestamp,
      attributes: {
        'aims.prediction.id': e.id, 'aims.model.id': e.model.id, 'aims.output.label': e.output.label, 'aims.output.score': e.output.score,
        ...Object.fromEntries(Object.entries(e.features).map(([k, v]) => [`aims.feature.${k}`, v])),
        ...Object.fromEntries(Object.entries(e.attributes).map(([k, v]) => [`aims.attribute.${k}`, v])),
      },
    })
  }
  logger.emit({ eventName: 'aims.outcome', attributes: { 'aims.prediction.id': 'b3-e1', 'aims.outcome.label': 'repaid' } })
  logger.emit({ eventName: 'http.request', body: 'not a prediction' })
  logger.emit({ eventName: 'aims.prediction', attributes: { 'aims.prediction.id': 'bad', 'aims.output.score': 0.5, 'aims.feature.big': 2 ** 60 } })
  await provider.forceFlush()
  const records = memory.getFinishedLogRecords()
  await provider.shutdown()
  return records
}

describe('ingest worker threads with compressed bodies', () => {
  it('decompress gzip, deflate and br in the worker, with the results of the request thread', async () => {
    const requestBody = Buffer.from(ProtobufLogsSerializer.serializeRequest(await sdkRecords())!)
    const batch = { kind: 'otlp', encoding: 'protobuf' } as const
    const plain = await inThread.process(batch, 'p', Buffer.from(requestBody), AS_SENT)
    for (const [contentEncoding, compress] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      const sent = { contentEncoding, maxBytes: requestBody.length }
      const [a, b] = await Promise.all([inThread.process(batch, 'p', compress(requestBody), sent), pool.process(batch, 'p', compress(requestBody), sent)])
      for (const result of [a, b]) {
        expect(result.ok, contentEncoding).toBe(true)
        if (!result.ok || !plain.ok) return
        expect(result.total).toBe(plain.total)
        expect(result.rejected).toEqual(plain.rejected)
      }
    }
  })

  it('refuse a body over the limit once decompressed, or not what its encoding says, with the same HttpError in both places', async () => {
    const requestBody = Buffer.from(ProtobufLogsSerializer.serializeRequest(await sdkRecords())!)
    const batch = { kind: 'otlp', encoding: 'protobuf' } as const
    const cases = [
      { body: gzipSync(requestBody), sent: { contentEncoding: 'gzip', maxBytes: requestBody.length - 1 } as const, status: 413, code: 'payload_too_large' },
      { body: Buffer.from('not gzip'), sent: { contentEncoding: 'gzip', maxBytes: 1 << 20 } as const, status: 400, code: 'bad_body' },
      { body: Buffer.from('not brotli'), sent: { contentEncoding: 'br', maxBytes: 1 << 20 } as const, status: 400, code: 'bad_body' },
    ]
    for (const { body, sent, status, code } of cases) {
      const [a, b] = await Promise.allSettled([inThread.process(batch, 'p', Buffer.from(body), sent), pool.process(batch, 'p', Buffer.from(body), sent)])
      for (const settled of [a, b]) {
        expect(settled.status, `${sent.contentEncoding} → ${code}`).toBe('rejected')
        const error = (settled as PromiseRejectedResult).reason
        expect(error).toBeInstanceOf(HttpError)
        expect(error).toMatchObject({ status, code })
      }
      expect((b as PromiseRejectedResult).reason.message).toBe((a as PromiseRejectedResult).reason.message)
    }
    // The pool is still whole: a refusal is an answer, not a worker failure.
    const after = await pool.process(batch, 'p', Buffer.from(requestBody), AS_SENT)
    expect(after.ok).toBe(true)
  })
})

describe('ingest worker threads with OTLP logs requests', () => {
  it.each([
    ['protobuf', ProtobufLogsSerializer],
    ['json', JsonLogsSerializer],
  ] as const)('produce the same results as the request thread for OTLP/%s', async (encoding, serializer) => {
    const requestBody = Buffer.from(serializer.serializeRequest(await sdkRecords())!)
    const batch = { kind: 'otlp', encoding } as const
    const [a, b] = await Promise.all([inThread.process(batch, 'p', Buffer.from(requestBody), AS_SENT), pool.process(batch, 'p', Buffer.from(requestBody), AS_SENT)])
    expect(a.ok && b.ok).toBe(true)
    if (!a.ok || !b.ok) return
    expect(a).toMatchObject({ total: 53, predictions: 50, outcomes: 1 })
    expect(a.rejected.map((r) => [r.location.record, r.reason])).toEqual([[51, 'not_aims_event'], [52, 'invalid_event']])
    expect(a.partialSuccessMessage).toMatch(/^2 of 53 log records rejected: resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[51\]: not an AIMS event/)
    expect(b.total).toBe(a.total)
    expect(b.rejected).toEqual(a.rejected)
    expect(b.partialSuccessMessage).toBe(a.partialSuccessMessage)
    expect(b.chunks.map((c) => [c.target, c.signature, c.rows, c.bytes.length])).toEqual(a.chunks.map((c) => [c.target, c.signature, c.rows, c.bytes.length]))
  })

  it('report undecodable and oversized requests as the request thread does', async () => {
    const cases: [{ kind: 'otlp'; encoding: 'json' | 'protobuf' }, Buffer][] = [
      [{ kind: 'otlp', encoding: 'protobuf' }, Buffer.from('this is not protobuf at all')],
      [{ kind: 'otlp', encoding: 'protobuf' }, Buffer.from([0x0a, 0x10, 0x12])],
      [{ kind: 'otlp', encoding: 'json' }, Buffer.from('{"resourceLogs": [')],
      [{ kind: 'otlp', encoding: 'json' }, Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 10_001 }, () => ({})) }] }] }))],
      // Valid AIMS records, so the protobuf fast path reads them and refuses the count itself.
      [{ kind: 'otlp', encoding: 'protobuf' }, Buffer.from(requestType.encode(requestType.fromObject({ resourceLogs: [{ resource: { attributes: [{ key: 'aims.model.id', value: { stringValue: 'm' } }] }, scopeLogs: [{ logRecords: Array.from({ length: 10_001 }, (_, i) => ({ timeUnixNano: String(BigInt(now) * 1_000_000n), eventName: 'aims.prediction', attributes: [{ key: 'aims.prediction.id', value: { stringValue: `big-${i}` } }] })) }] }] })).finish())],
    ]
    for (const [batch, c] of cases) {
      const [a, b] = await Promise.all([inThread.process(batch, 'p', Buffer.from(c), AS_SENT), pool.process(batch, 'p', Buffer.from(c), AS_SENT)])
      expect(a.ok).toBe(false)
      expect(b).toEqual(a)
      if (c.length > 1000) expect(a).toMatchObject({ status: 400, code: 'too_many_records' })
    }
  })
})
