import { assertNonEmptyArray, assertNonNegative, assertSameLength } from '../shared/validate.js'

// Hellinger distance between two discrete distributions, as Evidently's categorical `hellinger` drift
// test (evidently/legacy/calculations/stattests/hellinger_distance.py, `_hellinger_distance`): with
// proportions p and q, H = sqrt(1 - BC) where BC = sum sqrt(p_i q_i) (clipped to [0, 1]).
// Since sum p = sum q = 1, 1 - BC = sum (sqrt p_i - sqrt q_i)^2 / 2 exactly; we evaluate that form,
// which has no cancellation near 0 (identical inputs give exactly 0, where sqrt(1 - BC) can give
// ~1e-8). The two agree to ~1e-16 absolute on 1 - BC, i.e. to 1e-9 relative once H > ~1e-4.

/**
 * Hellinger distance in [0, 1] between two distributions given as aligned counts or proportions.
 *
 * Conventions: entries finite and >= 0 with a positive total on each side (normalised here); empty
 * bins need no smoothing; H = 1 for disjoint supports.
 *
 * @example
 * hellingerDistance([1, 0], [0, 1]) // 1
 * hellingerDistance([0.5, 0.5], [0.5, 0.5]) // 0
 */
export function hellingerDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  assertNonEmptyArray(p, 'p')
  assertNonEmptyArray(q, 'q')
  assertNonNegative(p, 'p')
  assertNonNegative(q, 'q')
  assertSameLength(p, 'p', q, 'q')
  let pSum = 0
  let qSum = 0
  for (let i = 0; i < p.length; i++) {
    pSum += p[i] as number
    qSum += q[i] as number
  }
  if (!(pSum > 0)) throw new RangeError('p must have a positive total')
  if (!(qSum > 0)) throw new RangeError('q must have a positive total')
  let sumSq = 0
  for (let i = 0; i < p.length; i++) {
    const d = Math.sqrt((p[i] as number) / pSum) - Math.sqrt((q[i] as number) / qSum)
    sumSq += d * d
  }
  return Math.sqrt(Math.min(Math.max(sumSq / 2, 0), 1))
}
