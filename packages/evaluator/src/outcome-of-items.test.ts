import { describe, expect, it } from 'vitest'
import { controlSchema, type Control } from '@aims-monitor/controls'
import type { MetricItem } from './metric-context.js'
import { adjustPValues, judgeItems } from './outcome-of-items.js'

function control(metric: string, thresholds: Record<string, unknown>, guard: Record<string, unknown> = {}): Control {
  return controlSchema.parse({
    id: 'D-1', version: 1, title: 'drift', status: 'active',
    approval: { by: 'x', at: '2026-01-01', reference: 'r' }, references: { iso42001: ['9.1'] },
    owner: { accountable: 'a', responsible: 'b' }, scope: { model: 'm' },
    metric: { kind: 'drift', name: metric }, selector: { features: ['a', 'b', 'c', 'd'] },
    window: { current: { type: 'tumbling', size: '1d' }, reference: { dataset: 'ref' } },
    thresholds: { rationale: 'a test threshold', ...thresholds }, guard, schedule: { every: '1d' }, severity: 'low',
  })
}

const item = (name: string, value: number | null, extra: Partial<MetricItem> = {}): MetricItem => ({ name, value, detail: {}, ...extra })

describe('adjustPValues (statsmodels multipletests)', () => {
  // Holm's step-down by hand: sort ascending, multiply the k-th smallest by (m - k), running
  // maximum, clip at 1 — what statsmodels.stats.multitest.multipletests(p, method='holm')[1] returns.
  it('holm', () => {
    expectClose(adjustPValues([0.01, 0.04, 0.03, 0.005], 'holm'), [0.03, 0.06, 0.06, 0.02])
    expectClose(adjustPValues([0.01, 0.04, 0.03], 'holm'), [0.03, 0.06, 0.06])
    expectClose(adjustPValues([0.5, 0.4, 0.3], 'holm'), [0.9, 0.9, 0.9])
    expectClose(adjustPValues([0.6, 0.02, 0.7], 'holm'), [1, 0.06, 1])
    expectClose(adjustPValues([0.01, 0.01], 'holm'), [0.02, 0.02])
  })

  it('bonferroni multiplies by m and clips at 1; none and a single p-value are unchanged', () => {
    expectClose(adjustPValues([0.6, 0.02, 0.7], 'bonferroni'), [1, 0.06, 1])
    expect(adjustPValues([0.6, 0.02], 'none')).toEqual([0.6, 0.02])
    expect(adjustPValues([0.02], 'holm')).toEqual([0.02])
    expect(adjustPValues([], 'holm')).toEqual([])
  })
})

describe('judgeItems', () => {
  it('a NaN value is an item not computed, with its reason; the other features are judged', () => {
    const j = judgeItems(control('psi', { breach: 0.2 }), [item('a', NaN), item('b', 0.3), item('c', 0.1)])
    expect(j).toMatchObject({ value: 0.3, outcome: 'breach' })
    expect(j.reason).toMatch(/not computed: a/)
    expect(j.items[0]).toMatchObject({ name: 'a', value: null, outcome: 'insufficient_data', insufficient: 'the value is not a number (NaN)' })
    const none = judgeItems(control('psi', { breach: 0.2 }), [item('a', NaN)])
    expect(none).toMatchObject({ value: null, outcome: 'insufficient_data', reason: 'a: the value is not a number (NaN)' })
  })

  it('holm over several p-values: each feature judged on its adjusted p, the control on the worst', () => {
    // Raw 0.004 < 0.01 would breach alone; Holm-adjusted over 4 it is 0.016.
    const c = control('ks', { warn: 0.05, breach: 0.01 })
    const j = judgeItems(c, [item('a', 0.004, { pValue: 0.004 }), item('b', 0.001, { pValue: 0.001 }), item('c', 0.5, { pValue: 0.5 }), item('d', 0.02, { pValue: 0.02 })])
    const by = Object.fromEntries(j.items.map((i) => [i.name, i]))
    expect(by.b!.adjustedPValue).toBeCloseTo(0.004, 12)
    expect(by.a!.adjustedPValue).toBeCloseTo(0.012, 12)
    expect(by.d!.adjustedPValue).toBeCloseTo(0.04, 12)
    expect(by.c!.adjustedPValue).toBeCloseTo(0.5, 12)
    expect([by.a!.outcome, by.b!.outcome, by.c!.outcome, by.d!.outcome]).toEqual(['warn', 'breach', 'pass', 'warn'])
    expect(j.outcome).toBe('breach')
    expect(j.value).toBeCloseTo(0.004, 12)
    expect(j.pValue).toBeCloseTo(0.004, 12)
    expect(j.direction).toBe('below')
    expect(j.reason).toMatch(/\(b, holm-adjusted over 4\)/)
  })

  it('bonferroni and none are honoured', () => {
    const items = [item('a', 0.004), item('b', 0.3)]
    expect(judgeItems(control('ks', { breach: 0.01 }, { multipleComparisons: 'bonferroni' }), items).items[0]!.adjustedPValue).toBeCloseTo(0.008, 12)
    expect(judgeItems(control('ks', { breach: 0.005 }, { multipleComparisons: 'bonferroni' }), items).outcome).toBe('pass')
    expect(judgeItems(control('ks', { breach: 0.005 }, { multipleComparisons: 'none' }), items).outcome).toBe('breach')
  })

  it('drift/auto judges the share of drifted features', () => {
    const c = control('auto', { warn: 0.25, breach: 0.5 })
    const half = judgeItems(c, [item('a', 1), item('b', 0), item('c', 1), item('d', 0)])
    expect(half.value).toBe(0.5)
    expect(half.outcome).toBe('warn')
    expect(half.reason).toMatch(/^2 of 4 features drifted \(a, c\)/)
    const most = judgeItems(c, [item('a', 1), item('b', 1), item('c', 1), item('d', 0)])
    expect(most).toMatchObject({ value: 0.75, outcome: 'breach' })
    // An item not computed does not count in the share.
    const partial = judgeItems(c, [item('a', 1), item('b', 0), item('c', null, { insufficient: 'no values' })])
    expect(partial.value).toBeCloseTo(0.5, 12)
    expect(partial.items[2]!.outcome).toBe('insufficient_data')
  })

  it('a distance takes the worst item: the most severe outcome, then the largest value', () => {
    const c = control('wasserstein_normed', { warn: 0.05, breach: 0.1 })
    const j = judgeItems(c, [item('a', 0.07), item('b', 0.3), item('c', 0.2), item('d', 0.01)])
    expect(j).toMatchObject({ value: 0.3, outcome: 'breach', pValue: null })
    expect(j.items.map((i) => i.outcome)).toEqual(['warn', 'breach', 'breach', 'pass'])
    expect(j.reason).toMatch(/\(b\)/)
  })

  it('items not computed are insufficient and named; the control is judged on the rest', () => {
    const c = control('wasserstein_normed', { breach: 0.1 })
    const j = judgeItems(c, [item('a', 0.02), item('b', null, { insufficient: 'no current value of b' })])
    expect(j.outcome).toBe('pass')
    expect(j.items[1]!.outcome).toBe('insufficient_data')
    expect(j.reason).toMatch(/not computed: b/)
  })

  it('when nothing could be computed, the control is insufficient and says why', () => {
    const c = control('ks', { breach: 0.01 })
    const j = judgeItems(c, [item('a', null, { insufficient: 'no reference value of a' }), item('b', null, { insufficient: 'missing column' })])
    expect(j).toMatchObject({ value: null, pValue: null, outcome: 'insufficient_data', reason: 'a: no reference value of a; b: missing column' })
  })

  it('a significance level keeps a statistic from breaching unless its test is significant', () => {
    const c = control('ks_statistic', { breach: 0.1 }, { significance: 0.05 })
    const j = judgeItems(c, [item('a', 0.2, { pValue: 0.2 }), item('b', 0.15, { pValue: 0.001 })])
    expect(j.items.map((i) => i.outcome)).toEqual(['pass', 'breach'])
    expect(j.value).toBe(0.15)
  })
})

function expectClose(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length)
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, 12))
}
