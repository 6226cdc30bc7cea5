// The hand-written protobuf decoder against protobufjs's reflected decoding of the same
// definitions (collector/proto), on generated requests that use every field the decoder reads and
// fields it skips; and its errors on bodies that are not an ExportLogsServiceRequest.
import { describe, expect, it } from 'vitest'
import { decodeProtobufLogsRequest } from './decode-protobuf.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogsRequest } from './otlp-model.js'
import { otlpProtoTypes } from './otlp-proto-root.js'
import { seededRandom as random } from '@aims-monitor/metrics'

const type = otlpProtoTypes().exportLogsServiceRequest

/** The oracle: protobufjs decodes by reflection; its object form is turned into the model. */
function decodeByReflection(body: Uint8Array): OtlpLogsRequest {
  const o = type.toObject(type.decode(body), { longs: String, bytes: Buffer, oneofs: true, arrays: true, defaults: false }) as Record<string, any>
  const kvs = (list: any[] | undefined): OtlpKeyValue[] => (list ?? []).map((kv) => ({ key: kv.key ?? '', value: any(kv.value) }))
  const any = (v: any): OtlpAnyValue => {
    switch (v?.value) {
      case 'stringValue': return { kind: 'string', value: v.stringValue }
      case 'boolValue': return { kind: 'bool', value: v.boolValue }
      case 'intValue': return { kind: 'int', value: BigInt(v.intValue) }
      case 'doubleValue': return { kind: 'double', value: v.doubleValue }
      case 'bytesValue': return { kind: 'bytes', value: new Uint8Array(v.bytesValue) }
      case 'arrayValue': return { kind: 'array', values: (v.arrayValue.values ?? []).map(any) }
      case 'kvlistValue': return { kind: 'kvlist', values: kvs(v.kvlistValue.values) }
      default: return { kind: 'empty' }
    }
  }
  return {
    resourceLogs: (o.resourceLogs ?? []).map((r: any) => ({
      resourceAttributes: kvs(r.resource?.attributes),
      scopeLogs: (r.scopeLogs ?? []).map((s: any) => ({
        logRecords: (s.logRecords ?? []).map((l: any) => ({
          timeUnixNano: BigInt(l.timeUnixNano ?? 0),
          observedTimeUnixNano: BigInt(l.observedTimeUnixNano ?? 0),
          eventName: l.eventName ?? '',
          attributes: kvs(l.attributes),
          traceId: l.traceId ? Buffer.from(l.traceId).toString('hex') : '',
          spanId: l.spanId ? Buffer.from(l.spanId).toString('hex') : '',
        })),
      })),
    })),
  }
}


function generateRequest(rand: () => number): Record<string, unknown> {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const keys = ['aims.feature.age', 'aims.feature.région', 'aims.attribute.sex', 'aims.prediction.id', 'k', '', 'ключ', 'aims.feature.' + 'x'.repeat(70)]
  const value = (depth: number): Record<string, unknown> => {
    const kind = Math.floor(rand() * (depth < 3 ? 8 : 6))
    switch (kind) {
      case 0: return { stringValue: pick(['', 'cat', 'naïve', '東京', 'x'.repeat(100)]) }
      case 1: return { boolValue: rand() < 0.5 }
      case 2: return { intValue: pick(['0', '-1', '9223372036854775807', '-9223372036854775808', String(Math.floor(rand() * 1e6))]) }
      case 3: return { doubleValue: pick([0, -0.5, 1e308, Number.NaN, rand()]) }
      case 4: return { bytesValue: Buffer.from([1, 2, 3].slice(0, Math.floor(rand() * 4))) }
      case 5: return {}
      case 6: return { arrayValue: { values: Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1)) } }
      default: return { kvlistValue: { values: Array.from({ length: Math.floor(rand() * 3) }, () => ({ key: pick(keys), value: value(depth + 1) })) } }
    }
  }
  const attributes = () => Array.from({ length: Math.floor(rand() * 6) }, () => (rand() < 0.1 ? { key: pick(keys) } : { key: pick(keys), value: value(0) }))
  const record = () => ({
    ...(rand() < 0.8 ? { timeUnixNano: pick(['1', '1746515289010000000', '18446744073709551615']) } : {}),
    ...(rand() < 0.5 ? { observedTimeUnixNano: '1746515289010000001' } : {}),
    ...(rand() < 0.7 ? { eventName: pick(['aims.prediction', 'aims.outcome', 'other', 'événement']) } : {}),
    // Fields the decoder skips: severity, body, flags, dropped count.
    severityNumber: 9, severityText: 'INFO', body: value(0), flags: 1, droppedAttributesCount: 2,
    attributes: attributes(),
    ...(rand() < 0.5 ? { traceId: Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex'), spanId: Buffer.from('00F067AA0BA902B7', 'hex') } : {}),
  })
  return {
    resourceLogs: Array.from({ length: 1 + Math.floor(rand() * 2) }, () => ({
      ...(rand() < 0.8 ? { resource: { attributes: attributes(), droppedAttributesCount: 1 } } : {}),
      schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
      scopeLogs: Array.from({ length: 1 + Math.floor(rand() * 2) }, () => ({
        scope: { name: 'aims', version: '1', attributes: attributes() },
        logRecords: Array.from({ length: Math.floor(rand() * 4) }, record),
        schemaUrl: '',
      })),
    })),
  }
}

describe('decodeProtobufLogsRequest', () => {
  it('decodes 300 generated requests exactly as protobufjs\'s reflected decoding does', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const body = type.encode(type.fromObject(generateRequest(random(seed)))).finish()
      expect(decodeProtobufLogsRequest(body), `seed ${seed}`).toEqual(decodeByReflection(body))
    }
  })

  it('returns the same key strings for repeated keys, and decodes non-ASCII and long keys whole', () => {
    const kv = (key: string) => ({ key, value: { stringValue: 'v' } })
    const keys = ['aims.feature.a', 'aims.feature.b', 'aims.feature.ä', 'aims.feature.' + 'y'.repeat(80)]
    const body = type.encode(type.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: keys.map(kv) }, { attributes: keys.map(kv) }] }] }] })).finish()
    const [first, second] = decodeProtobufLogsRequest(body).resourceLogs[0]!.scopeLogs[0]!.logRecords
    expect(first!.attributes.map((a) => a.key)).toEqual(keys)
    expect(second!.attributes.map((a) => a.key)).toEqual(keys)
  })

  it.each([
    ['a known field with the wrong wire type', Buffer.from([0x0a, 0x02, 0x10, 0x01]), /ResourceLogs\.scope_logs \(field 2\) has wire type 0, expected 2/],
    ['an embedded message longer than the body', Buffer.from([0x0a, 0x05, 0x12, 0x01]), /ExportLogsServiceRequest\.resource_logs claims 5 bytes, past the end of the body/],
    ['a timestamp sent as a varint', type.encode(type.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [{}] }] }] })).finish(), null],
    ['field number 0', Buffer.from([0x00, 0x01]), /field number 0 is not valid/],
    ['an invalid wire type', Buffer.from([0x0f]), /not a protobuf ExportLogsServiceRequest/],
  ])('refuses %s with an OtlpDecodeError saying where', (_what, body, message) => {
    if (message === null) {
      // Build the varint-timestamp case by hand: LogRecord field 1 with wire type 0 inside ScopeLogs.records inside ResourceLogs.
      const record = Buffer.from([0x08, 0x01])
      const scope = Buffer.concat([Buffer.from([0x12, record.length]), record])
      const resource = Buffer.concat([Buffer.from([0x12, scope.length]), scope])
      const request = Buffer.concat([Buffer.from([0x0a, resource.length]), resource])
      expect(() => decodeProtobufLogsRequest(request)).toThrow(/LogRecord\.time_unix_nano \(field 1\) has wire type 0, expected 1/)
      return
    }
    expect(() => decodeProtobufLogsRequest(body)).toThrow(OtlpDecodeError)
    expect(() => decodeProtobufLogsRequest(body)).toThrow(message)
  })
})
