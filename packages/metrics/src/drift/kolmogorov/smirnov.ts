import binomcoefln from '@stdlib/math-base-special-binomcoefln'

// One-sided Smirnov survival function, P(D_n^+ >= x), as scipy.special.smirnov(n, x) (xsf's
// cephes/kolmogorov.h, `_smirnov`). No npm package has it, hence this file. We follow xsf's branches:
// x <= 1/n and x >= 1 - 1/n closed forms, an underflow cut-off, the approximation
// exp(-(6nx+1)^2 / 18n) above SMIRNOV_MAX_COMPUTE_N, and otherwise the Birnbaum-Tingey sum
//   P = x * sum_{v=0}^{floor(n(1-x))} C(n,v) (1-x-v/n)^(n-v) (x+v/n)^(v-1)
// whose terms are all positive, so evaluating each term in log space in double precision loses
// nothing that matters (xsf uses double-double for the last bits and for the density; we only need
// the survival function, to ~1e-13 relative).

const SMIRNOV_MAX_COMPUTE_N = 1_000_000
const MINLOG = -7.451332191019412076235e2 // log(2^-1075), cephes/xsf MINLOG
const EPSILON = Number.EPSILON

/**
 * P(D_n^+ >= x) for the one-sided one-sample Kolmogorov-Smirnov statistic.
 *
 * @example
 * smirnovSf(5, 0.5) // 0.056 (scipy.special.smirnov(5, 0.5))
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0) || !Number.isInteger(n)) throw new RangeError(`n must be a positive integer, got ${n}`)
  if (!(x >= 0 && x <= 1)) throw new RangeError(`x must be in [0, 1], got ${x}`)
  if (n === 1) return x === 0 ? 1 : 1 - x
  if (x === 0) return 1
  if (x === 1) return 0

  const nx = n * x
  let nxfl = Math.floor(nx)
  let alpha = nx - nxfl
  if (alpha === 1) {
    nxfl += 1
    alpha = 0
  }
  // x <= 1/n: the sum has a closed form, sf = 1 - x (1+x)^(n-1).
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    return 1 - x * Math.pow(1 + x, n - 1)
  }
  if (-2 * n * x * x < MINLOG) return 0
  // x >= 1 - 1/n: only the first term survives.
  if (nxfl >= n - 1) return Math.pow(1 - x, n)
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n
    if (logp < -Math.LN2) return Math.exp(logp)
    return 1 - -Math.expm1(logp)
  }

  // Number of terms: v = 0 .. floor(n(1-x)), leaving out the last one when n(1-x) is an integer
  // (its factor (1-x-v/n)^(n-v) is exactly 0).
  let lastV = n - nxfl - (alpha === 0 ? 0 : 1)
  if (alpha === 0) lastV -= 1
  const nTerms = lastV + 1
  const vmid = Math.floor(n / 2)
  let sum = Math.exp(n * Math.log1p(-x)) / x // v = 0: (1-x)^n / x
  let logC = 0 // log C(n, v), updated by the ratio (n-v+1)/v and re-anchored every 512 terms
  for (let v = 1; v < nTerms; v++) {
    logC = v % 512 === 1 ? binomcoefln(n, v) : logC + Math.log((n - v + 1) / v)
    const t2x = (n - v) / n - x // 1 - x - v/n
    const t1x = v / n + x // x + v/n
    const logTerm = logC + (n - v) * Math.log(t2x) + (v - 1) * Math.log(t1x)
    const term = Math.exp(logTerm)
    if (Number.isFinite(term) && term !== 0) sum += term
    // Stop once the remaining terms cannot change the sum (the same test as xsf).
    if (term !== 0) {
      if (4 * (nTerms - v) * Math.abs(term) < EPSILON * sum && v !== nTerms - 1) break
    } else if (v > vmid) {
      break
    }
  }
  const sf = x * sum
  return Math.min(Math.max(sf, 0), 1)
}
