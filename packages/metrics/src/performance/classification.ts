// Accuracy, precision, recall and F1 for binary labels, as scikit-learn's accuracy_score, precision_score,
// recall_score and f1_score (sklearn/metrics/_classification.py, average='binary').

import { assertLabel, type BinaryLabelOptions, type Label } from './binary-labels.js'
import { binaryConfusion } from './confusion.js'
import { assertNonEmptyArray, assertSameLength } from './validate.js'

/**
 * What to return when a ratio has a zero denominator (scikit-learn's `zero_division`):
 * `0` (the default: scikit-learn's default `"warn"` returns 0.0 and warns), `1`, or `null` (scikit-learn's
 * `np.nan`, without NaN: the caller must handle the undefined value).
 */
export type ZeroDivision = 0 | 1 | null

/** Options of precision, recall and F1. */
export interface PrecisionRecallOptions extends BinaryLabelOptions {
  /** See {@link ZeroDivision}; default 0. */
  zeroDivision?: ZeroDivision
}

/**
 * Fraction of predictions equal to the true label (scikit-learn's `accuracy_score`). Labels are compared
 * with `===`, so any labels work (binary or multiclass); no positive label is needed.
 *
 * @example
 * accuracy([0, 1, 2, 3], [0, 2, 1, 3]) // => 0.5 (scikit-learn's documentation example)
 */
export function accuracy(yTrue: readonly Label[], yPred: readonly Label[]): number {
  assertNonEmptyArray(yTrue, 'yTrue')
  assertNonEmptyArray(yPred, 'yPred')
  assertSameLength(yTrue, 'yTrue', yPred, 'yPred')
  let correct = 0
  for (let i = 0; i < yTrue.length; i++) {
    assertLabel(yTrue[i], `yTrue[${i}]`)
    assertLabel(yPred[i], `yPred[${i}]`)
    if (yTrue[i] === yPred[i]) correct++
  }
  return correct / yTrue.length
}

/**
 * Precision tp / (tp + fp). With no positive prediction (tp + fp = 0) it returns `zeroDivision`
 * (default 0, as scikit-learn's default).
 *
 * @example
 * precision([0, 1, 1, 0], [1, 1, 0, 0]) // => 0.5
 * precision([0, 0], [0, 0], { zeroDivision: null }) // => null
 */
export function precision(yTrue: readonly Label[], yPred: readonly Label[], options?: PrecisionRecallOptions & { zeroDivision?: 0 | 1 }): number
export function precision(yTrue: readonly Label[], yPred: readonly Label[], options: PrecisionRecallOptions): number | null
export function precision(yTrue: readonly Label[], yPred: readonly Label[], options: PrecisionRecallOptions = {}): number | null {
  const c = binaryConfusion(yTrue, yPred, options)
  return divide(c.tp, c.tp + c.fp, zeroDivisionOf(options))
}

/**
 * Recall (true positive rate) tp / (tp + fn). With no actual positive (tp + fn = 0) it returns
 * `zeroDivision` (default 0, as scikit-learn's default).
 *
 * @example
 * recall([0, 1, 1, 0], [1, 1, 0, 0]) // => 0.5
 */
export function recall(yTrue: readonly Label[], yPred: readonly Label[], options?: PrecisionRecallOptions & { zeroDivision?: 0 | 1 }): number
export function recall(yTrue: readonly Label[], yPred: readonly Label[], options: PrecisionRecallOptions): number | null
export function recall(yTrue: readonly Label[], yPred: readonly Label[], options: PrecisionRecallOptions = {}): number | null {
  const c = binaryConfusion(yTrue, yPred, options)
  return divide(c.tp, c.tp + c.fn, zeroDivisionOf(options))
}

/**
 * F1 = 2·tp / (2·tp + fp + fn), as scikit-learn ≥ 1.3 computes it from confusion counts. Only when
 * tp + fp + fn = 0 (no positive anywhere) is it undefined and `zeroDivision` returned; when precision
 * alone is undefined but there are false negatives, F1 is 0 (scikit-learn does the same).
 *
 * @example
 * f1([0, 1, 1, 0], [1, 1, 0, 0]) // => 0.5
 * f1([0, 0, 0], [0, 0, 0], { zeroDivision: 1 }) // => 1
 */
export function f1(yTrue: readonly Label[], yPred: readonly Label[], options?: PrecisionRecallOptions & { zeroDivision?: 0 | 1 }): number
export function f1(yTrue: readonly Label[], yPred: readonly Label[], options: PrecisionRecallOptions): number | null
export function f1(yTrue: readonly Label[], yPred: readonly Label[], options: PrecisionRecallOptions = {}): number | null {
  const c = binaryConfusion(yTrue, yPred, options)
  return divide(2 * c.tp, 2 * c.tp + c.fp + c.fn, zeroDivisionOf(options))
}

function zeroDivisionOf(options: PrecisionRecallOptions): ZeroDivision {
  const z = options.zeroDivision === undefined ? 0 : options.zeroDivision
  if (z !== 0 && z !== 1 && z !== null) {
    throw new RangeError(`zeroDivision must be 0, 1 or null; got ${String(z)}`)
  }
  return z
}

function divide(numerator: number, denominator: number, zeroDivision: ZeroDivision): number | null {
  return denominator === 0 ? zeroDivision : numerator / denominator
}
