// The binary confusion matrix: the sufficient statistics of accuracy, precision, recall, F1 and of every
// per-group rate in the fairness family.

import { positivePredicate, type BinaryLabelOptions, type Label } from './binary-labels.js'
import { assertNonEmptyArray, assertSameLength } from './validate.js'

/** Counts of a binary confusion matrix (scikit-learn's `confusion_matrix(...).ravel()` is tn, fp, fn, tp). */
export interface ConfusionCounts {
  /** True positives: actual positive, predicted positive. */
  tp: number
  /** False positives: actual negative, predicted positive. */
  fp: number
  /** True negatives: actual negative, predicted negative. */
  tn: number
  /** False negatives: actual positive, predicted negative. */
  fn: number
}

/**
 * Counts true/false positives/negatives of binary predictions.
 *
 * Labels are read with {@link BinaryLabelOptions} (default: 1/true/'1' positive). Throws a RangeError for
 * empty or unequal-length arrays and a TypeError for a label that is not a string, boolean or number.
 *
 * @example
 * binaryConfusion([0, 1, 0, 1], [1, 1, 1, 0]) // => { tp: 1, fp: 2, tn: 0, fn: 1 }
 */
export function binaryConfusion(
  yTrue: readonly Label[],
  yPred: readonly Label[],
  options: BinaryLabelOptions = {},
): ConfusionCounts {
  assertNonEmptyArray(yTrue, 'yTrue')
  assertNonEmptyArray(yPred, 'yPred')
  assertSameLength(yTrue, 'yTrue', yPred, 'yPred')
  const isPositive = positivePredicate(options)
  const counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 }
  for (let i = 0; i < yTrue.length; i++) {
    const actual = isPositive(yTrue[i], 'yTrue', i)
    const predicted = isPositive(yPred[i], 'yPred', i)
    if (actual) {
      if (predicted) counts.tp++
      else counts.fn++
    } else if (predicted) counts.fp++
    else counts.tn++
  }
  return counts
}

/**
 * Checks that confusion counts are non-negative integers (they may come from SQL aggregates).
 *
 * @example
 * assertConfusionCounts({ tp: 1, fp: 0, tn: 3, fn: 2 }, 'counts') // passes
 */
export function assertConfusionCounts(counts: ConfusionCounts, argument: string): void {
  for (const key of ['tp', 'fp', 'tn', 'fn'] as const) {
    const v = counts[key]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new RangeError(`${argument}.${key} must be a non-negative integer; got ${String(v)}`)
    }
  }
}
