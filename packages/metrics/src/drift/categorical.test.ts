// Edge cases of the frequency-based statistics: chi-square, contingency, Jensen-Shannon, PSI,
// Hellinger, z-test, and Evidently's categorical drift helpers.
import { describe, expect, it } from 'vitest'
import { alignCategoryCounts, countCategories } from './categoryCounts.js'
import { chiSquareDrift, jensenShannonDrift, zTestDrift } from './categoricalDrift.js'
import { chiSquareTest } from './chiSquare.js'
import { chiSquareContingency } from './chiSquareContingency.js'
import { hellingerDistance } from './hellinger.js'
import { jensenShannonDistance } from './jensenShannon.js'
import { evidentlyZeroFill, psi, psiBreakdown, psiFromBins } from './psi.js'
import { zTestProportions } from './zTest.js'

describe('chiSquareTest', () => {
  it('matches scipy.stats.power_divergence’s published G-test values (lambda "log-likelihood")', () => {
    const g = chiSquareTest([16, 18, 16, 14, 12, 12], null, { lambda: 'log-likelihood' })
    expect(g.statistic).toBeCloseTo(2.006573162632538, 14)
    expect(g.pValue).toBeCloseTo(0.84823476779463769, 12)
    const g2 = chiSquareTest([16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8], { lambda: 'log-likelihood' })
    expect(g2.statistic).toBeCloseTo(3.3281031458963746, 14)
    expect(g2.pValue).toBeCloseTo(0.6495419288047497, 12)
  })

  it('requires the totals to agree to sqrt(eps), as scipy, instead of rescaling', () => {
    expect(() => chiSquareTest([10, 10], [10, 11])).toThrow(/sum of expected/)
    expect(() => chiSquareTest([10, 10], [10, 10 + 1e-9])).not.toThrow()
  })

  it('rejects what makes the statistic undefined, naming the argument', () => {
    expect(() => chiSquareTest([])).toThrow(/observed must not be empty/)
    expect(() => chiSquareTest([0, 0])).toThrow(/positive count/)
    expect(() => chiSquareTest([5])).toThrow(/degrees of freedom/)
    expect(() => chiSquareTest([5, -1])).toThrow(/observed\[1\]/)
    expect(() => chiSquareTest([5, NaN])).toThrow(TypeError)
    expect(() => chiSquareTest([5, 5], [10, 0])).toThrow(/expected\[1\] is 0/)
    expect(() => chiSquareTest([5, 5], [5, 5, 0])).toThrow(/same length/)
    expect(() => chiSquareTest([5, 5], null, { lambda: 'bogus' as 'pearson' })).toThrow(RangeError)
  })

  it('gives p = 0 for an infinite statistic (negative lambda with an empty cell)', () => {
    const r = chiSquareTest([0, 10], [5, 5], { lambda: 'mod-log-likelihood' })
    expect(r).toEqual({ statistic: Infinity, pValue: 0, dof: 1 })
  })
})

describe('chiSquareContingency', () => {
  it('applies Yates’ correction only when dof = 1', () => {
    // scipy: chi2_contingency([[12, 3], [17, 16]]) = 2.4091074080184787, p 0.12063113097759684
    const r = chiSquareContingency([[12, 3], [17, 16]])
    expect(r.statistic).toBeCloseTo(2.4091074080184787, 13)
    expect(r.pValue).toBeCloseTo(0.12063113097759684, 12)
    expect(chiSquareContingency([[12, 3], [17, 16]], { correction: false }).pValue).toBeCloseTo(0.0614122539870913, 12)
  })

  it('has dof 0 for a single row: statistic 0, p 1 (scipy’s degenerate case)', () => {
    expect(chiSquareContingency([[3, 4, 5]])).toMatchObject({ statistic: 0, pValue: 1, dof: 0 })
  })

  it('rejects empty rows or columns and ragged tables', () => {
    expect(() => chiSquareContingency([[1, 0], [2, 0]])).toThrow(/expected frequency at \[0, 1\] is 0/)
    expect(() => chiSquareContingency([[1, 2], [3]])).toThrow(/rectangular/)
    expect(() => chiSquareContingency([])).toThrow(/table must not be empty/)
    expect(() => chiSquareContingency([[1, -2], [3, 4]])).toThrow(/table\[0\]\[1\]/)
  })
})

describe('jensenShannonDistance', () => {
  it('normalises its inputs and is 0 for identical distributions', () => {
    expect(jensenShannonDistance([1, 2, 3], [2, 4, 6])).toBe(0)
    expect(jensenShannonDistance([1, 0], [0, 1], 2)).toBeCloseTo(1, 15)
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 15)
  })

  it('rejects bad input', () => {
    expect(() => jensenShannonDistance([0, 0], [1, 1])).toThrow(/p must have a positive total/)
    expect(() => jensenShannonDistance([1, 1], [1, 1], 1)).toThrow(/base/)
    expect(() => jensenShannonDistance([1, 1], [1, 1], -2)).toThrow(/base/)
    expect(() => jensenShannonDistance([1], [1, 1])).toThrow(/same length/)
  })
})

describe('PSI with Evidently’s conventions', () => {
  it('is 0 for identical distributions, counts or proportions alike', () => {
    expect(psi({ a: 5, b: 5 }, { a: 0.5, b: 0.5 })).toBe(0)
    expect(psiFromBins([1, 2, 3], [2, 4, 6])).toBe(0)
  })

  it('fills empty bins with 0.0001, or min/1e6 when the smallest proportion is <= 0.0001', () => {
    expect(evidentlyZeroFill([0.5, 0.5, 0])).toBe(0.0001)
    expect(evidentlyZeroFill([0.99995, 0.00005, 0])).toBe(0.00005 / 1e6)
    const r = psiBreakdown({ a: 50, b: 50 }, { a: 50, b: 40, c: 10 })
    const c = r.bins.find((b) => b.key === 'c')
    expect(c?.referenceProportion).toBe(0.0001)
    expect(c?.contribution).toBeCloseTo((0.0001 - 0.1) * Math.log(0.0001 / 0.1), 15)
  })

  it('takes the union of categories (unseen and vanished categories both count)', () => {
    const aligned = alignCategoryCounts(new Map([['a', 3], ['b', 1]]), { a: 2, c: 2 })
    expect(aligned.keys).toEqual(['a', 'b', 'c'])
    expect(aligned.unseenInReference).toEqual(['c'])
    expect(aligned.missingInCurrent).toEqual(['b'])
    expect(psi(new Map([['a', 3], ['b', 1]]), { a: 2, c: 2 })).toBeGreaterThan(1)
  })

  it('keeps bins empty on both sides, as Evidently (they add 0 when both fills are 0.0001)', () => {
    expect(psiFromBins([50, 0, 50], [40, 0, 60])).toBeCloseTo(psiFromBins([50, 50], [40, 60]), 15)
  })

  it('breakdown contributions add up to the value', () => {
    const r = psiBreakdown({ a: 10, b: 30, c: 60 }, { a: 20, b: 30, c: 50 })
    expect(r.bins.reduce((s, b) => s + b.contribution, 0)).toBeCloseTo(r.value, 15)
    expect(r.bins.every((b) => b.contribution >= 0)).toBe(true)
  })

  it('rejects an empty side and negative counts', () => {
    expect(() => psi({ a: 0 }, { a: 1 })).toThrow(/reference must have a positive total/)
    expect(() => psi({ a: 1 }, { a: -1 })).toThrow(RangeError)
    expect(() => psi({}, {})).toThrow(/no categories/)
    expect(() => psiFromBins([1, 2], [1])).toThrow(/same length/)
  })
})

describe('hellingerDistance', () => {
  it('is 0 for identical, 1 for disjoint distributions, and sqrt(1 - BC) in between', () => {
    expect(hellingerDistance([3, 3], [1, 1])).toBe(0)
    expect(hellingerDistance([1, 0], [0, 1])).toBe(1)
    expect(hellingerDistance([0.5, 0.5], [1, 0])).toBeCloseTo(Math.sqrt(1 - Math.sqrt(0.5)), 15)
  })

  it('rejects bad input', () => {
    expect(() => hellingerDistance([0, 0], [1, 0])).toThrow(/p must have a positive total/)
    expect(() => hellingerDistance([1, 2], [1])).toThrow(/same length/)
  })
})

describe('zTestProportions', () => {
  it('gives statistic 0 and p 1 when the pooled proportion is 0 or 1 (Evidently’s constant case)', () => {
    expect(zTestProportions(0, 10, 0, 20)).toEqual({ statistic: 0, pValue: 1 })
    expect(zTestProportions(10, 10, 20, 20)).toEqual({ statistic: 0, pValue: 1 })
  })

  it('is signed by sample 1 minus sample 2', () => {
    expect(zTestProportions(20, 100, 10, 100).statistic).toBeGreaterThan(0)
    expect(zTestProportions(10, 100, 20, 100).statistic).toBeCloseTo(-1.9802950859533488, 14)
  })

  it('rejects impossible counts', () => {
    expect(() => zTestProportions(11, 10, 1, 10)).toThrow(/successes1/)
    expect(() => zTestProportions(1.5, 10, 1, 10)).toThrow(TypeError)
    expect(() => zTestProportions(0, 0, 1, 10)).toThrow(/n1/)
  })
})

describe('Evidently’s categorical drift helpers', () => {
  it('chi-square scales reference counts to the current total', () => {
    const r = chiSquareDrift({ a: 30, b: 50, c: 20 }, { a: 20, b: 50, c: 30 })
    expect(r.statistic).toBeCloseTo(100 / 30 + 100 / 20, 13)
    expect(r.pValue).toBeCloseTo(Math.exp(-r.statistic / 2), 15)
    expect(r.unseenCategories).toEqual([])
  })

  it('reports categories unseen in the reference: statistic +Infinity, p 0 (as scipy on Evidently’s input)', () => {
    expect(chiSquareDrift({ a: 30, b: 50 }, { a: 20, b: 50, z: 1 })).toEqual({
      statistic: Infinity,
      pValue: 0,
      dof: 2,
      unseenCategories: ['z'],
    })
  })

  it('Jensen-Shannon over the union of categories', () => {
    expect(jensenShannonDrift({ a: 1, b: 1 }, { a: 1, c: 1 })).toBeCloseTo(jensenShannonDistance([1, 1, 0], [1, 0, 1]), 15)
  })

  it('z-test takes the first category in sorted order as the "0" level', () => {
    expect(zTestDrift({ yes: 10, no: 90 }, { no: 80, yes: 20 })).toEqual(zTestProportions(10, 100, 20, 100))
    expect(zTestDrift({ x: 5 }, { x: 7 })).toEqual({ statistic: 0, pValue: 1 })
    expect(() => zTestDrift({ a: 1, b: 1, c: 1 }, { a: 1 })).toThrow(/2 categories/)
  })

  it('countCategories counts missing values apart', () => {
    const r = countCategories(['a', 'b', 'a', null, undefined, NaN, true])
    expect([...r.counts.entries()]).toEqual([['a', 2], ['b', 1], ['true', 1]])
    expect(r.missing).toBe(3)
  })
})
