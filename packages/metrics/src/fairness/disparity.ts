// Differences and ratios of a rate across groups, as fairlearn's MetricFrame.difference() and .ratio()
// with method='between_groups' (fairlearn/metrics/_disaggregated_result.py: group_max − group_min and
// group_min / group_max), restricted to the groups with enough data.

import { denominatorName } from './group-rates.js'
import { differenceInterval, ratioInterval } from './mover.js'
import type { Disparity, ExcludedGroup, GroupMetrics, RateName } from './types.js'
import type { Interval } from './wilson.js'

/** A group's value of one rate, ready to compare. */
export interface Candidate {
  group: string
  value: number
  interval: Interval
}

/**
 * Groups whose `rate` can be compared: the group has at least `minGroupSize` rows and the rate's own
 * denominator is at least `minGroupSize` and not zero. Every other group is recorded in `excluded`
 * (once per rate; whole groups below the minimum are recorded by the caller). Sorted by group name.
 *
 * @example
 * comparable(report.byGroup, 'tpr', excluded)
 */
export function comparable(
  byGroup: Record<string, GroupMetrics>,
  rate: RateName,
  minGroupSize: number,
  excluded: ExcludedGroup[],
): Candidate[] {
  const out: Candidate[] = []
  for (const group of Object.keys(byGroup).sort(compareNames)) {
    const g = byGroup[group] as GroupMetrics
    if (g.insufficient) continue
    const value = g[rate]
    const interval = g.intervals[rate]
    const denominator = g.denominators[rate]
    if (value === null || interval === null || denominator < minGroupSize) {
      excluded.push({
        group,
        rate,
        count: g.count,
        denominator,
        reason:
          denominator === 0
            ? `no ${denominatorName(rate)}: ${rate} undefined`
            : `${denominatorName(rate)} = ${denominator} < minGroupSize ${minGroupSize}`,
      })
      continue
    }
    out.push({ group, value, interval })
  }
  return out
}

/** Plain code-unit order, so that reports do not depend on the runtime's locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * max − min of a rate over the candidates, with Newcombe's interval for (max group − min group).
 * Null with a reason when fewer than two groups can be compared.
 *
 * @example
 * differenceDisparity('selectionRate', [{ group: 'a', value: 0.5, interval }, { group: 'b', value: 0.3, interval }])
 * // => { value: 0.2, maxGroup: 'a', minGroup: 'b', ... }
 */
export function differenceDisparity(rate: RateName, candidates: readonly Candidate[]): Disparity {
  const extremes = extremesOf(rate, candidates)
  if ('reason' in extremes) return extremes.reason
  const { max, min, compared } = extremes
  return {
    value: max.value - min.value,
    rate,
    maxGroup: max.group,
    minGroup: min.group,
    comparedGroups: compared,
    interval: differenceInterval(max, min),
  }
}

/**
 * min / max of a rate over the candidates, with the MOVER-R interval for (min group / max group).
 * Null with a reason when fewer than two groups can be compared or when every compared rate is 0
 * (0/0; fairlearn returns NaN there).
 *
 * @example
 * ratioDisparity('selectionRate', candidates).value // => 0.6 for rates 0.3 and 0.5
 */
export function ratioDisparity(rate: RateName, candidates: readonly Candidate[]): Disparity {
  const extremes = extremesOf(rate, candidates)
  if ('reason' in extremes) return extremes.reason
  const { max, min, compared } = extremes
  const base = { rate, maxGroup: max.group, minGroup: min.group, comparedGroups: compared }
  if (max.value === 0) {
    const reason = `every compared group has ${rate} 0: the ratio 0/0 is undefined`
    return { ...base, value: null, reason, interval: null, intervalReason: reason }
  }
  return { ...base, value: min.value / max.value, interval: ratioInterval(min, max) }
}

/**
 * Equalized odds: the worse of the TPR and FPR disparities — the larger difference or the smaller ratio,
 * as fairlearn's equalized_odds_difference / equalized_odds_ratio with agg='worst_case'. Null when either
 * component is null (equalized odds needs both). On a tie the TPR component is reported.
 *
 * @example
 * worstOf(tprDifference, fprDifference, 'larger')
 */
export function worstOf(tpr: Disparity, fpr: Disparity, worst: 'larger' | 'smaller'): Disparity {
  if (tpr.value === null || fpr.value === null) {
    const reasons = [tpr, fpr].filter((d) => d.value === null).map((d) => `${d.rate}: ${d.reason ?? 'undefined'}`)
    return {
      value: null,
      reason: `equalized odds needs both TPR and FPR disparities; ${reasons.join('; ')}`,
      rate: 'tpr+fpr',
      maxGroup: null,
      minGroup: null,
      comparedGroups: [],
      interval: null,
      intervalReason: 'disparity undefined',
    }
  }
  const useFpr = worst === 'larger' ? fpr.value > tpr.value : fpr.value < tpr.value
  const binding = useFpr ? fpr : tpr
  return { ...binding, rate: 'tpr+fpr', bindingRate: useFpr ? 'fpr' : 'tpr' }
}

type Extremes = { max: Candidate; min: Candidate; compared: string[] } | { reason: Disparity }

// The highest and lowest candidates; on ties the first name holds the max and the last name the min, so
// they are two different groups even when every rate is equal.
function extremesOf(rate: RateName, candidates: readonly Candidate[]): Extremes {
  const compared = candidates.map((c) => c.group)
  if (candidates.length < 2) {
    const reason = `fewer than two groups with enough data to compare ${rate} (${candidates.length})`
    return {
      reason: {
        value: null,
        reason,
        rate,
        maxGroup: null,
        minGroup: null,
        comparedGroups: compared,
        interval: null,
        intervalReason: reason,
      },
    }
  }
  const sorted = [...candidates].sort((a, b) => b.value - a.value || compareNames(a.group, b.group))
  return { max: sorted[0] as Candidate, min: sorted[sorted.length - 1] as Candidate, compared }
}
