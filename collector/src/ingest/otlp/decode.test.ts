import { describe, expect, it } from 'vitest'
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api'
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { MAX_ANY_VALUE_DEPTH } from './any-value-depth.js'
import { decodeJsonLogsRequest } from './decode-json.js'
import { decodeProtobufLogsRequest } from './decode-protobuf.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import type { OtlpLogsRequest } from './otlp-model.js'
import { otlpProtoTypes } from './otlp-proto-root.js'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN_ID = '00f067aa0ba902b7'
const T_MS = Date.UTC(2025, 4, 6, 7, 8, 9, 10)

/** Log records as the official SDK makes them, to serialise with the official serialisers. */
async function sdkLogRecords(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'svc', 'aims.model.id': 'credit' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  })
  const logger = provider.getLogger('aims-test', '1.0.0')
  const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED })
  logger.emit({
    eventName: 'aims.prediction',
    timestamp: T_MS,
    context,
    attributes: { 'aims.prediction.id': 'p-1', 'aims.feature.age': 42, 'aims.feature.income': 10.5, 'aims.feature.ok': true, 'aims.output.label': 'yes', 'tags': ['a', 'b'], 'nested': { k: 'v' } },
  })
  logger.emit({ timestamp: T_MS, body: 'plain log line' })
  await provider.forceFlush()
  const records = exporter.getFinishedLogRecords()
  await provider.shutdown()
  return records
}

function expectSdkRequest(request: OtlpLogsRequest) {
  expect(request.resourceLogs).toHaveLength(1)
  const resource = request.resourceLogs[0]!
  expect(resource.resourceAttributes).toContainEqual({ key: 'aims.model.id', value: { kind: 'string', value: 'credit' } })
  const [prediction, plain] = resource.scopeLogs[0]!.logRecords
  expect(prediction).toMatchObject({ timeUnixNano: BigInt(T_MS) * 1_000_000n, eventName: 'aims.prediction', traceId: TRACE_ID, spanId: SPAN_ID })
  expect(prediction!.observedTimeUnixNano).toBeGreaterThan(0n)
  expect(prediction!.attributes).toEqual([
    { key: 'aims.prediction.id', value: { kind: 'string', value: 'p-1' } },
    { key: 'aims.feature.age', value: { kind: 'int', value: 42n } },
    { key: 'aims.feature.income', value: { kind: 'double', value: 10.5 } },
    { key: 'aims.feature.ok', value: { kind: 'bool', value: true } },
    { key: 'aims.output.label', value: { kind: 'string', value: 'yes' } },
    { key: 'tags', value: { kind: 'array', values: [{ kind: 'string', value: 'a' }, { kind: 'string', value: 'b' }] } },
    { key: 'nested', value: { kind: 'kvlist', values: [{ key: 'k', value: { kind: 'string', value: 'v' } }] } },
  ])
  expect(plain).toMatchObject({ eventName: '', traceId: '', spanId: '', attributes: [] })
}

describe('decoding what the official serialisers write', () => {
  it('decodes OTLP/JSON from JsonLogsSerializer', async () => {
    const body = Buffer.from(JsonLogsSerializer.serializeRequest(await sdkLogRecords())!)
    expectSdkRequest(decodeJsonLogsRequest(body))
  })

  it('decodes protobuf from ProtobufLogsSerializer', async () => {
    const body = ProtobufLogsSerializer.serializeRequest(await sdkLogRecords())!
    expectSdkRequest(decodeProtobufLogsRequest(body))
  })
})

describe('decodeJsonLogsRequest', () => {
  const decode = (json: unknown) => decodeJsonLogsRequest(Buffer.from(typeof json === 'string' ? json : JSON.stringify(json)))
  const oneRecord = (record: unknown) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [record] }] }] })
  const firstRecord = (request: OtlpLogsRequest) => request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!

  it('reads 64-bit integers as strings or numbers, doubles as numbers or "NaN", bytes as base64, null as unset', () => {
    const record = firstRecord(
      decode(
        oneRecord({
          timeUnixNano: 1736000000123456789,
          observedTimeUnixNano: '1736000000999999999',
          eventName: null,
          traceId: '',
          attributes: [
            { key: 'big', value: { intValue: '9007199254740993' } },
            { key: 'small', value: { intValue: -5 } },
            { key: 'nan', value: { doubleValue: 'NaN' } },
            { key: 'dstr', value: { doubleValue: '2.5' } },
            { key: 'raw', value: { bytesValue: 'AQID' } },
            { key: 'none', value: {} },
            { key: 'nullValue', value: null },
          ],
          someFutureField: { anything: true },
        }),
      ),
    )
    expect(record.timeUnixNano).toBe(BigInt(1736000000123456789))
    expect(record.observedTimeUnixNano).toBe(1736000000999999999n)
    expect(record.eventName).toBe('')
    expect(record.attributes.map((a) => a.value)).toEqual([
      { kind: 'int', value: 9007199254740993n },
      { kind: 'int', value: -5n },
      { kind: 'double', value: NaN },
      { kind: 'double', value: 2.5 },
      { kind: 'bytes', value: new Uint8Array([1, 2, 3]) },
      { kind: 'empty' },
      { kind: 'empty' },
    ])
  })

  it('accepts empty requests and lower-cases hex ids', () => {
    expect(decode({})).toEqual({ resourceLogs: [] })
    expect(decode({ resourceLogs: [{ scopeLogs: [{}] }] })).toEqual({ resourceLogs: [{ resourceAttributes: [], scopeLogs: [{ logRecords: [] }] }] })
    expect(firstRecord(decode(oneRecord({ traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID })))).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID })
  })

  it.each([
    ['not JSON', 'garbage{', /not valid JSON/],
    ['not an object', '[1,2]', /expected an ExportLogsServiceRequest object/],
    ['resourceLogs not an array', { resourceLogs: {} }, /resourceLogs: /],
    ['a fractional intValue', oneRecord({ attributes: [{ key: 'a', value: { intValue: '1.5' } }] }), /resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.attributes\[0\]\.value\.intValue/],
    ['two values in one AnyValue', oneRecord({ attributes: [{ key: 'a', value: { stringValue: 'x', intValue: 1 } }] }), /exactly one of/],
    ['a base64 trace id', oneRecord({ traceId: 'S/kvNXezTaajzpKdDg5HNg==' }), /traceId: expected hex digits/],
    ['a negative time', oneRecord({ timeUnixNano: -1 }), /timeUnixNano/],
  ])('refuses %s with OtlpDecodeError', (_what, body, message) => {
    expect(() => decode(body)).toThrow(OtlpDecodeError)
    expect(() => decode(body)).toThrow(message)
  })
})

describe('decodeProtobufLogsRequest', () => {
  const type = otlpProtoTypes().exportLogsServiceRequest

  it('keeps 64-bit integers exact and maps empty bytes to no id', () => {
    const body = type
      .encode(
        type.fromObject({
          resourceLogs: [
            {
              resource: { attributes: [{ key: 'aims.model.version', value: { stringValue: '3' } }] },
              scopeLogs: [{ logRecords: [{ timeUnixNano: '18446744073709551615', attributes: [{ key: 'i', value: { intValue: '-9223372036854775808' } }, { key: 'e', value: {} }] }] }],
            },
          ],
        }),
      )
      .finish()
    const request = decodeProtobufLogsRequest(body)
    expect(request.resourceLogs[0]!.resourceAttributes).toEqual([{ key: 'aims.model.version', value: { kind: 'string', value: '3' } }])
    expect(request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]).toEqual({
      timeUnixNano: 18446744073709551615n,
      observedTimeUnixNano: 0n,
      eventName: '',
      attributes: [
        { key: 'i', value: { kind: 'int', value: -9223372036854775808n } },
        { key: 'e', value: { kind: 'empty' } },
      ],
      traceId: '',
      spanId: '',
    })
  })

  it('decodes an empty body as an empty request', () => {
    expect(decodeProtobufLogsRequest(new Uint8Array())).toEqual({ resourceLogs: [] })
  })

  it.each([
    ['text', Buffer.from('this is not protobuf at all')],
    ['JSON', Buffer.from('{"resourceLogs":[]}')],
    ['a truncated message', Buffer.from([0x0a, 0x10, 0x12])],
  ])('refuses %s with OtlpDecodeError', (_what, body) => {
    expect(() => decodeProtobufLogsRequest(body)).toThrow(OtlpDecodeError)
  })
})

describe('AnyValue nesting', () => {
  const nested = (levels: number): Record<string, unknown> => {
    let value: Record<string, unknown> = { stringValue: 'x' }
    for (let i = 0; i < levels; i++) value = { arrayValue: { values: [value] } }
    return value
  }
  const request = (levels: number) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: [{ key: 'deep', value: nested(levels) }] }] }] }] })
  const type = otlpProtoTypes().exportLogsServiceRequest

  it(`is bounded at ${MAX_ANY_VALUE_DEPTH} levels in both encodings`, () => {
    const ok = MAX_ANY_VALUE_DEPTH - 1
    expect(() => decodeJsonLogsRequest(Buffer.from(JSON.stringify(request(ok))))).not.toThrow()
    expect(() => decodeProtobufLogsRequest(type.encode(type.fromObject(request(ok))).finish())).not.toThrow()
    expect(() => decodeJsonLogsRequest(Buffer.from(JSON.stringify(request(ok + 1))))).toThrow(/more than 32 levels deep/)
    expect(() => decodeProtobufLogsRequest(type.encode(type.fromObject(request(ok + 1))).finish())).toThrow(/more than 32 levels deep/)
  })

  it('refuses absurd nesting without overflowing the collector', () => {
    let json = '{"stringValue":"x"}'
    for (let i = 0; i < 20_000; i++) json = `{"arrayValue":{"values":[${json}]}}`
    const body = Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"a","value":${json}}]}]}]}]}`)
    expect(() => decodeJsonLogsRequest(body)).toThrow(OtlpDecodeError)
  })
})
