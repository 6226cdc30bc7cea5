import { describe, expect, it } from 'vitest'
import { wireEventSchema, type PredictionEventInput } from '@aims-monitor/schema'
import { mapLogRecord, type LogRecordMapping } from './map-log-record.js'
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord } from './otlp-model.js'

const str = (value: string): OtlpAnyValue => ({ kind: 'string', value })
const int = (value: bigint | number): OtlpAnyValue => ({ kind: 'int', value: BigInt(value) })
const dbl = (value: number): OtlpAnyValue => ({ kind: 'double', value })
const bool = (value: boolean): OtlpAnyValue => ({ kind: 'bool', value })
const attrs = (object: Record<string, OtlpAnyValue>): OtlpKeyValue[] => Object.entries(object).map(([key, value]) => ({ key, value }))

const T_MS = Date.UTC(2025, 0, 2, 3, 4, 5, 678)
const T_NANOS = BigInt(T_MS) * 1_000_000n + 123_456n

function record(attributes: Record<string, OtlpAnyValue>, over: Partial<OtlpLogRecord> = {}): OtlpLogRecord {
  return { timeUnixNano: T_NANOS, observedTimeUnixNano: 0n, eventName: 'aims.prediction', attributes: attrs(attributes), traceId: '', spanId: '', ...over }
}

const minimalPrediction = { 'aims.prediction.id': str('p-1'), 'aims.model.id': str('credit'), 'aims.model.version': str('1.0'), 'aims.output.score': dbl(0.5) }

function eventOf(mapping: LogRecordMapping) {
  if (mapping.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(mapping)}`)
  return mapping.event
}
function predictionOf(mapping: LogRecordMapping): PredictionEventInput {
  const event = eventOf(mapping)
  if (event.type !== 'prediction') throw new Error(`expected a prediction, got ${JSON.stringify(event)}`)
  return event
}
function errorsOf(mapping: LogRecordMapping) {
  if (mapping.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(mapping)}`)
  return mapping.errors
}

describe('mapLogRecord: predictions', () => {
  it('maps every prediction attribute, the time and the ids', () => {
    const mapping = mapLogRecord(
      record(
        {
          'aims.prediction.id': str('order-17'),
          'aims.model.id': str('credit-risk'),
          'aims.model.version': str('2.3.1'),
          'deployment.environment.name': str('staging'),
          'aims.feature.age': int(42),
          'aims.feature.income': dbl(5123.5),
          'aims.feature.region': str('north'),
          'aims.feature.has_default': bool(false),
          'aims.attribute.gender': str('f'),
          'aims.attribute.age_band': int(3),
          'aims.output.label': str('approve'),
          'aims.output.score': dbl(0.87),
          'aims.output.value': int(12),
          'aims.latency_ms': dbl(3.25),
          'aims.error.type': str('Timeout'),
          'aims.error.message': str('upstream slow'),
          'service.name': str('ignored: not in the aims namespace'),
        },
        { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
      ),
    )
    const event = eventOf(mapping)
    expect(event).toEqual({
      type: 'prediction',
      id: 'order-17',
      timestamp: T_MS + 0.123,
      model: { id: 'credit-risk', version: '2.3.1' },
      environment: 'staging',
      features: { age: 42, income: 5123.5, region: 'north', has_default: false },
      attributes: { gender: 'f', age_band: 3 },
      output: { label: 'approve', score: 0.87, value: 12 },
      error: { type: 'Timeout', message: 'upstream slow' },
      latencyMs: 3.25,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    })
    const parsed = wireEventSchema.parse(event)
    expect(parsed.timestamp).toBe(T_MS)
  })

  it('accepts int and bool output labels and int scores (SDKs send whole doubles as intValue)', () => {
    expect(predictionOf(mapLogRecord(record({ ...minimalPrediction, 'aims.output.label': int(1), 'aims.output.score': int(1) }))).output).toEqual({ label: 1, score: 1 })
    expect(predictionOf(mapLogRecord(record({ ...minimalPrediction, 'aims.output.label': bool(true) }))).output).toEqual({ label: true, score: 0.5 })
  })

  it('takes the event name from the event.name attribute when eventName is unset (older SDKs)', () => {
    const event = eventOf(mapLogRecord(record({ ...minimalPrediction, 'event.name': str('aims.prediction') }, { eventName: '' })))
    expect(event.type).toBe('prediction')
  })

  it('prefers the eventName field over the event.name attribute', () => {
    const mapping = mapLogRecord(record({ ...minimalPrediction, 'event.name': str('aims.prediction') }, { eventName: 'http.request' }))
    expect(mapping).toEqual({ kind: 'not_aims', message: expect.stringContaining('eventName is "http.request"') })
  })

  it('falls back to resource attributes for model id, version and environment; the record wins', () => {
    const resource = attrs({ 'aims.model.id': str('from-resource'), 'aims.model.version': str('9'), 'deployment.environment': str('legacy-env') })
    const fromResource = eventOf(mapLogRecord(record({ 'aims.prediction.id': str('p'), 'aims.output.score': dbl(1) }), resource))
    expect(fromResource).toMatchObject({ model: { id: 'from-resource', version: '9' }, environment: 'legacy-env' })
    const fromRecord = eventOf(mapLogRecord(record({ ...minimalPrediction, 'deployment.environment.name': str('prod-eu') }), resource))
    expect(fromRecord).toMatchObject({ model: { id: 'credit', version: '1.0' }, environment: 'prod-eu' })
  })

  it('prefers deployment.environment.name to the legacy deployment.environment, on the record then the resource', () => {
    const both = attrs({ 'deployment.environment.name': str('new'), 'deployment.environment': str('old') })
    expect(predictionOf(mapLogRecord(record(minimalPrediction), both)).environment).toBe('new')
    expect(predictionOf(mapLogRecord(record({ ...minimalPrediction, 'deployment.environment': str('rec-old') }), both)).environment).toBe('rec-old')
    expect(predictionOf(mapLogRecord(record(minimalPrediction))).environment).toBeUndefined()
  })

  it('uses observedTimeUnixNano when timeUnixNano is 0, and reports a record with neither', () => {
    const observed = BigInt(T_MS + 1000) * 1_000_000n
    expect(eventOf(mapLogRecord(record(minimalPrediction, { timeUnixNano: 0n, observedTimeUnixNano: observed }))).timestamp).toBe(T_MS + 1000)
    expect(eventOf(mapLogRecord(record(minimalPrediction, { observedTimeUnixNano: observed }))).timestamp).toBe(T_MS + 0.123)
    expect(errorsOf(mapLogRecord(record(minimalPrediction, { timeUnixNano: 0n, observedTimeUnixNano: 0n })))).toEqual([
      { path: 'timeUnixNano', message: expect.stringContaining('neither timeUnixNano nor observedTimeUnixNano') },
    ])
  })

  it('drops empty and all-zero trace and span ids, and lower-cases hex', () => {
    const zero = eventOf(mapLogRecord(record(minimalPrediction, { traceId: '0'.repeat(32), spanId: '' })))
    expect(zero.type === 'prediction' && 'traceId' in zero).toBe(false)
    expect(zero.type === 'prediction' && 'spanId' in zero).toBe(false)
    const upper = eventOf(mapLogRecord(record(minimalPrediction, { traceId: 'AB'.repeat(16), spanId: 'CD'.repeat(8) })))
    expect(upper).toMatchObject({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) })
  })

  it('rejects intValues outside the safe integer range with a clear message', () => {
    const errors = errorsOf(mapLogRecord(record({ ...minimalPrediction, 'aims.feature.big': int(2n ** 53n), 'aims.latency_ms': int(-(2n ** 60n)) })))
    expect(errors).toEqual([
      { path: 'aims.feature.big', message: expect.stringMatching(/intValue 9007199254740992 is outside the safe integer range/) },
      { path: 'aims.latency_ms', message: expect.stringMatching(/outside the safe integer range/) },
    ])
    expect(predictionOf(mapLogRecord(record({ ...minimalPrediction, 'aims.feature.max': int(Number.MAX_SAFE_INTEGER) }))).features).toEqual({ max: Number.MAX_SAFE_INTEGER })
  })

  it('reports every attribute of the wrong kind and every unknown aims.* attribute', () => {
    const errors = errorsOf(
      mapLogRecord(
        record({
          'aims.prediction.id': int(7),
          'aims.model.id': str('m'),
          'aims.model.version': str('1'),
          'aims.feature.tags': { kind: 'array', values: [str('a')] },
          'aims.attribute.blob': { kind: 'bytes', value: new Uint8Array([1]) },
          'aims.output.score': str('high'),
          'aims.outptu.label': str('typo'),
        }),
      ),
    )
    expect(errors).toEqual([
      { path: 'aims.feature.tags', message: 'expected a stringValue, intValue, doubleValue or boolValue, got arrayValue' },
      { path: 'aims.attribute.blob', message: 'expected a stringValue, intValue, doubleValue or boolValue, got bytesValue' },
      { path: 'aims.outptu.label', message: expect.stringContaining('not an attribute of an AIMS prediction event') },
      { path: 'aims.output.score', message: 'expected a doubleValue or intValue, got stringValue' },
      { path: 'aims.prediction.id', message: 'expected a stringValue, got intValue' },
    ])
  })

  it('names the resource when a fallback attribute there has the wrong kind', () => {
    const errors = errorsOf(mapLogRecord(record({ 'aims.prediction.id': str('p'), 'aims.output.score': dbl(1) }), attrs({ 'aims.model.id': int(5), 'aims.model.version': str('1') })))
    expect(errors).toEqual([{ path: 'resource aims.model.id', message: 'expected a stringValue, got intValue' }])
  })

  it('treats empty AnyValues as absent', () => {
    const event = eventOf(mapLogRecord(record({ ...minimalPrediction, 'aims.feature.missing': { kind: 'empty' }, 'aims.output.label': { kind: 'empty' } })))
    expect(event).toMatchObject({ features: {}, output: { score: 0.5 } })
  })

  it('leaves required-field checks to the wire schema (same rules as /v1/events)', () => {
    const event = eventOf(mapLogRecord(record({ 'aims.output.score': dbl(0.1) })))
    expect(event).toMatchObject({ type: 'prediction', model: {} })
    expect(wireEventSchema.safeParse(event).success).toBe(false)
  })
})

describe('mapLogRecord: outcomes', () => {
  it('maps an outcome with and without a model version', () => {
    const base = { 'aims.prediction.id': str('order-17'), 'aims.model.id': str('credit-risk') }
    expect(eventOf(mapLogRecord(record({ ...base, 'aims.outcome.label': str('default'), 'aims.outcome.value': dbl(120.5) }, { eventName: 'aims.outcome', traceId: 'ab'.repeat(16) })))).toEqual({
      type: 'outcome',
      predictionId: 'order-17',
      timestamp: T_MS + 0.123,
      model: { id: 'credit-risk' },
      label: 'default',
      value: 120.5,
    })
    const versioned = eventOf(mapLogRecord(record({ ...base, 'aims.model.version': str('2'), 'aims.outcome.label': bool(true) }, { eventName: 'aims.outcome' })))
    expect(versioned).toMatchObject({ model: { id: 'credit-risk', version: '2' }, label: true })
    expect(wireEventSchema.safeParse(versioned).success).toBe(true)
  })

  it('rejects prediction attributes on an outcome', () => {
    const errors = errorsOf(mapLogRecord(record({ 'aims.prediction.id': str('p'), 'aims.model.id': str('m'), 'aims.outcome.value': dbl(1), 'aims.feature.age': int(3) }, { eventName: 'aims.outcome' })))
    expect(errors).toEqual([{ path: 'aims.feature.age', message: expect.stringContaining('not an attribute of an AIMS outcome event') }])
  })
})

describe('mapLogRecord: records that are not AIMS events', () => {
  it('says why: no event name, or another one', () => {
    expect(mapLogRecord(record(minimalPrediction, { eventName: '' }))).toEqual({ kind: 'not_aims', message: expect.stringContaining('no eventName nor "event.name" attribute') })
    expect(mapLogRecord(record({ 'event.name': str('user.login') }, { eventName: '' }))).toEqual({
      kind: 'not_aims',
      message: expect.stringContaining('the "event.name" attribute is "user.login"'),
    })
    expect(mapLogRecord(record({}, { eventName: 'aims.Prediction' }))).toMatchObject({ kind: 'not_aims' })
  })
})
