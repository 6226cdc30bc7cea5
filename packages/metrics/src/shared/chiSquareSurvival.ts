import gammainc from '@stdlib/math-base-special-gammainc'

// scipy computes chi-square p-values with special.chdtrc(df, x) = Q(df/2, x/2), the regularized upper
// incomplete gamma function (scipy/stats/_stats_py.py, class _SimpleChi2). @stdlib's gammainc with
// upper=true is the same function (Boost's algorithm, ~1e-15 relative), so no hand-written numerics.

/**
 * Survival function of the chi-square distribution: P(X >= x) for X ~ chi2(dof).
 *
 * @example
 * chiSquareSurvival(2, 5) // 0.8491450360846097 (scipy.stats.chi2.sf(2, 5): 0.8491450360846096)
 */
export function chiSquareSurvival(x: number, dof: number): number {
  if (!(dof > 0) || !Number.isFinite(dof)) throw new RangeError(`dof must be a positive finite number, got ${dof}`)
  if (Number.isNaN(x)) throw new TypeError('x must be a number, got NaN')
  if (x <= 0) return 1
  if (x === Infinity) return 0
  return gammainc(x / 2, dof / 2, true, true)
}
