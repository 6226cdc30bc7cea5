import { describe, expect, it } from 'vitest'
import { fullJitterDelay } from './backoff.js'
import { parseRetryAfter } from './retry-after.js'

describe('fullJitterDelay', () => {
  const policy = { baseDelayMs: 500, maxDelayMs: 30_000 }
  it('draws uniformly below base·2^(attempt-1), capped at maxDelayMs', () => {
    expect(fullJitterDelay(1, policy, () => 0.999)).toBe(499)
    expect(fullJitterDelay(3, policy, () => 0.5)).toBe(1000)
    expect(fullJitterDelay(20, policy, () => 0.999)).toBe(29_970)
    expect(fullJitterDelay(4, policy, () => 0)).toBe(0)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-08T00:00:00Z')
  it('reads delay-seconds and HTTP dates, never negative', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Thu, 08 Jan 2026 00:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Wed, 07 Jan 2026 00:00:00 GMT', now)).toBe(0)
  })
  it('ignores an absent or unparsable header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-5', now)).toBeUndefined()
  })
})
