import { describe, expect, it } from 'vitest'
import { differenceInterval, ratioInterval, wilsonInterval, zForConfidence } from './index.js'

// Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of seven
// methods. Statistics in Medicine 17:857-872, Table II, method 3 (Wilson score, no continuity
// correction), published to 4 decimals.
const NEWCOMBE_SINGLE: Array<[number, number, number, number]> = [
  [81, 263, 0.2553, 0.3662],
  [15, 148, 0.0624, 0.1605],
  [0, 20, 0, 0.1611],
  [1, 29, 0.0061, 0.1718],
  [29, 29, 0.883, 1],
]

// Newcombe RG (1998). Interval estimation for the difference between independent proportions:
// comparison of eleven methods. Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score).
const NEWCOMBE_DIFFERENCE: Array<[number, number, number, number, number, number]> = [
  [56, 70, 48, 80, 0.0524, 0.3339],
  [9, 10, 3, 10, 0.1705, 0.809],
  [6, 7, 2, 7, 0.0582, 0.8062],
  [5, 56, 0, 29, -0.0381, 0.1926],
  [0, 10, 0, 20, -0.1611, 0.2775],
  [10, 10, 0, 20, 0.6791, 1],
]

const estimate = (x: number, n: number) => ({ value: x / n, interval: wilsonInterval(x, n) })

describe('wilsonInterval', () => {
  it('uses z from the @stdlib normal quantile', () => {
    expect(zForConfidence(0.95)).toBeCloseTo(1.959963984540054, 14)
    expect(zForConfidence(0.99)).toBeCloseTo(2.5758293035489004, 13)
  })

  it.each(NEWCOMBE_SINGLE)('reproduces Newcombe (1998) for %i/%i', (x, n, lower, upper) => {
    const ci = wilsonInterval(x, n)
    expect(ci.lower).toBeCloseTo(lower, 4)
    expect(ci.upper).toBeCloseTo(upper, 4)
  })

  it('gives exactly 0 and 1 at the ends and stays inside [0, 1]', () => {
    expect(wilsonInterval(0, 1)).toEqual({ lower: 0, upper: expect.closeTo(0.7934506856227626, 14) })
    expect(wilsonInterval(7, 7).upper).toBe(1)
  })

  it('rejects a zero denominator and impossible counts', () => {
    expect(() => wilsonInterval(0, 0)).toThrow(/trials/)
    expect(() => wilsonInterval(3, 2)).toThrow(/successes/)
    expect(() => wilsonInterval(1.5, 2)).toThrow(/successes/)
    expect(() => wilsonInterval(1, 2, 1)).toThrow(/confidence/)
  })
})

describe('differenceInterval (Newcombe hybrid score)', () => {
  it.each(NEWCOMBE_DIFFERENCE)('reproduces Newcombe (1998) for %i/%i - %i/%i', (x1, n1, x2, n2, lower, upper) => {
    const ci = differenceInterval(estimate(x1, n1), estimate(x2, n2))
    expect(ci.lower).toBeCloseTo(lower, 4)
    expect(ci.upper).toBeCloseTo(upper, 4)
  })
})

describe('ratioInterval (MOVER-R)', () => {
  it('has limits that solve the MOVER equations and bracket the ratio', () => {
    for (const [x1, n1, x2, n2] of [[30, 100, 50, 100], [3, 40, 20, 40], [0, 30, 12, 30], [45, 50, 48, 50]] as const) {
      const a = estimate(x1, n1)
      const b = estimate(x2, n2)
      const ci = ratioInterval(a, b)
      const theta = a.value / b.value
      expect(ci.lower).toBeLessThanOrEqual(theta)
      expect(ci.upper).toBeGreaterThanOrEqual(theta)
      // (a − θb)² = (a − l_a)² + θ²(u_b − b)² at the lower limit, (u_a − a)² + θ²(b − l_b)² at the upper.
      if (a.value > 0) {
        const lhs = (a.value - ci.lower * b.value) ** 2
        const rhs = (a.value - a.interval.lower) ** 2 + ci.lower ** 2 * (b.interval.upper - b.value) ** 2
        expect(lhs).toBeCloseTo(rhs, 12)
      } else {
        expect(ci.lower).toBe(0)
      }
      const lhsU = (a.value - ci.upper * b.value) ** 2
      const rhsU = (a.interval.upper - a.value) ** 2 + ci.upper ** 2 * (b.value - b.interval.lower) ** 2
      expect(lhsU).toBeCloseTo(rhsU, 12)
    }
  })

  it('refuses a zero denominator proportion', () => {
    expect(() => ratioInterval(estimate(1, 10), estimate(0, 10))).toThrow(RangeError)
  })
})
