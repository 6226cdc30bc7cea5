import { assertNonEmptyArray, assertNonNegative, assertNumbers, assertSameLength } from '../shared/validate.js'

// First Wasserstein distance between two 1-D empirical distributions, as
// scipy.stats.wasserstein_distance (scipy/stats/_stats_py.py, `_cdf_distance` with p = 1): the integral
// of |U(x) - V(x)| over x, where U and V are the (weighted) empirical CDFs. We walk both sorted samples
// once instead of building the concatenated arrays scipy builds, so memory stays O(n) for the sort and
// O(1) beyond it; the sum is compensated (Neumaier), which keeps it within a few ulps of scipy's
// pairwise sum.

interface Sorted {
  values: Float64Array
  /** Cumulative weights in sorted order, cum[k] = sum of the first k weights (cum[0] = 0). */
  cum: Float64Array | null
  total: number
}

function sortSample(values: ArrayLike<number>, weights: ArrayLike<number> | undefined | null): Sorted {
  if (!weights) {
    return { values: Float64Array.from(values).sort(), cum: null, total: values.length }
  }
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number))
  const sorted = new Float64Array(values.length)
  const cum = new Float64Array(values.length + 1)
  let acc = 0
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number
    sorted[k] = values[i] as number
    acc += weights[i] as number // np.cumsum is sequential
    cum[k + 1] = acc
  }
  return { values: sorted, cum, total: acc }
}

function validateWeights(values: ArrayLike<number>, weights: ArrayLike<number>, name: string, valuesName: string): void {
  assertNonNegative(weights, name)
  assertSameLength(values, valuesName, weights, name)
  let sum = 0
  for (let i = 0; i < weights.length; i++) sum += weights[i] as number
  if (!(sum > 0 && Number.isFinite(sum))) throw new RangeError(`${name} must have a positive, finite sum`)
}

/**
 * First Wasserstein (earth mover's) distance between the empirical distributions of `u` and `v`.
 *
 * Conventions: values must be finite (NaN is a TypeError: drop and count missing values first);
 * weights, when given, are >= 0 with a positive finite sum (normalised, so counts work); either side
 * may have a single value. The distance is in the units of the values.
 *
 * @example
 * wassersteinDistance([0, 1, 3], [5, 6, 8]) // 5
 * wassersteinDistance([0, 1], [0, 1], [3, 1], [2, 2]) // 0.25
 */
export function wassersteinDistance(
  u: ArrayLike<number>,
  v: ArrayLike<number>,
  uWeights?: ArrayLike<number> | null,
  vWeights?: ArrayLike<number> | null,
): number {
  assertNonEmptyArray(u, 'u')
  assertNonEmptyArray(v, 'v')
  assertNumbers(u, 'u')
  assertNumbers(v, 'v')
  if (uWeights) validateWeights(u, uWeights, 'uWeights', 'u')
  if (vWeights) validateWeights(v, vWeights, 'vWeights', 'v')
  const a = sortSample(u, uWeights)
  const b = sortSample(v, vWeights)
  const na = a.values.length
  const nb = b.values.length
  const cdf = (s: Sorted, count: number): number => (s.cum ? (s.cum[count] as number) / s.total : count / s.total)

  // Walk the distinct values of the union in order; between consecutive values x_k < x_{k+1} both CDFs
  // are constant, at the share of each sample <= x_k (searchsorted side='right').
  let i = 0
  let j = 0
  let sum = 0
  let compensation = 0
  let current = Math.min(a.values[0] as number, b.values[0] as number)
  while (i < na || j < nb) {
    while (i < na && (a.values[i] as number) <= current) i++
    while (j < nb && (b.values[j] as number) <= current) j++
    if (i === na && j === nb) break
    const next = Math.min(i < na ? (a.values[i] as number) : Infinity, j < nb ? (b.values[j] as number) : Infinity)
    const term = Math.abs(cdf(a, i) - cdf(b, j)) * (next - current)
    const t = sum + term
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum
    sum = t
    current = next
  }
  return sum + compensation
}
