// Edge cases of the KS test and the binned fast path's error bound.
import { describe, expect, it } from 'vitest'
import { binCounts } from './binCounts.js'
import { quantileEdges } from './binEdges.js'
import { kstwoSf } from './kolmogorov/kstwo.js'
import { ksStatisticFromHistograms } from './ksHistogram.js'
import { ksPValue, ksTest } from './ksTest.js'
import { seededRandom } from '../shared/seeded-random.js'

/** Deterministic PRNG so the property test is reproducible. */
const rng = seededRandom

describe('ksTest edge cases', () => {
  it('rejects empty samples and NaN, naming the argument', () => {
    expect(() => ksTest([], [1])).toThrow(RangeError)
    expect(() => ksTest([1], [])).toThrow(/y must not be empty/)
    expect(() => ksTest([1, NaN], [1])).toThrow(TypeError)
    expect(() => ksTest([1, NaN], [1])).toThrow(/x\[1\]/)
    expect(() => ksTest([1], [2], { method: 'bogus' as 'auto' })).toThrow(RangeError)
  })

  it('orders infinities like any value', () => {
    const r = ksTest([-Infinity, 0, 1], [0, 1, Infinity])
    expect(r.statistic).toBeCloseTo(1 / 3, 15)
    expect(r.pValue).toBe(1)
  })

  it('handles one observation per sample and identical samples (ties)', () => {
    expect(ksTest([0], [1])).toMatchObject({ statistic: 1, pValue: 1, method: 'exact' })
    expect(ksTest([1, 1, 1], [1, 1, 1])).toMatchObject({ statistic: 0, pValue: 1 })
    // scipy: ks_2samp([1]*7, [2]*7) = (1.0, 0.0005827505827505828)
    expect(ksTest(Array(7).fill(1), Array(7).fill(2)).pValue).toBeCloseTo(0.0005827505827505828, 15)
  })

  it('falls back to the asymptotic p-value where scipy’s exact attempt fails, and says so', () => {
    // scipy: the exact value for 7 vs 7 at D = 1/7 comes out as 1.0000000000000002, so ks_2samp warns
    // and returns kstwo.sf(1/7, round(3.5) = 4) = 0.9999609537692629.
    const x = [0, 1, 2, 3, 4, 5, 6]
    const r = ksTest(x, x.map((v) => v + 0.5))
    expect(r).toMatchObject({ method: 'asymptotic', exactFailed: true })
    expect(r.pValue).toBeCloseTo(0.9999609537692629, 15)
    expect(r.pValue).toBe(kstwoSf(1 / 7, 4))
  })

  it('switches to the asymptotic distribution above 10000 observations', () => {
    const big = Float64Array.from({ length: 10001 }, (_, i) => i / 10001)
    expect(ksTest(big, [0.5]).method).toBe('asymptotic')
    expect(ksTest(big.subarray(0, 10000), [0.5]).method).toBe('exact')
  })

  it('never returns NaN, even with the asymptotic method forced on n1 = n2 = 1', () => {
    const r = ksTest([0], [1], { method: 'asymp' })
    expect(Number.isFinite(r.pValue)).toBe(true)
  })

  it('ksPValue validates its inputs', () => {
    expect(() => ksPValue(1.5, 3, 3)).toThrow(RangeError)
    expect(() => ksPValue(0.5, 0, 3)).toThrow(/n1/)
    expect(() => ksPValue(0.5, 3, 2.5)).toThrow(/n2/)
  })
})

describe('ksStatisticFromHistograms', () => {
  it('brackets the exact statistic: statistic <= D <= upperBound, errorBound <= sharedMassBound', () => {
    const random = rng(42)
    for (let trial = 0; trial < 40; trial++) {
      const n1 = 20 + Math.floor(random() * 300)
      const n2 = 20 + Math.floor(random() * 300)
      const shift = random() - 0.5
      const x = Array.from({ length: n1 }, () => random() + random())
      const y = Array.from({ length: n2 }, () => random() + random() + shift)
      const bins = 2 + Math.floor(random() * 40)
      const edges = quantileEdges([...x, ...y], bins)
      const h = ksStatisticFromHistograms(binCounts(x, edges).counts, binCounts(y, edges).counts)
      const exact = ksTest(x, y).statistic
      expect(h.statistic).toBeLessThanOrEqual(exact + 1e-12)
      expect(exact).toBeLessThanOrEqual(h.upperBound + 1e-12)
      expect(h.errorBound).toBeLessThanOrEqual(h.sharedMassBound + 1e-12)
      expect(h.n1).toBe(n1)
      expect(h.n2).toBe(n2)
    }
  })

  it('the bound is attained: a bin shared by both samples can hide their whole difference', () => {
    expect(ksStatisticFromHistograms([5, 5, 0], [0, 5, 5])).toEqual({
      statistic: 0.5,
      upperBound: 1,
      errorBound: 0.5,
      sharedMassBound: 0.5,
      n1: 10,
      n2: 10,
    })
    // Reference values at the left end of the middle bin, current ones at its right end: D = 1.
    expect(ksTest([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], [1.9, 1.9, 1.9, 1.9, 1.9, 2.5, 2.5, 2.5, 2.5, 2.5]).statistic).toBe(1)
  })

  it('is exact when no bin holds both samples', () => {
    const h = ksStatisticFromHistograms([3, 0, 2, 0], [0, 4, 0, 1])
    expect(h.errorBound).toBe(0)
    expect(h.statistic).toBe(ksTest([0, 0, 0, 2, 2], [1, 1, 1, 1, 3]).statistic)
  })

  it('rejects bad counts', () => {
    expect(() => ksStatisticFromHistograms([1, 2], [1])).toThrow(RangeError)
    expect(() => ksStatisticFromHistograms([0, 0], [1, 1])).toThrow(/refCounts/)
    expect(() => ksStatisticFromHistograms([1, -1], [1, 1])).toThrow(RangeError)
  })
})
