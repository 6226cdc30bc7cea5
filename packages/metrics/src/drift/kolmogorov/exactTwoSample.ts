import { roundHalfEven } from '../../shared/roundHalfEven.js'

// Exact two-sided p-value of the two-sample KS statistic, P(D_{n1,n2} >= d) under H0, as scipy's
// `_attempt_exact_2kssamp` (scipy/stats/_stats_py.py) with its two helpers:
// - n1 == n2: `_compute_prob_outside_square`, Hodges' alternating series evaluated Horner-style;
// - n1 != n2: `_compute_outer_prob_inside_method` (scipy/stats/_stats_pythran.py), the lattice-path
//   recursion of Hodges (1958) rewritten by Viehmann (arXiv:2102.08037) to carry 1 - p directly, which
//   keeps tiny p-values accurate.
// scipy's `_count_paths_outside_method` (the older "outside" count divided by binom(n1+n2, n1)) now serves
// only the one-sided alternatives, which this package does not offer, so it is not ported.
// No npm package computes this distribution, hence the hand-written code. The floating-point operations
// are done in scipy's order so that results agree to the last bits, including scipy's decision that an
// exact attempt failed (a result outside [0, 1]), after which ks_2samp falls back to the asymptotic
// distribution.

/** Proportion of lattice paths from (0,0) to (n,n) that leave the band |x - y| < h. */
export function probOutsideSquare(n: number, h: number): number {
  // P = 2 * A0 * (1 - A1 * (1 - A2 * (...))), each Ai a ratio of h-term products.
  let P = 0
  let k = Math.floor(n / h)
  while (k >= 0) {
    let p1 = 1
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1)
    P = p1 * (1 - P)
    k -= 1
  }
  return 2 * P
}

/**
 * Proportion of lattice paths from (0,0) to (m,n) that do not stay strictly inside
 * |x/m - y/n| < h/lcm(m,n), computed as 1 - p without cancellation. `g` is gcd(m, n).
 */
export function outerProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0)
  const n = Math.min(m0, n0)
  const mg = m / g
  const ng = n / g
  // A holds one column of the path-count table (as proportions), only the window [minj, maxj) of
  // rows that lie inside the band; rows outside count as 1 (the path has already left the band).
  let minj = 0
  let maxj = Math.min(Math.ceil(h / mg), n + 1)
  let curlen = maxj - minj
  const lenA = Math.min(2 * maxj + 2, n + 1)
  const A = new Float64Array(lenA).fill(1)
  for (let j = minj; j < maxj; j++) A[j] = 0
  for (let i = 1; i <= m; i++) {
    const lastminj = minj
    const lastlen = curlen
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0)
    minj = Math.min(minj, n)
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1)
    if (maxj <= minj) return 1
    let val = minj === 0 ? 0 : 1
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj
      const prev = A[jj + minj - lastminj]
      if (prev === undefined) throw new Error(`internal: KS exact window index ${jj + minj - lastminj} >= ${lenA}`)
      val = (prev * i + val * j) / (i + j)
      A[jj] = val
    }
    curlen = maxj - minj
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen))
  }
  return A[maxj - minj - 1] as number
}

/** Outcome of an exact attempt; `statistic` is d snapped to the lattice (h / lcm), as scipy returns it. */
export interface ExactAttempt {
  success: boolean
  statistic: number
  pValue: number
}

/** Greatest common divisor of two positive integers. */
export function gcd(a: number, b: number): number {
  let x = a
  let y = b
  while (y !== 0) {
    const t = x % y
    x = y
    y = t
  }
  return x
}

/**
 * Attempts the exact two-sided p-value for the two-sample statistic `d` with sample sizes n1, n2.
 *
 * @example
 * attemptExactTwoSample(2, 3, 0.6666666666666666) // { success: true, statistic: 0.666…, pValue: 0.6 }
 */
export function attemptExactTwoSample(n1: number, n2: number, d: number): ExactAttempt {
  const g = gcd(n1, n2)
  const lcm = (n1 / g) * n2
  const h = roundHalfEven(d * lcm)
  const statistic = (h * 1.0) / lcm
  if (h === 0) return { success: true, statistic, pValue: 1 }
  const prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h)
  if (!(prob >= 0 && prob <= 1)) return { success: false, statistic, pValue: prob }
  return { success: true, statistic, pValue: prob }
}
