/**
 * logPrediction (for code that cannot be wrapped) and logOutcome (ground truth, later): what each
 * sends over OTLP, with and without an id, with a label, a { label, value } and a timestamp.
 */
import { expect, it } from 'vitest'
import { useReceiverMonitor } from './test-support/receiver-monitor.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const session = useReceiverMonitor({ model: MODEL, environment: 'staging' })

const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n)

it('logPrediction without an id returns a fresh UUID and sends what it was given', async () => {
  const at = Date.UTC(2026, 10, 26, 10, 0, 0, 123)
  const id = session.monitor.logPrediction({
    timestamp: new Date(at),
    features: { age: 34, income: 52000.5, region: 'north', has_default: false },
    attributes: { sex: 'female', channel: 'web' },
    output: { label: 'approve', score: 0.82 },
    latencyMs: 12.5,
  })
  expect(id).toMatch(UUID)
  await session.monitor.flush()
  const [record, ...rest] = session.receiver.byEvent('aims.prediction')
  expect(rest).toHaveLength(0)
  expect(record!.timeUnixNano).toBe(nanos(at))
  expect(record!.attributes).toEqual({
    'aims.prediction.id': id,
    'aims.feature.age': 34,
    'aims.feature.income': 52000.5,
    'aims.feature.region': 'north',
    'aims.feature.has_default': false,
    'aims.attribute.sex': 'female',
    'aims.attribute.channel': 'web',
    'aims.output.label': 'approve',
    'aims.output.score': 0.82,
    'aims.latency_ms': 12.5,
  })
  expect(record!.resource).toMatchObject({ 'aims.model.id': 'credit-risk', 'aims.model.version': '2.3.0', 'deployment.environment.name': 'staging' })
  expect(record!.traceId).toBeUndefined()
})

it('logPrediction with an id keeps it; a failed call carries its error; the timestamp defaults to now', async () => {
  const before = Date.now()
  expect(session.monitor.logPrediction({ id: 'order-17', output: { value: 3.5 } })).toBe('order-17')
  expect(session.monitor.logPrediction({ id: 'order-18', error: { type: 'Timeout', message: 'no answer' } })).toBe('order-18')
  const after = Date.now()
  await session.monitor.flush()
  const records = session.receiver.byEvent('aims.prediction')
  expect(records.map((r) => r.attributes['aims.prediction.id'])).toEqual(['order-17', 'order-18'])
  expect(records[0]!.attributes['aims.output.value']).toBe(3.5)
  expect(records[0]!.attributes).not.toHaveProperty('aims.latency_ms') // not given, not invented
  expect(records[1]!.attributes).toMatchObject({ 'aims.error.type': 'Timeout', 'aims.error.message': 'no answer' })
  for (const r of records) {
    const ms = Number(BigInt(r.timeUnixNano!) / 1_000_000n)
    expect(ms).toBeGreaterThanOrEqual(before)
    expect(ms).toBeLessThanOrEqual(after)
  }
})

it('logOutcome with a label, a number, a boolean, { label, value } and a timestamp', async () => {
  const predict = session.monitor.wrapWithId((score: number) => score, { output: (score) => ({ score }) })
  const { predictionId } = predict(0.7)
  const days = Date.now() - 3 * 86_400_000 // days ago (the collector refuses a timestamp more than 10 minutes ahead)
  session.monitor.logOutcome(predictionId, 'repaid')
  session.monitor.logOutcome(predictionId, { label: 'defaulted', value: 1250.75 }, { timestamp: new Date(days) })
  session.monitor.logOutcome('order-17', 4, { timestamp: days + 1 })
  session.monitor.logOutcome('order-18', true)
  session.monitor.logOutcome('order-19', { value: 0 })
  await session.monitor.flush()
  const outcomes = session.receiver.byEvent('aims.outcome')
  expect(outcomes.map((o) => o.attributes)).toEqual([
    { 'aims.prediction.id': predictionId, 'aims.outcome.label': 'repaid' },
    { 'aims.prediction.id': predictionId, 'aims.outcome.label': 'defaulted', 'aims.outcome.value': 1250.75 },
    { 'aims.prediction.id': 'order-17', 'aims.outcome.label': 4 },
    { 'aims.prediction.id': 'order-18', 'aims.outcome.label': true },
    { 'aims.prediction.id': 'order-19', 'aims.outcome.value': 0 },
  ])
  expect(outcomes[1]!.timeUnixNano).toBe(nanos(days))
  expect(outcomes[2]!.timeUnixNano).toBe(nanos(days + 1))
  // Outcomes carry no trace context and no model output.
  expect(outcomes.every((o) => o.traceId === undefined)).toBe(true)
  expect(session.monitor.stats().failed).toBe(0)
})

it('latency is clamped to the wire range [0, one day], never sent out of range', async () => {
  session.monitor.logPrediction({ id: 'negative', output: { score: 1 }, latencyMs: -5 })
  session.monitor.logPrediction({ id: 'huge', output: { score: 1 }, latencyMs: 1e12 })
  session.monitor.logPrediction({ id: 'nan', output: { score: 1 }, latencyMs: Number.NaN })
  await session.monitor.flush()
  const latency = Object.fromEntries(session.receiver.byEvent('aims.prediction').map((r) => [r.attributes['aims.prediction.id'], r.attributes['aims.latency_ms']]))
  expect(latency).toEqual({ negative: 0, huge: 86_400_000, nan: undefined })
})
