// The protobuf fast path against the general path (decode, mapLogRecord, validation): on
// generated requests, mutated in every way the fast path must either read exactly as the general
// path does or hand over (null). And it must not hand over what SDKs send, or it would never run.
import { describe, expect, it } from 'vitest'
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { decodeProtobufLogsRequest } from './decode-protobuf.js'
import { otlpProtoTypes } from './otlp-proto-root.js'
import { processLogsRequest, validateMappedEvents } from './process-logs-request.js'
import { fastProtobufEvents } from './protobuf-fast-events.js'
import { seededRandom as random } from '@aims-monitor/metrics'

const type = otlpProtoTypes().exportLogsServiceRequest
const NOW_NS = BigInt(Date.now()) * 1_000_000n

function general(body: Buffer) {
  return processLogsRequest(decodeProtobufLogsRequest(body))
}

function fast(body: Buffer) {
  const events = fastProtobufEvents(body)
  return events === null ? null : validateMappedEvents(events.total, events.events, events.originOf)
}


type Kv = { key: string; value?: Record<string, unknown> }
const str = (v: string) => ({ stringValue: v })
const int = (v: string | number) => ({ intValue: String(v) })
const dbl = (v: number) => ({ doubleValue: v })

/** An SDK-shaped request, then `mutations` random changes of the kinds the fast path must get right or hand over. */
function generate(seed: number, mutations: number): Buffer {
  const rand = random(seed)
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const records: Record<string, unknown>[] = []
  const n = 1 + Math.floor(rand() * 12)
  for (let i = 0; i < n; i++) {
    const outcome = rand() < 0.25
    const attributes: Kv[] = outcome
      ? [{ key: 'aims.prediction.id', value: str(`p-${seed}-${i % 3}`) }, { key: 'aims.outcome.label', value: pick([str('yes'), str('no'), int(1), { boolValue: true }]) }]
      : [
          { key: 'aims.prediction.id', value: str(`p-${seed}-${i}`) },
          // Same-length keys and values that differ in one byte, in varying order: the position caches must tell them apart.
          ...(rand() < 0.5 ? [{ key: 'aims.feature.a', value: dbl(rand()) }, { key: 'aims.feature.b', value: str(pick(['cat1', 'cat2', 'cat3'])) }] : [{ key: 'aims.feature.b', value: str(pick(['cat1', 'cat2'])) }, { key: 'aims.feature.a', value: int(pick([0, -1, 42, '9007199254740991', '-9007199254740991'])) }]),
          { key: 'aims.feature.flag', value: { boolValue: rand() < 0.5 } },
          { key: 'aims.feature.ville', value: str(pick(['Zürich', 'Genève', 'x'.repeat(40)])) },
          { key: 'aims.attribute.sex', value: str(pick(['F', 'M'])) },
          { key: 'aims.output.label', value: str(pick(['approve', 'reject'])) },
          { key: 'aims.output.score', value: pick([dbl(0.25), int(1)]) },
          { key: 'aims.latency_ms', value: dbl(rand() * 10) },
          ...(rand() < 0.2 ? [{ key: 'aims.error.type', value: str('TimeoutError') }, { key: 'aims.error.message', value: str('took too long') }] : []),
          ...(rand() < 0.2 ? [{ key: 'deployment.environment.name', value: str('staging') }] : []),
          ...(rand() < 0.2 ? [{ key: 'http.route', value: { arrayValue: { values: [str('/score')] } } }] : []),
        ]
    records.push({
      timeUnixNano: (NOW_NS - BigInt(i) * 1_000_123n).toString(),
      eventName: outcome ? 'aims.outcome' : 'aims.prediction',
      attributes,
      ...(rand() < 0.5 ? { traceId: Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex'), spanId: Buffer.from('00f067aa0ba902b7', 'hex') } : {}),
      severityNumber: 9,
    })
  }
  const resource: Kv[] = [{ key: 'service.name', value: str('svc') }, { key: 'aims.model.id', value: str('credit') }, { key: 'aims.model.version', value: str('1.0') }]
  for (let m = 0; m < mutations; m++) {
    const record = pick(records) as { attributes: Kv[]; [k: string]: unknown }
    switch (Math.floor(rand() * 22)) {
      case 0: record.attributes.push({ key: 'aims.unknown.thing', value: str('x') }); break
      case 1: record.attributes.push({ ...record.attributes[0]! }); break // a repeated key
      case 2: record.attributes.push({ key: 'aims.feature.big', value: int('9007199254740992') }); break
      case 3: record.attributes.push({ key: 'aims.feature.neg', value: int('-9223372036854775808') }); break
      case 4: record.attributes.push({ key: 'aims.feature.empty' }); break
      case 5: record.attributes.push({ key: 'aims.feature.bytes', value: { bytesValue: Buffer.from([1]) } }); break
      case 6: record.attributes[0] = { key: 'aims.prediction.id', value: int(7) }; break
      case 7: record.attributes.push({ key: 'aims.feature.x', value: dbl(1) }); record.eventName = 'aims.outcome'; break
      case 8: delete record.timeUnixNano; break
      case 9: delete record.timeUnixNano; record.observedTimeUnixNano = NOW_NS.toString(); break
      case 10: record.timeUnixNano = '18446744073709551615'; break
      case 11: record.eventName = 'http.request'; break
      case 12: delete record.eventName; record.attributes.push({ key: 'event.name', value: str('aims.prediction') }); break
      case 13: resource[1] = { key: 'aims.model.id', value: int(5) }; break
      case 14: record.attributes = record.attributes.filter((a) => a.key !== 'aims.prediction.id'); break
      case 15: record.traceId = Buffer.alloc(16); break
      case 16: record.attributes.push({ key: 'aims.model.id', value: str('other-model') }); break
      case 17: record.attributes.push({ key: 'aims.feature.' + 'z'.repeat(300), value: dbl(1) }); break
      case 18: record.attributes.push({ key: 'aims.output.score', value: str('high') }); record.attributes = record.attributes.filter((a, i, all) => all.findIndex((b) => b.key === a.key) === i || a.value?.stringValue === 'high'); break
      case 19: record.attributes.push({ key: 'deployment.environment', value: int(3) }); break
      case 20: record.attributes.push({ key: 'aims.outcome.value', value: dbl(2) }); break
      default: record.attributes.reverse()
    }
  }
  return Buffer.from(type.encode(type.fromObject({ resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope: { name: 'aims' }, logRecords: records }] }] })).finish())
}

/** A request with one more log record, `record` (its encoded bytes), in its first scope: the lengths of the enclosing messages grow with it. */
function spliceRecord(requestWithoutRecords: Buffer, record: Buffer): Buffer {
  const request = type.decode(requestWithoutRecords) as unknown as { resourceLogs: { resource: unknown; scopeLogs: { scope: unknown }[] }[] }
  const root = type.root
  const scopeLogs = Buffer.concat([
    Buffer.from(root.lookupType('opentelemetry.proto.logs.v1.ScopeLogs').encode({ scope: request.resourceLogs[0]!.scopeLogs[0]!.scope } as never).finish()),
    Buffer.from([0x12, ...varint(record.length)]),
    record,
  ])
  const resourceLogs = Buffer.concat([
    Buffer.from(root.lookupType('opentelemetry.proto.logs.v1.ResourceLogs').encode({ resource: request.resourceLogs[0]!.resource } as never).finish()),
    Buffer.from([0x12, ...varint(scopeLogs.length)]),
    scopeLogs,
  ])
  return Buffer.concat([Buffer.from([0x0a, ...varint(resourceLogs.length)]), resourceLogs])
}

function varint(n: number): number[] {
  const bytes: number[] = []
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  bytes.push(n)
  return bytes
}

describe('fastProtobufEvents', () => {
  it('reads clean SDK-shaped requests without handing over, exactly as the general path', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const body = generate(seed, 0)
      const result = fast(body)
      expect(result, `seed ${seed}`).not.toBeNull()
      expect(result, `seed ${seed}`).toEqual(general(body))
    }
  })

  it('reads mutated requests exactly as the general path, or hands them over', () => {
    let handedOver = 0
    for (let seed = 1; seed <= 1500; seed++) {
      const body = generate(seed, 1 + (seed % 3))
      const result = fast(body)
      if (result === null) {
        handedOver++
        continue
      }
      expect(result, `seed ${seed}`).toEqual(general(body))
    }
    // Both branches are exercised: some mutations are read (accepted or rejected by validation), others handed over.
    expect(handedOver).toBeGreaterThan(300)
    expect(handedOver).toBeLessThan(1400)
  })

  it('reads what the official OpenTelemetry serializer writes', async () => {
    const memory = new InMemoryLogRecordExporter()
    const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'aims.model.id': 'credit', 'aims.model.version': '2' }), processors: [new SimpleLogRecordProcessor({ exporter: memory })] })
    const logger = provider.getLogger('aims')
    const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED })
    for (let i = 0; i < 20; i++) {
      logger.emit({ eventName: 'aims.prediction', context, attributes: { 'aims.prediction.id': `otel-${i}`, 'aims.feature.age': 30 + i, 'aims.feature.region': i % 2 ? 'north' : 'south', 'aims.output.score': i / 20 } })
    }
    logger.emit({ eventName: 'aims.outcome', attributes: { 'aims.prediction.id': 'otel-3', 'aims.outcome.label': 'repaid' } })
    await provider.forceFlush()
    const body = Buffer.from(ProtobufLogsSerializer.serializeRequest(memory.getFinishedLogRecords())!)
    await provider.shutdown()
    const result = fast(body)
    expect(result).not.toBeNull()
    expect(result).toEqual(general(body))
    expect(result!.accepted).toHaveLength(21)
  })

  it('keeps taking the fast path after a sender of thousands of distinct keys', () => {
    // 5,000 distinct feature names over 50 requests: past the key table's bound (4,096) it starts over.
    for (let r = 0; r < 50; r++) {
      const attributes = Array.from({ length: 100 }, (_, i) => ({ key: `aims.feature.k${r * 100 + i}`, value: dbl(i) }))
      const body = Buffer.from(type.encode(type.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: NOW_NS.toString(), eventName: 'aims.prediction', attributes: [{ key: 'aims.prediction.id', value: str(`k-${r}`) }, { key: 'aims.model.id', value: str('m') }, ...attributes] }] }] }] })).finish())
      const result = fast(body)
      expect(result, `request ${r}`).not.toBeNull()
      expect(result).toEqual(general(body))
    }
    const body = generate(7, 0)
    expect(fast(body)).toEqual(general(body))
  })

  // Was a bug (silent loss): both readers assigned `features[name] = value`, which for `__proto__`
  // (a valid name) set the map's prototype instead of adding the field.
  it('keeps a feature or attribute named __proto__ (or constructor) as an own field, on both paths', () => {
    const records = [7, 'seven'].map((value, i) => ({
      timeUnixNano: NOW_NS.toString(),
      eventName: 'aims.prediction',
      attributes: [
        { key: 'aims.prediction.id', value: str(`proto-${i}`) },
        { key: 'aims.model.id', value: str('m') },
        { key: 'aims.model.version', value: str('1') },
        { key: 'aims.feature.__proto__', value: typeof value === 'number' ? int(value) : str(value) },
        { key: 'aims.feature.constructor', value: dbl(2) },
        { key: 'aims.attribute.__proto__', value: str('seg') },
        { key: 'aims.output.score', value: dbl(0.5) },
      ],
    }))
    const body = Buffer.from(type.encode(type.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] })).finish())
    const result = fast(body)
    expect(result).not.toBeNull()
    for (const processed of [result!, general(body)]) {
      expect(processed.rejected).toEqual([])
      expect(processed.accepted.map((e) => e.type === 'prediction' && [Object.entries(e.features), Object.entries(e.attributes), Object.getPrototypeOf(e.features) === Object.prototype])).toEqual([
        [[['__proto__', 7], ['constructor', 2]], [['__proto__', 'seg']], true],
        [[['__proto__', 'seven'], ['constructor', 2]], [['__proto__', 'seg']], true],
      ])
    }
    expect(result).toEqual(general(body))
  })

  it('hands over a record with field number 0, which the general path refuses as invalid', () => {
    const clean = generate(3, 0)
    expect(fast(clean)).not.toBeNull()
    // Field 0 (varint) appended to the first LogRecord: tag 0x00, value 0x00, with every enclosing length grown by 2.
    const request = type.decode(clean) as unknown as { resourceLogs: { scopeLogs: { logRecords: unknown[] }[] }[] }
    const recordType = type.root.lookupType('opentelemetry.proto.logs.v1.LogRecord')
    const record = Buffer.concat([Buffer.from(recordType.encode(request.resourceLogs[0]!.scopeLogs[0]!.logRecords[0] as never).finish()), Buffer.from([0x00, 0x00])])
    request.resourceLogs[0]!.scopeLogs[0]!.logRecords = []
    const rest = Buffer.from(type.encode(request as never).finish())
    const withFieldZero = spliceRecord(rest, record)
    expect(() => general(withFieldZero)).toThrow(/field number 0 is not valid/)
    expect(fast(withFieldZero)).toBeNull()
  })

  it('reads foreign keys named like Object.prototype members (constructor, toString) as ignored keys, not as known ones', () => {
    const body = generate(4, 0)
    const request = type.toObject(type.decode(body), { longs: String, bytes: Buffer }) as { resourceLogs: { scopeLogs: { logRecords: { attributes: Kv[] }[] }[] }[] }
    for (const record of request.resourceLogs[0]!.scopeLogs[0]!.logRecords) record.attributes.push({ key: 'constructor', value: { arrayValue: { values: [str('a')] } } }, { key: 'toString', value: str('x') })
    const withNames = Buffer.from(type.encode(type.fromObject(request)).finish())
    const result = fast(withNames)
    expect(result).not.toBeNull()
    expect(result).toEqual(general(withNames))
  })

  it('hands over bodies that are not protobuf, so the general path can say what is wrong', () => {
    for (const body of [Buffer.from('not protobuf'), Buffer.from([0x0a, 0x10, 0x12]), Buffer.from([0x0f])]) expect(fastProtobufEvents(body)).toBeNull()
  })
})
