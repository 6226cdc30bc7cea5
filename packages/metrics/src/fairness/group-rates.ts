// Per-group rates from confusion counts, each with its Wilson interval and its sufficiency for comparison.

import type { ConfusionCounts } from '../performance/confusion.js'
import type { GroupMetrics, RateName, RateRecord } from './types.js'
import { wilsonInterval } from './wilson.js'

/** The rates in report order. */
export const RATE_NAMES: readonly RateName[] = ['selectionRate', 'tpr', 'fpr', 'fnr', 'precision']

const DENOMINATOR_NAMES: RateRecord<string> = {
  selectionRate: 'rows in the group',
  tpr: 'actual positives (tp + fn)',
  fpr: 'actual negatives (fp + tn)',
  fnr: 'actual positives (tp + fn)',
  precision: 'predicted positives (tp + fp)',
}

/** Human-readable name of a rate's denominator, for reasons. */
export function denominatorName(rate: RateName): string {
  return DENOMINATOR_NAMES[rate]
}

/**
 * Rates of one group. A zero denominator gives a null rate and interval with a reason (never NaN). The
 * group is `insufficient` when its count is below `minGroupSize`; a rate of a sufficient group whose
 * denominator is below `minGroupSize` is listed in `insufficientRates`.
 *
 * @example
 * groupMetrics({ tp: 8, fp: 2, tn: 30, fn: 2 }, 30, 0.95).tpr // => 0.8
 */
export function groupMetrics(counts: ConfusionCounts, minGroupSize: number, confidence: number): GroupMetrics {
  const { tp, fp, tn, fn } = counts
  const count = tp + fp + tn + fn
  const parts: RateRecord<[number, number]> = {
    selectionRate: [tp + fp, count],
    tpr: [tp, tp + fn],
    fpr: [fp, fp + tn],
    fnr: [fn, tp + fn],
    precision: [tp, tp + fp],
  }
  const values = {} as RateRecord<number | null>
  const denominators = {} as RateRecord<number>
  const intervals = {} as GroupMetrics['intervals']
  const reasons: GroupMetrics['reasons'] = {}
  const insufficientRates: RateName[] = []
  for (const rate of RATE_NAMES) {
    const [numerator, denominator] = parts[rate]
    denominators[rate] = denominator
    if (denominator === 0) {
      values[rate] = null
      intervals[rate] = null
      reasons[rate] = `undefined: no ${DENOMINATOR_NAMES[rate]} in the group (zero denominator)`
    } else {
      values[rate] = numerator / denominator
      intervals[rate] = wilsonInterval(numerator, denominator, confidence)
    }
    if (count >= minGroupSize && (denominator < minGroupSize || denominator === 0)) insufficientRates.push(rate)
  }
  return {
    count,
    counts: { tp, fp, tn, fn },
    selectionRate: values.selectionRate,
    tpr: values.tpr,
    fpr: values.fpr,
    fnr: values.fnr,
    precision: values.precision,
    denominators,
    intervals,
    reasons,
    insufficient: count < minGroupSize,
    insufficientRates,
  }
}
