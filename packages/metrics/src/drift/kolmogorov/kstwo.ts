import { durbinMatrixCdf } from './durbinMatrix.js'
import { pelzGoodCdf } from './pelzGood.js'
import { pomeranzCdf } from './pomeranz.js'
import { smirnovSf } from './smirnov.js'

// Survival function of the two-sided one-sample KS statistic D_n, P(D_n >= x), as
// scipy.stats.kstwo.sf(x, n), which is `_kolmogn(n, x, cdf=False)` in scipy/stats/_ksstats.py: the
// choice among exact and asymptotic methods of Simard & L'Ecuyer (2011). ks_2samp's asymptotic
// p-value is kstwo.sf(D, round(n1*n2/(n1+n2))). We keep scipy's branches and cut-offs one for one so
// that the same method answers the same input.

const clip = (p: number): number => Math.min(Math.max(p, 0), 1)

// log(n!/n^n) by Stirling's series with n log n removed up front (scipy `_log_nfactorial_div_n_pow_n`).
const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
  -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
]
function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n
  const y = rn / n
  let poly = 0
  for (const c of STIRLING_COEFFS) poly = poly * y + c
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly
}

/**
 * P(D_n >= x) for the two-sided one-sample Kolmogorov-Smirnov statistic with sample size n.
 *
 * @example
 * kstwoSf(0.005118181818181819, 5238) // 0.99906601... (scipy.stats.kstwo.sf)
 */
export function kstwoSf(x: number, n: number): number {
  if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`n must be a positive integer, got ${n}`)
  if (Number.isNaN(x)) throw new TypeError('x must be a number, got NaN')
  if (x >= 1) return 0
  if (x <= 0) return 1
  const t = n * x
  if (t <= 1) {
    // Ruben-Gambino: for 1/(2n) <= x <= 1/n, P(D_n <= x) = n!/n^n (2t-1)^n.
    if (t <= 0.5) return 1
    let prob: number
    if (n <= 140) {
      prob = 1
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1)
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1))
    }
    return clip(1 - prob)
  }
  if (t >= n - 1) return clip(2 * Math.pow(1 - x, n)) // Ruben-Gambino upper end
  if (x >= 0.5) return clip(2 * smirnovSf(n, x)) // the one-sided events are disjoint here: exact

  const nxsquared = t * x
  if (n <= 140) {
    if (nxsquared <= 0.754693) return clip(1 - durbinMatrixCdf(n, x))
    if (nxsquared <= 4) return clip(1 - pomeranzCdf(n, x))
    return clip(2 * smirnovSf(n, x))
  }
  if (nxsquared >= 370) return 0
  if (nxsquared >= 2.2) return clip(2 * smirnovSf(n, x))
  let cdf: number
  if (nxsquared >= 18) cdf = 1
  else if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) cdf = durbinMatrixCdf(n, x)
  else cdf = pelzGoodCdf(n, x)
  return clip(1 - cdf)
}
