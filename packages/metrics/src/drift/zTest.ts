import normalCdf from '@stdlib/stats-base-dists-normal-cdf'
import { assertInteger } from '../shared/validate.js'

// Two-sided z-test for the difference of two proportions with the pooled variance, as Evidently's
// `z` drift test (evidently/legacy/calculations/stattests/z_stattest.py, `proportions_diff_z_stat_ind`
// and `proportions_diff_z_test`):
//   p1 = s1/n1, p2 = s2/n2, P = (p1 n1 + p2 n2) / (n1 + n2),
//   z = (p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2)),  p = 2 (1 - Phi(|z|)).
// Evidently's special case "both samples hold one and the same value" gives p = 1; here that is
// P = 0 or P = 1, where z would be 0/0: we return statistic 0 and p-value 1. We keep Evidently's
// 2 (1 - Phi(|z|)) rather than 2 Phi(-|z|), so p-values below ~1e-16 are 0 exactly as in Evidently.

export interface ZTestResult {
  /** z statistic; positive when sample 1 has the higher proportion. */
  statistic: number
  pValue: number
}

/**
 * Pooled two-proportion z-test, two-sided.
 *
 * Conventions: counts are integers with 0 <= successes <= n and n >= 1; when neither or both samples
 * have every observation a success (pooled proportion 0 or 1) there is no evidence of a difference:
 * statistic 0, p-value 1. Normal approximation: with very small n the p-value is rough (Evidently
 * uses this test only up to 1000 reference rows, for binary columns).
 *
 * @example
 * zTestProportions(10, 100, 20, 100) // { statistic: -1.98029508595, pValue: 0.04767… }
 */
export function zTestProportions(successes1: number, n1: number, successes2: number, n2: number): ZTestResult {
  assertInteger(n1, 'n1', 1)
  assertInteger(n2, 'n2', 1)
  assertInteger(successes1, 'successes1', 0)
  assertInteger(successes2, 'successes2', 0)
  if (successes1 > n1) throw new RangeError(`successes1 (${successes1}) must be <= n1 (${n1})`)
  if (successes2 > n2) throw new RangeError(`successes2 (${successes2}) must be <= n2 (${n2})`)
  const p1 = successes1 / n1
  const p2 = successes2 / n2
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
  if (pooled === 0 || pooled === 1) return { statistic: 0, pValue: 1 }
  const statistic = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
  const pValue = 2 * (1 - normalCdf(Math.abs(statistic), 0, 1))
  return { statistic, pValue }
}
