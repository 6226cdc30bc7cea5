import { describe, expect, it } from 'vitest'
import { wireEventSchema } from './events.js'
import { fastAccept } from './fast-accept.js'
import { LIMITS } from './limits.js'

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const validPrediction = () => ({
  type: 'prediction',
  id: '6f1c2a4e-1d2b-4c3d-9e8f-0a1b2c3d4e5f',
  timestamp: '2026-11-26T10:00:00.123Z',
  model: { id: 'credit-risk', version: '2.3.0' },
  environment: 'production',
  features: { age: 34, income: 52000, region: 'north', has_default: false },
  attributes: { sex: 'female', channel: 'web' },
  output: { label: 'approve', score: 0.82 },
  latencyMs: 12.5,
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
})

const validOutcome = () => ({
  type: 'outcome',
  predictionId: '6f1c2a4e-1d2b-4c3d-9e8f-0a1b2c3d4e5f',
  timestamp: Date.UTC(2026, 10, 26, 9),
  model: { id: 'credit-risk' },
  label: 'repaid',
})

// Values chosen to sit on and around every rule's edges.
const nasty: unknown[] = [
  undefined, null, 0, -1, 1.5, NaN, Infinity, -Infinity, '', ' ', 'x', 'a b', '-x', '_x', 'é', 'x'.repeat(LIMITS.maxStringValueLength),
  'x'.repeat(LIMITS.maxStringValueLength + 1), 'x'.repeat(LIMITS.maxIdLength + 1), true, false, [], [1], {}, { a: 1 }, { '': 1 },
  { 'bad name': 1 }, { ok: '' }, { ok: null }, { ok: [1] }, '2026-11-26T10:00:00Z', '2026-11-26 10:00:00+01:00', '1999-12-31T23:59:59Z',
  '2026-13-40T99:99:99Z', 946684799999, 946684800000, Date.now() + LIMITS.maxFutureSkewMs + 60_000, 1764151200123, 'prediction', 'outcome',
  '0af7651916cd43dd8448eb211c80319c', '0AF7651916CD43DD8448EB211C80319C', 'b7ad6b7169203331', { label: 'a' }, { score: 0.5 }, { value: 1 },
  { label: '' }, { label: 'a', extra: 1 }, { type: 'Timeout' }, { type: '' }, { type: 'E', message: 'm' }, { id: 'm', version: '1' },
  { id: 'm' }, { id: '-m', version: '1' }, { id: 'm', version: '' }, 86_400_001, 'Infinity',
  Object.fromEntries(Array.from({ length: LIMITS.maxAttributes + 1 }, (_, i) => [`a${i}`, i])),
  Object.fromEntries(Array.from({ length: LIMITS.maxFeatures + 1 }, (_, i) => [`f${i}`, i])),
]

function mutate(event: Record<string, unknown>, next: () => number): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(event)
  const keys = [...Object.keys(copy), 'unknownField', 'features', 'attributes', 'output', 'error', 'model']
  const mutations = next() < 0.3 ? 0 : 1 + Math.floor(next() * 2)
  for (let m = 0; m < mutations; m++) {
    const key = keys[Math.floor(next() * keys.length)]!
    const value = nasty[Math.floor(next() * nasty.length)]
    const target = copy[key]
    if (next() < 0.4 && target && typeof target === 'object' && !Array.isArray(target)) {
      const inner = target as Record<string, unknown>
      const innerKeys = [...Object.keys(inner), 'label', 'version', 'id', 'newName', 'bad name']
      inner[innerKeys[Math.floor(next() * innerKeys.length)]!] = value
    } else if (value === undefined) {
      delete copy[key]
    } else {
      copy[key] = value
    }
  }
  return copy
}

describe('fastAccept', () => {
  it('accepts the valid wire examples with the same result as the zod schema', () => {
    for (const event of [validPrediction(), validOutcome()]) {
      const fast = fastAccept(event)
      expect(fast).toBeDefined()
      expect(fast).toEqual(wireEventSchema.parse(event))
    }
  })

  it('never accepts what zod rejects, and returns what zod returns, on 20,000 mutated events', () => {
    const next = random(20261126)
    let fastAccepted = 0
    let zodOnly = 0
    for (let i = 0; i < 20_000; i++) {
      const base = next() < 0.7 ? validPrediction() : validOutcome()
      const event = mutate(base, next)
      const fast = fastAccept(event)
      const parsed = wireEventSchema.safeParse(event)
      if (fast !== undefined) {
        fastAccepted++
        expect(parsed.success, JSON.stringify(event)).toBe(true)
        expect(fast).toEqual(parsed.data)
      } else if (parsed.success) {
        zodOnly++
      }
    }
    // The mutations must exercise both sides, or the check above proves nothing.
    expect(fastAccepted).toBeGreaterThan(1000)
    expect(fastAccepted + zodOnly).toBeLessThan(20_000)
    // Events the fast path leaves to zod cost speed only; they should be rare among valid ones.
    expect(zodOnly).toBeLessThan(fastAccepted / 10)
  })
})
