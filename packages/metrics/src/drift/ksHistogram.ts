import { assertNonEmptyArray, assertNonNegative, assertSameLength } from '../shared/validate.js'

// KS statistic from two histograms on shared edges: the ClickHouse fast path (bin counts are cheap
// to aggregate; the exact statistic needs every value).
//
// What the bins tell: at every edge e_k the ECDFs are known exactly (cumulative counts / totals), so
// D_binned = max_k |F1(e_k) - F2(e_k)| is attained by the true ECDFs, hence D_binned <= D.
// Inside bin k the two ECDFs rise by a_k = r_k / n1 and b_k = c_k / n2 in an unknown order. Writing
// D_{k-1} = F1 - F2 at the bin's left edge, inside the bin F1 - F2 lies in
// [D_{k-1} - b_k, D_{k-1} + a_k], and D_k = D_{k-1} + a_k - b_k. If a_k >= b_k the top of that range is
// D_k + b_k, else D_{k-1} + a_k: either way it exceeds max(D_{k-1}, D_k) by at most min(a_k, b_k), and
// the same holds for the bottom. So
//   D_binned <= D <= D_binned + max_k min(r_k / n1, c_k / n2),
// The a-priori guarantee is thus the largest probability mass that *both* samples place in one bin
// (fine bins, e.g. 4096 quantile bins of mass ~1/4096, give D to ~2.5e-4 at worst, usually far better;
// a bin holding one sample only adds no error). The bound we return is the sharper per-bin one the
// derivation gives directly, upperBound = max_k max(|D_{k-1} + a_k|, |D_{k-1} - b_k|), which is
// attained by some data with these counts (put bin k's reference values at its left end and its
// current values at its right end, or the reverse): nothing tighter holds for all data. It assumes the
// bins hold every value (open outer edges, NaN excluded from both counts and totals). The SQL family's
// ksFromFineHistograms uses the same bracket on its fine-histogram type.

export interface BinnedKs {
  /** max over edges of |F1 - F2|: a lower bound of the exact two-sample KS statistic (D >= statistic). */
  statistic: number
  /** Sharp upper bound: the exact statistic D <= upperBound, and some data with these counts has D = upperBound. */
  upperBound: number
  /** upperBound - statistic: the largest possible error of `statistic`. */
  errorBound: number
  /** max_k min(r_k/n1, c_k/n2): the a-priori guarantee, errorBound <= sharedMassBound. */
  sharedMassBound: number
  n1: number
  n2: number
}

/**
 * Two-sample KS statistic from bin counts on the same edges, with its rigorous error bound.
 *
 * Conventions: counts finite and >= 0, each side with a positive total; the bins must cover every
 * (non-missing) value of both samples. For a p-value pass `statistic` to {@link ksPValue} with n1, n2
 * (and treat it as approximate within the bound).
 *
 * @example
 * ksStatisticFromHistograms([5, 5, 0], [0, 5, 5])
 * // { statistic: 0.5, upperBound: 1, errorBound: 0.5, sharedMassBound: 0.5, n1: 10, n2: 10 }
 */
export function ksStatisticFromHistograms(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>): BinnedKs {
  assertNonEmptyArray(refCounts, 'refCounts')
  assertNonEmptyArray(curCounts, 'curCounts')
  assertNonNegative(refCounts, 'refCounts')
  assertNonNegative(curCounts, 'curCounts')
  assertSameLength(refCounts, 'refCounts', curCounts, 'curCounts')
  let n1 = 0
  let n2 = 0
  for (let k = 0; k < refCounts.length; k++) {
    n1 += refCounts[k] as number
    n2 += curCounts[k] as number
  }
  if (!(n1 > 0)) throw new RangeError('refCounts must have a positive total')
  if (!(n2 > 0)) throw new RangeError('curCounts must have a positive total')
  let c1 = 0
  let c2 = 0
  let statistic = 0
  let upperBound = 0
  let sharedMassBound = 0
  for (let k = 0; k < refCounts.length; k++) {
    const r = refCounts[k] as number
    const c = curCounts[k] as number
    const left = c1 / n1 - c2 / n2 // D_{k-1}
    c1 += r
    c2 += c
    const a = r / n1
    const b = c / n2
    statistic = Math.max(statistic, Math.abs(c1 / n1 - c2 / n2))
    upperBound = Math.max(upperBound, Math.abs(left + a), Math.abs(left - b))
    sharedMassBound = Math.max(sharedMassBound, Math.min(a, b))
  }
  upperBound = Math.min(Math.max(upperBound, statistic), 1)
  return { statistic, upperBound, errorBound: upperBound - statistic, sharedMassBound, n1, n2 }
}
