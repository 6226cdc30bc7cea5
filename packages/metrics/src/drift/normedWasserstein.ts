import { pairwiseSum } from '../shared/pairwiseSum.js'
import { assertNonEmptyArray, assertNumbers } from '../shared/validate.js'
import { wassersteinDistance } from './wasserstein.js'

// Evidently's "Wasserstein distance (normed)" drift score (evidently/legacy/calculations/stattests/
// wasserstein_distance_norm.py, `_wasserstein_distance_norm`):
//   norm = max(np.std(reference), 0.001); score = wasserstein_distance(reference, current) / norm.
// np.std is the *population* standard deviation (ddof = 0): numpy's default, and np.std passes ddof=0
// explicitly even to a pandas Series (whose own .std() would default to ddof = 1). We compute it as
// numpy does (mean by pairwise sum, then the pairwise sum of squared deviations, divided by n).

/** Evidently's floor on the reference standard deviation (a constant reference is not divided by 0). */
export const NORMED_WASSERSTEIN_MIN_STD = 0.001

/** Population standard deviation (ddof = 0), as np.std. */
export function populationStd(values: ArrayLike<number>): number {
  const n = values.length
  const mean = pairwiseSum(values) / n
  const squares = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean
    squares[i] = d * d
  }
  return Math.sqrt(pairwiseSum(squares) / n)
}

/**
 * Wasserstein distance divided by the reference's population standard deviation (floored at 0.001),
 * Evidently's default numeric drift score for references of more than 1000 rows (drift when >= 0.1).
 *
 * Conventions: finite values only (NaN is a TypeError: Evidently drops NaN and infinities before the
 * test, do the same and count them); a constant reference is normed by 0.001, so any shift of the
 * current data scores high. Unitless.
 *
 * @example
 * normedWassersteinDistance([1, 2, 3, 4], [2, 3, 4, 5]) // 1 / 1.118033988749895 = 0.894427190999916
 */
export function normedWassersteinDistance(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  assertNonEmptyArray(reference, 'reference')
  assertNonEmptyArray(current, 'current')
  assertNumbers(reference, 'reference')
  assertNumbers(current, 'current')
  const norm = Math.max(populationStd(reference), NORMED_WASSERSTEIN_MIN_STD)
  return wassersteinDistance(reference, current) / norm
}
