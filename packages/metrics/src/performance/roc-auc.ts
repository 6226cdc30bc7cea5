// Area under the ROC curve for binary labels, equal to scikit-learn's roc_auc_score
// (sklearn/metrics/_ranking.py, _binary_roc_auc_score: trapezoids over the distinct thresholds of
// roc_curve). That area equals the Mann-Whitney U statistic divided by n_pos · n_neg with ties at half
// weight: a positive-negative pair counts 1 when the positive scores higher and 1/2 when they tie, which
// is what a trapezoid across a run of tied scores adds up to.
//
// U is counted here by sorting the positive and the negative scores separately (native Float64Array
// sorts) and merging. simple-statistics' wilcoxonRankSum gives the same U from average ranks, and the
// tests hold this function to it, but it allocates an object per value and sorts with a comparator:
// 2.6 s for a million scores against about 0.2 s here.

import { positivePredicate, type BinaryLabelOptions, type Label } from './binary-labels.js'
import { assertFiniteNumbers, assertNonEmptyArray, assertSameLength } from './validate.js'

/**
 * ROC AUC of scores against binary labels (higher score = more likely positive).
 *
 * Returns `null` when `yTrue` holds only one class: the area is undefined there (scikit-learn ≥ 1.6
 * warns and returns NaN; older versions raise ValueError). Ties between a positive and a negative score
 * count one half. Scores must be finite numbers (TypeError otherwise); they need not be probabilities.
 *
 * @example
 * rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // => 0.75 (scikit-learn's documentation example)
 */
export function rocAuc(
  yTrue: readonly Label[],
  yScore: readonly number[],
  options: BinaryLabelOptions = {},
): number | null {
  assertNonEmptyArray(yTrue, 'yTrue')
  assertNonEmptyArray(yScore, 'yScore')
  assertSameLength(yTrue, 'yTrue', yScore, 'yScore')
  assertFiniteNumbers(yScore, 'yScore')
  const isPositive = positivePredicate(options)
  const flags = new Uint8Array(yTrue.length)
  let nPos = 0
  for (let i = 0; i < yTrue.length; i++) {
    if (isPositive(yTrue[i], 'yTrue', i)) {
      flags[i] = 1
      nPos++
    }
  }
  const nNeg = yTrue.length - nPos
  if (nPos === 0 || nNeg === 0) return null
  const pos = new Float64Array(nPos)
  const neg = new Float64Array(nNeg)
  for (let i = 0, p = 0, q = 0; i < yTrue.length; i++) {
    if (flags[i] === 1) pos[p++] = yScore[i] as number
    else neg[q++] = yScore[i] as number
  }
  pos.sort()
  neg.sort()
  // For each run of equal positive scores: negatives strictly below count 1 each, equal ones 1/2 each.
  // Counting 2U keeps every partial sum an integer (exact below 2^53).
  let twiceU = 0
  let below = 0
  for (let i = 0; i < nPos; ) {
    const s = pos[i] as number
    let run = 0
    while (i < nPos && pos[i] === s) {
      run++
      i++
    }
    while (below < nNeg && (neg[below] as number) < s) below++
    let equal = 0
    while (below + equal < nNeg && neg[below + equal] === s) equal++
    twiceU += run * (2 * below + equal)
  }
  return twiceU / (2 * nPos * nNeg)
}
