import { describe, expect, it } from 'vitest'
import { judge, judgementReason } from './judge.js'

describe('judge', () => {
  it('larger is worse: a value exactly at a threshold is not beyond it', () => {
    const t = { direction: 'above' as const, warn: 0.1, breach: 0.2 }
    expect(judge(0.05, t)).toBe('pass')
    expect(judge(0.1, t)).toBe('pass')
    expect(judge(0.1000001, t)).toBe('warn')
    expect(judge(0.2, t)).toBe('warn')
    expect(judge(0.27, t)).toBe('breach')
  })

  it('smaller is worse: the four-fifths rule passes a ratio of exactly 0.8, a p-value of exactly 0.05 passes', () => {
    expect(judge(0.8, { direction: 'below', breach: 0.8 })).toBe('pass')
    expect(judge(0.7999, { direction: 'below', breach: 0.8 })).toBe('breach')
    const p = { direction: 'below' as const, warn: 0.1, breach: 0.05 }
    expect(judge(0.2, p)).toBe('pass')
    expect(judge(0.1, p)).toBe('pass')
    expect(judge(0.07, p)).toBe('warn')
    expect(judge(0.05, p)).toBe('warn')
    expect(judge(0.049, p)).toBe('breach')
  })

  it('without warn, goes from pass straight to breach', () => {
    expect(judge(5, { direction: 'above', breach: 5 })).toBe('pass')
    expect(judge(5.5, { direction: 'above', breach: 5 })).toBe('breach')
  })

  it('refuses NaN rather than judging it a pass', () => {
    expect(() => judge(Number.NaN, { direction: 'above', breach: 1 })).toThrow(RangeError)
  })

  it('says which threshold decided', () => {
    const t = { direction: 'above' as const, warn: 0.1, breach: 0.2 }
    expect(judgementReason(0.27, t, 'breach')).toBe('value 0.27 > breach threshold 0.2')
    expect(judgementReason(0.15, t, 'warn')).toBe('value 0.15 > warn threshold 0.1 (breach at > 0.2)')
    expect(judgementReason(0.05, t, 'pass')).toBe('value 0.05 ≤ warn threshold 0.1')
    expect(judgementReason(0.9, { direction: 'below', breach: 0.8 }, 'pass')).toBe('value 0.9 ≥ breach threshold 0.8')
  })
})
