import { describe, expect, it } from 'vitest'
import { acceptedIndexes, formatIssuePath, validateEventBatch } from './validate-batch.js'

const minuteAgo = () => Date.now() - 60_000

function prediction(id: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'prediction', id, timestamp: minuteAgo(), model: { id: 'credit-risk', version: '1.0.0' }, features: { age: 30 }, output: { label: 'approve' }, ...patch }
}

function outcome(predictionId: string, timestamp: number, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'outcome', predictionId, timestamp, model: { id: 'credit-risk' }, label: 'repaid', ...patch }
}

describe('validateEventBatch', () => {
  it('accepts a batch of valid events in order, normalised', () => {
    const ts = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
    const { accepted, rejected } = validateEventBatch([prediction('a', { timestamp: new Date(ts).toISOString() }), outcome('a', ts + 1000), prediction('b')])
    expect(rejected).toEqual([])
    expect(accepted.map((e) => e.type)).toEqual(['prediction', 'outcome', 'prediction'])
    expect(accepted[0]).toMatchObject({ id: 'a', timestamp: ts, attributes: {} })
    expect(accepted[1]).toMatchObject({ predictionId: 'a', timestamp: ts + 1000 })
  })

  it('rejects bad events by their index and keeps every good one', () => {
    const events = [prediction('ok-0'), prediction('bad-1', { id: 17 }), prediction('ok-2'), { type: 'nope' }, prediction('ok-4', { features: { '': 1 } }), outcome('ok-0', minuteAgo())]
    const { accepted, rejected } = validateEventBatch(events)
    expect(accepted.map((e) => (e.type === 'prediction' ? e.id : e.predictionId))).toEqual(['ok-0', 'ok-2', 'ok-0'])
    expect(rejected.map((r) => r.index)).toEqual([1, 3, 4])
    expect(rejected.every((r) => r.reason === 'invalid')).toBe(true)
    expect(acceptedIndexes({ accepted, rejected })).toEqual([0, 2, 5])
    expect(rejected[0]!.errors).toEqual([{ path: 'id', message: expect.stringMatching(/expected string/) }])
    expect(rejected[1]!.errors).toEqual([{ path: 'type', message: expect.stringMatching(/unknown event type/) }])
    expect(rejected[2]!.errors).toEqual([{ path: 'features.', message: expect.stringMatching(/names start with a letter/) }])
  })

  it('rejects a second prediction with the same id (path id), keeping the first', () => {
    const first = prediction('dup', { output: { label: 'first' } })
    const second = prediction('dup', { output: { label: 'second' } })
    const { accepted, rejected } = validateEventBatch([first, prediction('other'), second])
    expect(accepted).toHaveLength(2)
    expect(accepted[0]).toMatchObject({ id: 'dup', output: { label: 'first' } })
    expect(rejected).toEqual([{ index: 2, reason: 'duplicate', errors: [{ path: 'id', message: 'duplicate of the event at index 0 in this batch' }] }])
  })

  it('rejects every later repeat, each pointing at the first', () => {
    const { accepted, rejected } = validateEventBatch([prediction('x'), prediction('x'), prediction('x')])
    expect(accepted).toHaveLength(1)
    expect(rejected.map((r) => [r.index, r.reason, r.errors[0]!.message])).toEqual([
      [1, 'duplicate', 'duplicate of the event at index 0 in this batch'],
      [2, 'duplicate', 'duplicate of the event at index 0 in this batch'],
    ])
  })

  it('does not count an invalid first event as the first of a duplicate', () => {
    const { accepted, rejected } = validateEventBatch([prediction('x', { latencyMs: -1 }), prediction('x')])
    expect(accepted).toHaveLength(1)
    expect(rejected).toEqual([{ index: 0, reason: 'invalid', errors: [{ path: 'latencyMs', message: expect.any(String) }] }])
  })

  it('takes the same id for two different models as two events', () => {
    const { accepted, rejected } = validateEventBatch([prediction('x'), prediction('x', { model: { id: 'churn', version: '1' } })])
    expect(rejected).toEqual([])
    expect(accepted).toHaveLength(2)
  })

  it('rejects a repeated outcome (same prediction, same time) at predictionId, but keeps a later correction', () => {
    const ts = minuteAgo()
    const { accepted, rejected } = validateEventBatch([outcome('p1', ts), outcome('p1', ts, { label: 'defaulted' }), outcome('p1', ts + 1)])
    expect(accepted).toHaveLength(2)
    expect(rejected).toEqual([{ index: 1, reason: 'duplicate', errors: [{ path: 'predictionId', message: 'duplicate of the event at index 0 in this batch' }] }])
  })

  it('treats the same instant written as RFC 3339 and as epoch ms as the same outcome', () => {
    const ts = Date.UTC(2026, 5, 1, 12, 0, 0, 5)
    const { rejected } = validateEventBatch([outcome('p1', ts), outcome('p1', ts, { timestamp: new Date(ts).toISOString() })])
    expect(rejected.map((r) => r.reason)).toEqual(['duplicate'])
  })

  it('returns nothing for an empty list', () => {
    expect(validateEventBatch([])).toEqual({ accepted: [], rejected: [] })
  })
})

describe('formatIssuePath', () => {
  it('joins keys with dots and indexes with brackets', () => {
    expect(formatIssuePath([])).toBe('')
    expect(formatIssuePath(['features', 'age'])).toBe('features.age')
    expect(formatIssuePath(['events', 3, 'model', 'version'])).toBe('events[3].model.version')
    expect(formatIssuePath([0, 'id'])).toBe('[0].id')
  })
})
