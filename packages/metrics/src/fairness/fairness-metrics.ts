// Group fairness report: per-group rates with Wilson intervals, and the disparities of fairlearn.metrics
// (fairlearn/metrics/_fairness_metrics.py: demographic_parity_difference / _ratio,
// equal_opportunity_difference, equalized_odds_difference / _ratio, all with method='between_groups' and
// agg='worst_case'), restricted to groups with enough data.
//
// Where it departs from fairlearn, on purpose and only for small or degenerate groups: fairlearn compares
// every group, and a rate with a zero denominator becomes 0 (scikit-learn's confusion_matrix with
// normalize='true' maps 0/0 to 0). Here a group below minGroupSize, or a rate whose denominator is below
// it, is reported but left out of the comparison (listed in excludedGroups), and 0/0 is null with a
// reason. With minGroupSize 1 and no zero denominators the values are fairlearn's.

import { assertConfusionCounts, type ConfusionCounts } from '../performance/confusion.js'
import { assertLabel, positivePredicate, type Label } from '../performance/binary-labels.js'
import { assertNonEmptyArray, assertSameLength } from '../performance/validate.js'
import { comparable, compareNames, differenceDisparity, ratioDisparity, worstOf } from './disparity.js'
import { fourFifths } from './four-fifths.js'
import { groupMetrics } from './group-rates.js'
import type { ExcludedGroup, FairnessOptions, FairnessReport, GroupMetrics } from './types.js'
import { assertConfidence } from './wilson.js'

/** Default minimum group size: the usual rule of thumb for a normal approximation to hold (n ≥ 30). */
export const DEFAULT_MIN_GROUP_SIZE = 30

/** Input of {@link fairnessMetrics}. */
export interface FairnessInput extends FairnessOptions {
  /** True labels (outcomes). */
  yTrue: readonly Label[]
  /** Predicted labels. */
  yPred: readonly Label[]
  /** Value of the sensitive attribute per row; groups are keyed by `String(value)`. */
  sensitive: readonly Label[]
  /** Positive label for both yTrue and yPred; default 1/true/'1' (see BinaryLabelOptions). */
  positiveLabel?: Label
}

/**
 * Fairness report of binary predictions across the values of a sensitive attribute.
 *
 * - Per group: count, confusion counts, selection rate, TPR, FPR, FNR and precision, each with a Wilson
 *   score interval (`confidence`, default 0.95) computed on the rate's own denominator. A zero
 *   denominator gives null and a reason, never NaN.
 * - Disparities between groups (max − min, min / max), as fairlearn defines them; predictive parity
 *   difference is the same construction on precision (fairlearn has no named function for it).
 * - Groups with fewer than `minGroupSize` rows (default 30), and rates whose own denominator is below it,
 *   are reported as insufficient and left out of every comparison (see `excludedGroups`).
 * - The four-fifths rule on selection rates.
 *
 * Throws a RangeError for empty or unequal-length arrays and bad options, a TypeError for labels it
 * cannot read (see BinaryLabelOptions) or sensitive values that are not strings, booleans or numbers,
 * or for two different values with the same string form (1 and '1').
 *
 * @example
 * const report = fairnessMetrics({ yTrue, yPred, sensitive: race, minGroupSize: 30 })
 * report.byGroup['African-American'].fpr   // false positive rate of that group
 * report.equalizedOddsDifference           // max(TPR difference, FPR difference)
 */
export function fairnessMetrics(input: FairnessInput): FairnessReport {
  const { yTrue, yPred, sensitive } = input
  assertNonEmptyArray(yTrue, 'yTrue')
  assertNonEmptyArray(yPred, 'yPred')
  assertNonEmptyArray(sensitive, 'sensitive')
  assertSameLength(yTrue, 'yTrue', yPred, 'yPred')
  assertSameLength(yTrue, 'yTrue', sensitive, 'sensitive')
  const isPositive = positivePredicate(input.positiveLabel === undefined ? {} : { positiveLabel: input.positiveLabel })
  // Raw sensitive value → group index (a Map keeps 1 and '1' apart; their string keys are checked below).
  const index = new Map<Label, number>()
  const cells: number[] = [] // 4 per group: tp, fp, tn, fn
  for (let i = 0; i < yTrue.length; i++) {
    const raw = sensitive[i] as Label
    let g = index.get(raw)
    if (g === undefined) {
      assertLabel(raw, `sensitive[${i}]`)
      g = index.size
      index.set(raw, g)
      cells.push(0, 0, 0, 0)
    }
    const actual = isPositive(yTrue[i], 'yTrue', i)
    const predicted = isPositive(yPred[i], 'yPred', i)
    const cell = 4 * g + (actual ? (predicted ? 0 : 3) : predicted ? 1 : 2)
    cells[cell] = (cells[cell] as number) + 1
  }
  const groups: Record<string, ConfusionCounts> = {}
  for (const [raw, g] of index) {
    const key = String(raw)
    if (key in groups) {
      throw new TypeError(`sensitive holds two different values that both read as group ${JSON.stringify(key)}`)
    }
    groups[key] = { tp: cells[4 * g] as number, fp: cells[4 * g + 1] as number, tn: cells[4 * g + 2] as number, fn: cells[4 * g + 3] as number }
  }
  return fairnessMetricsFromCounts({ groups, minGroupSize: input.minGroupSize, confidence: input.confidence })
}

/** Input of {@link fairnessMetricsFromCounts}. */
export interface FairnessCountsInput extends FairnessOptions {
  /** Confusion counts per group, e.g. from a SQL aggregate (GROUP BY attribute). */
  groups: Record<string, ConfusionCounts>
}

/**
 * The same report as {@link fairnessMetrics}, from confusion counts per group — for counts aggregated
 * where the data lives, so that cost grows with the number of groups, not of rows.
 *
 * @example
 * fairnessMetricsFromCounts({ groups: { a: { tp: 40, fp: 10, tn: 40, fn: 10 }, b: { tp: 30, fp: 5, tn: 50, fn: 15 } } })
 */
export function fairnessMetricsFromCounts(input: FairnessCountsInput): FairnessReport {
  const minGroupSize = input.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE
  if (!Number.isInteger(minGroupSize) || minGroupSize < 0) {
    throw new RangeError(`minGroupSize must be an integer >= 0; got ${String(minGroupSize)}`)
  }
  const confidence = input.confidence ?? 0.95
  assertConfidence(confidence)
  const names = Object.keys(input.groups).sort(compareNames)
  if (names.length === 0) throw new RangeError('groups must hold at least one group')
  const byGroup: Record<string, GroupMetrics> = {}
  const excludedGroups: ExcludedGroup[] = []
  for (const name of names) {
    const counts = input.groups[name] as ConfusionCounts
    assertConfusionCounts(counts, `groups[${JSON.stringify(name)}]`)
    const metrics = groupMetrics(counts, minGroupSize, confidence)
    byGroup[name] = metrics
    if (metrics.insufficient) {
      excludedGroups.push({
        group: name,
        rate: 'all',
        count: metrics.count,
        denominator: metrics.count,
        reason: `${metrics.count} rows < minGroupSize ${minGroupSize}: reported, not compared`,
      })
    }
  }
  const selection = comparable(byGroup, 'selectionRate', minGroupSize, excludedGroups)
  const tpr = comparable(byGroup, 'tpr', minGroupSize, excludedGroups)
  const fpr = comparable(byGroup, 'fpr', minGroupSize, excludedGroups)
  const precision = comparable(byGroup, 'precision', minGroupSize, excludedGroups)
  const disparities = {
    demographicParityDifference: differenceDisparity('selectionRate', selection),
    demographicParityRatio: ratioDisparity('selectionRate', selection),
    equalOpportunityDifference: differenceDisparity('tpr', tpr),
    equalizedOddsDifference: worstOf(differenceDisparity('tpr', tpr), differenceDisparity('fpr', fpr), 'larger'),
    equalizedOddsRatio: worstOf(ratioDisparity('tpr', tpr), ratioDisparity('fpr', fpr), 'smaller'),
    predictiveParityDifference: differenceDisparity('precision', precision),
  }
  return {
    byGroup,
    demographicParityDifference: disparities.demographicParityDifference.value,
    demographicParityRatio: disparities.demographicParityRatio.value,
    equalOpportunityDifference: disparities.equalOpportunityDifference.value,
    equalizedOddsDifference: disparities.equalizedOddsDifference.value,
    equalizedOddsRatio: disparities.equalizedOddsRatio.value,
    predictiveParityDifference: disparities.predictiveParityDifference.value,
    disparities,
    fourFifths: fourFifths(selection, input.groups),
    excludedGroups,
    minGroupSize,
    confidence,
    intervalMethod: 'wilson',
  }
}
