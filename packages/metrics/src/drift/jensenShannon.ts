import { pairwiseSum } from '../shared/pairwiseSum.js'
import { assertNonEmptyArray, assertNonNegative, assertSameLength } from '../shared/validate.js'

// Jensen-Shannon *distance* (the square root of the divergence), as
// scipy.spatial.distance.jensenshannon(p, q, base) (scipy/spatial/distance.py): both inputs are
// normalised to sum to 1, m = (p + q) / 2, JS = sqrt((KL(p||m) + KL(q||m)) / 2), natural log unless
// `base` is given. Evidently's `jensenshannon` drift test (evidently/legacy/calculations/stattests/
// jensenshannon.py) calls exactly this on the reference and current category proportions.

/** Relative entropy term x log(x/y) (scipy.special.rel_entr for x, y >= 0 with y > 0 wherever x > 0). */
function relEntr(x: number, y: number): number {
  if (x === 0) return 0
  return x * Math.log(x / y)
}

/**
 * Jensen-Shannon distance between two discrete distributions given as aligned counts or proportions.
 *
 * Conventions: entries must be finite and >= 0 with a positive total on each side (normalised here, so
 * counts work); empty bins contribute 0 (no smoothing is needed: m > 0 wherever p or q is); natural log
 * unless `base` (> 0, != 1). Range [0, sqrt(ln 2)] natural, [0, 1] with base 2. Where rounding makes
 * the divergence a hair below 0 (identical inputs up to the last bit) the distance is 0, where scipy
 * would return NaN.
 *
 * @example
 * jensenShannonDistance([1, 0, 0], [0, 1, 0], 2) // 1
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base?: number | null): number {
  assertNonEmptyArray(p, 'p')
  assertNonEmptyArray(q, 'q')
  assertNonNegative(p, 'p')
  assertNonNegative(q, 'q')
  assertSameLength(p, 'p', q, 'q')
  if (base !== undefined && base !== null && !(base > 0 && base !== 1 && Number.isFinite(base))) {
    throw new RangeError(`base must be a positive finite number other than 1, got ${base}`)
  }
  const pSum = pairwiseSum(p)
  const qSum = pairwiseSum(q)
  if (!(pSum > 0)) throw new RangeError('p must have a positive total')
  if (!(qSum > 0)) throw new RangeError('q must have a positive total')
  const n = p.length
  const left = new Float64Array(n)
  const right = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const pi = (p[i] as number) / pSum
    const qi = (q[i] as number) / qSum
    const m = (pi + qi) / 2.0
    left[i] = relEntr(pi, m)
    right[i] = relEntr(qi, m)
  }
  let js = pairwiseSum(left) + pairwiseSum(right)
  if (base !== undefined && base !== null) js /= Math.log(base)
  return Math.sqrt(Math.max(js / 2.0, 0))
}
