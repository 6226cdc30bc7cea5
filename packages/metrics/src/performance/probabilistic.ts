// Log loss and Brier score of predicted probabilities of the positive class, as scikit-learn's log_loss
// and brier_score_loss (sklearn/metrics/_classification.py) for binary targets.

import { mean } from 'simple-statistics'
import { positivePredicate, type BinaryLabelOptions, type Label } from './binary-labels.js'
import { assertNonEmptyArray, assertProbabilities, assertSameLength } from './validate.js'

/**
 * The clipping bound of log loss: machine epsilon of float64 (2.220446049250313e-16), as scikit-learn
 * ≥ 1.5 uses `np.finfo(y_pred.dtype).eps` for float64 input (the `eps` parameter — 1e-15 before 1.2,
 * "auto" from 1.2 — was deprecated in 1.3 and removed in 1.5, scikit-learn PR #28851).
 */
export const LOG_LOSS_EPS = Number.EPSILON

/**
 * Mean negative log-likelihood (natural log) of binary labels under the predicted probabilities of the
 * positive class: -mean(y·ln p + (1-y)·ln(1-p)).
 *
 * Clipping follows current scikit-learn: the two class probabilities [1-p, p] are formed first, then
 * each is clipped to [eps, 1-eps] with eps = {@link LOG_LOSS_EPS}, so a confident wrong prediction costs
 * -ln(eps) ≈ 36.04 rather than Infinity, and a confident right one about 2.2e-16 rather than 0. No
 * renormalisation follows (since 1.5 scikit-learn warns about rows that do not sum to one instead).
 * Unlike scikit-learn, a `yTrue` with a single class is accepted: the positive label is known, so both
 * classes are (scikit-learn needs `labels=`).
 * Probabilities outside [0, 1] or NaN throw.
 *
 * @example
 * // scikit-learn's documentation example, with 'spam' (the second class alphabetically) as positive:
 * logLoss(['spam', 'ham', 'ham', 'spam'], [0.9, 0.1, 0.2, 0.65], { positiveLabel: 'spam' }) // => 0.21616...
 */
export function logLoss(
  yTrue: readonly Label[],
  yProb: readonly number[],
  options: BinaryLabelOptions = {},
): number {
  checkInputs(yTrue, yProb)
  const isPositive = positivePredicate(options)
  const losses = new Array<number>(yTrue.length)
  for (let i = 0; i < yTrue.length; i++) {
    const p = yProb[i] as number
    // The probability given to the class that occurred, as in sklearn: column 1 is p, column 0 is 1 - p.
    const occurred = isPositive(yTrue[i], 'yTrue', i) ? p : 1 - p
    losses[i] = -Math.log(clip(occurred))
  }
  return mean(losses)
}

/**
 * Brier score: mean squared difference between the predicted probability of the positive class and the
 * outcome (1 positive, 0 negative), scikit-learn's `brier_score_loss` for binary targets (its
 * `scale_by_half='auto'` leaves the binary value unscaled, in [0, 1]). Probabilities outside [0, 1]
 * throw, as in scikit-learn.
 *
 * @example
 * brierScore([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) // => 0.0375 (scikit-learn's documentation example)
 */
export function brierScore(
  yTrue: readonly Label[],
  yProb: readonly number[],
  options: BinaryLabelOptions = {},
): number {
  checkInputs(yTrue, yProb)
  const isPositive = positivePredicate(options)
  const squares = new Array<number>(yTrue.length)
  for (let i = 0; i < yTrue.length; i++) {
    const d = (isPositive(yTrue[i], 'yTrue', i) ? 1 : 0) - (yProb[i] as number)
    squares[i] = d * d
  }
  return mean(squares)
}

function checkInputs(yTrue: readonly Label[], yProb: readonly number[]): void {
  assertNonEmptyArray(yTrue, 'yTrue')
  assertNonEmptyArray(yProb, 'yProb')
  assertSameLength(yTrue, 'yTrue', yProb, 'yProb')
  assertProbabilities(yProb, 'yProb')
}

function clip(p: number): number {
  return p < LOG_LOSS_EPS ? LOG_LOSS_EPS : p > 1 - LOG_LOSS_EPS ? 1 - LOG_LOSS_EPS : p
}
