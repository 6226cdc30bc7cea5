import { describe, expect, it } from 'vitest'
import type { ConfusionCounts, Label } from '../performance/index.js'
import { fairnessMetrics, fairnessMetricsFromCounts } from './index.js'

// Rows that produce the given confusion counts per group, in a fixed interleaved order.
function rows(groups: Record<string, ConfusionCounts>) {
  const yTrue: Label[] = []
  const yPred: Label[] = []
  const sensitive: Label[] = []
  for (const [group, c] of Object.entries(groups)) {
    const push = (n: number, t: number, p: number) => {
      for (let i = 0; i < n; i++) {
        yTrue.push(t)
        yPred.push(p)
        sensitive.push(group)
      }
    }
    push(c.tp, 1, 1)
    push(c.fp, 0, 1)
    push(c.tn, 0, 0)
    push(c.fn, 1, 0)
  }
  return { yTrue, yPred, sensitive }
}

// Every number anywhere in a report, to check that none is NaN (JSON.stringify would hide NaN as null).
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value]
  if (value === null || typeof value !== 'object') return []
  return Object.values(value).flatMap(numbersIn)
}

// Hand-checked: a: sel 4/10, TPR 3/5, FPR 1/5, precision 3/4; b: sel 1/5, TPR 1/2, FPR 0, precision 1;
// c: sel 4/5, TPR 1, FPR 2/3, precision 1/2. Every denominator is non-zero, so with minGroupSize 1 the
// disparities are fairlearn's (between_groups, worst_case).
const SMALL = {
  a: { tp: 3, fp: 1, tn: 4, fn: 2 },
  b: { tp: 1, fp: 0, tn: 3, fn: 1 },
  c: { tp: 2, fp: 2, tn: 1, fn: 0 },
}

describe('fairnessMetrics, fairlearn definitions', () => {
  const report = fairnessMetrics({ ...rows(SMALL), minGroupSize: 1 })

  it('computes per-group rates on their own denominators', () => {
    const a = report.byGroup.a
    expect(a).toMatchObject({ count: 10, selectionRate: 0.4, tpr: 0.6, fpr: 0.2, fnr: 0.4, precision: 0.75, insufficient: false })
    expect(a?.denominators).toEqual({ selectionRate: 10, tpr: 5, fpr: 5, fnr: 5, precision: 4 })
    expect(report.byGroup.c?.fpr).toBeCloseTo(2 / 3, 15)
  })

  it('gives demographic parity difference max - min and ratio min / max of selection rates', () => {
    expect(report.demographicParityDifference).toBeCloseTo(0.8 - 0.2, 15)
    expect(report.demographicParityRatio).toBeCloseTo(0.25, 15)
    expect(report.disparities.demographicParityDifference).toMatchObject({ maxGroup: 'c', minGroup: 'b', comparedGroups: ['a', 'b', 'c'] })
  })

  it('gives equal opportunity as the TPR difference and equalized odds as the worse of TPR and FPR', () => {
    expect(report.equalOpportunityDifference).toBeCloseTo(1 - 0.5, 15)
    // TPR difference 0.5, FPR difference 2/3 → 2/3; TPR ratio 0.5, FPR ratio 0 → 0
    expect(report.equalizedOddsDifference).toBeCloseTo(2 / 3, 15)
    expect(report.disparities.equalizedOddsDifference.bindingRate).toBe('fpr')
    expect(report.equalizedOddsRatio).toBe(0)
    expect(report.disparities.equalizedOddsRatio.bindingRate).toBe('fpr')
  })

  it('gives predictive parity difference as the precision difference', () => {
    expect(report.predictiveParityDifference).toBeCloseTo(1 - 0.5, 15)
  })

  it('attaches Wilson intervals to every rate and Newcombe / MOVER-R intervals to disparities', () => {
    const ci = report.byGroup.a?.intervals.tpr
    expect(ci?.lower).toBeLessThan(0.6)
    expect(ci?.upper).toBeGreaterThan(0.6)
    const d = report.disparities.demographicParityDifference
    expect(d.interval?.lower).toBeLessThan(0.6)
    expect(d.interval?.upper).toBeGreaterThan(0.6)
    const r = report.disparities.demographicParityRatio
    expect(r.interval?.lower).toBeLessThan(0.25)
    expect(r.interval?.upper).toBeGreaterThan(0.25)
  })

  it('applies the four-fifths rule against the most selected group', () => {
    expect(report.fourFifths).toMatchObject({ referenceGroup: 'c', passes: false, failingGroups: ['a', 'b'], threshold: 0.8 })
    expect(report.fourFifths.ratio).toBeCloseTo(0.25, 15)
    expect(report.fourFifths.byGroup.a?.ratio).toBeCloseTo(0.5, 15)
    expect(report.fourFifths.byGroup.c).toMatchObject({ ratio: 1, passes: true, interval: null })
  })

  it('gives the same report from confusion counts', () => {
    expect(fairnessMetricsFromCounts({ groups: SMALL, minGroupSize: 1 })).toEqual(report)
  })
})

describe('minimum group size and undefined rates', () => {
  it('reports a group below minGroupSize (default 30) with its counts but compares it with no other', () => {
    const groups = {
      big1: { tp: 20, fp: 10, tn: 40, fn: 30 },
      big2: { tp: 35, fp: 15, tn: 30, fn: 20 },
      tiny: { tp: 9, fp: 0, tn: 0, fn: 0 },
    }
    const report = fairnessMetricsFromCounts({ groups })
    expect(report.minGroupSize).toBe(30)
    expect(report.byGroup.tiny).toMatchObject({ count: 9, insufficient: true, selectionRate: 1, counts: groups.tiny })
    expect(report.excludedGroups).toContainEqual(expect.objectContaining({ group: 'tiny', rate: 'all', count: 9 }))
    expect(report.disparities.demographicParityDifference.comparedGroups).toEqual(['big1', 'big2'])
    expect(report.demographicParityDifference).toBeCloseTo(0.5 - 0.3, 15)
  })

  it('leaves out a rate whose own denominator is below the minimum, and keeps the group for the others', () => {
    // 'few' has 100 rows but only 10 actual positives: its selection rate is compared, its TPR is not.
    const groups = {
      few: { tp: 5, fp: 30, tn: 60, fn: 5 },
      many: { tp: 30, fp: 10, tn: 30, fn: 30 },
    }
    const report = fairnessMetricsFromCounts({ groups })
    expect(report.byGroup.few).toMatchObject({ insufficient: false, insufficientRates: ['tpr', 'fnr'] })
    expect(report.excludedGroups).toEqual([
      expect.objectContaining({ group: 'few', rate: 'tpr', denominator: 10, reason: expect.stringMatching(/10 < minGroupSize 30/) }),
    ])
    expect(report.demographicParityDifference).toBeCloseTo(0.4 - 0.35, 15)
    expect(report.equalOpportunityDifference).toBeNull()
    expect(report.disparities.equalOpportunityDifference.reason).toMatch(/fewer than two groups/)
    expect(report.equalizedOddsDifference).toBeNull()
  })

  it('gives null with a reason, never NaN, for a zero denominator (fairlearn would count it as 0)', () => {
    const groups = {
      a: { tp: 3, fp: 1, tn: 4, fn: 2 },
      b: { tp: 1, fp: 0, tn: 3, fn: 1 },
      noPositives: { tp: 0, fp: 1, tn: 4, fn: 0 },
    }
    const report = fairnessMetricsFromCounts({ groups, minGroupSize: 1 })
    const g = report.byGroup.noPositives
    expect(g?.tpr).toBeNull()
    expect(g?.fnr).toBeNull()
    expect(g?.intervals.tpr).toBeNull()
    expect(g?.reasons.tpr).toMatch(/zero denominator/)
    expect(report.excludedGroups).toContainEqual(expect.objectContaining({ group: 'noPositives', rate: 'tpr' }))
    // TPR compared over a and b only: 0.6 − 0.5 (fairlearn: 0.6 − 0, counting 0/0 as 0)
    expect(report.equalOpportunityDifference).toBeCloseTo(0.1, 15)
    expect(numbersIn(report).filter((n) => Number.isNaN(n))).toEqual([])
  })

  it('gives a null ratio with a reason when every compared rate is 0', () => {
    const groups = { a: { tp: 0, fp: 0, tn: 40, fn: 0 }, b: { tp: 0, fp: 0, tn: 35, fn: 0 } }
    const report = fairnessMetricsFromCounts({ groups })
    expect(report.demographicParityDifference).toBe(0)
    expect(report.demographicParityRatio).toBeNull()
    expect(report.disparities.demographicParityRatio.reason).toMatch(/0\/0/)
    expect(report.fourFifths).toMatchObject({ passes: null, ratio: null, reason: expect.stringMatching(/0\/0/) })
  })
})

describe('four-fifths boundary', () => {
  it('passes at exactly 4/5 and fails just below, decided on integer counts', () => {
    const at = fairnessMetricsFromCounts({ groups: { a: { tp: 8, fp: 0, tn: 2, fn: 0 }, b: { tp: 10, fp: 0, tn: 0, fn: 0 } }, minGroupSize: 1 })
    expect(at.fourFifths.passes).toBe(true)
    expect(at.fourFifths.byGroup.a?.ratio).toBeCloseTo(0.8, 15)
    const below = fairnessMetricsFromCounts({ groups: { a: { tp: 79, fp: 0, tn: 21, fn: 0 }, b: { tp: 100, fp: 0, tn: 0, fn: 0 } }, minGroupSize: 1 })
    expect(below.fourFifths).toMatchObject({ passes: false, failingGroups: ['a'] })
    // 3 of 7 vs 15 of 28: ratio 0.8 exactly in rationals (12/28 / 15/28)
    const rational = fairnessMetricsFromCounts({ groups: { a: { tp: 3, fp: 0, tn: 4, fn: 0 }, b: { tp: 15, fp: 0, tn: 13, fn: 0 } }, minGroupSize: 1 })
    expect(rational.fourFifths.passes).toBe(true)
  })
})

describe('labels and input checks', () => {
  it('accepts string, number and boolean labels; default positive is 1/true/"1"', () => {
    const report = fairnessMetrics({
      yTrue: [true, false, '1', '0', 1, 0],
      yPred: [1, 1, true, false, '0', '1'],
      sensitive: ['x', 'x', 'x', 'y', 'y', 'y'],
      minGroupSize: 1,
    })
    expect(report.byGroup.x?.counts).toEqual({ tp: 2, fp: 1, tn: 0, fn: 0 })
    expect(report.byGroup.y?.counts).toEqual({ tp: 0, fp: 1, tn: 1, fn: 1 })
  })

  it('uses an explicit positive label for both yTrue and yPred, and numeric or boolean groups', () => {
    const report = fairnessMetrics({
      yTrue: ['approve', 'reject', 'approve', 'reject'],
      yPred: ['approve', 'approve', 'reject', 'reject'],
      sensitive: [1, 1, 2, 2],
      positiveLabel: 'approve',
      minGroupSize: 1,
    })
    expect(Object.keys(report.byGroup)).toEqual(['1', '2'])
    expect(report.byGroup['1']?.counts).toEqual({ tp: 1, fp: 1, tn: 0, fn: 0 })
  })

  it('throws clear errors for bad input', () => {
    const ok = { yTrue: [1, 0], yPred: [1, 0], sensitive: ['a', 'b'] }
    expect(() => fairnessMetrics({ ...ok, yPred: [1] })).toThrow(/yTrue and yPred/)
    expect(() => fairnessMetrics({ ...ok, sensitive: ['a'] })).toThrow(/yTrue and sensitive/)
    expect(() => fairnessMetrics({ ...ok, yTrue: [], yPred: [], sensitive: [] })).toThrow(RangeError)
    expect(() => fairnessMetrics({ ...ok, yTrue: ['yes', 'no'] })).toThrow(/positiveLabel/)
    expect(() => fairnessMetrics({ ...ok, sensitive: ['a', null as unknown as string] })).toThrow(/sensitive\[1\]/)
    expect(() => fairnessMetrics({ ...ok, sensitive: [1, '1'] })).toThrow(/two different values/)
    expect(() => fairnessMetrics({ ...ok, minGroupSize: -1 })).toThrow(/minGroupSize/)
    expect(() => fairnessMetrics({ ...ok, confidence: 95 })).toThrow(/confidence/)
    expect(() => fairnessMetricsFromCounts({ groups: { a: { tp: -1, fp: 0, tn: 0, fn: 0 } } })).toThrow(/groups\["a"\]\.tp/)
    expect(() => fairnessMetricsFromCounts({ groups: {} })).toThrow(RangeError)
  })
})
