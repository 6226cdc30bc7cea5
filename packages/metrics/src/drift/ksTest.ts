import { assertNonEmptyArray, assertNumbers } from '../shared/validate.js'
import { attemptExactTwoSample, gcd } from './kolmogorov/exactTwoSample.js'
import { kstwoSf } from './kolmogorov/kstwo.js'
import { roundHalfEven } from '../shared/roundHalfEven.js'

// Two-sample Kolmogorov-Smirnov test, two-sided, as scipy.stats.ks_2samp(x, y, method='auto')
// (scipy/stats/_stats_py.py, ks_2samp): the statistic from right-continuous ECDFs evaluated at every
// observation (np.searchsorted(side='right'), which is what makes ties correct), an exact p-value when
// max(n1, n2) <= 10000 (MAX_AUTO_N), else the asymptotic one kstwo.sf(D, round(n1 n2 / (n1 + n2))).
// When an exact attempt fails (its result falls outside [0, 1]) scipy warns and uses the asymptotic
// p-value; so do we, and the result says so (`exactFailed`).

/** scipy's MAX_AUTO_N: 'auto' is exact when both samples have at most this many observations. */
export const KS_MAX_AUTO_N = 10000
const INT32_MAX = 2147483647

/** How the p-value was obtained. */
export type KsMethod = 'exact' | 'asymptotic'

/** `method` as scipy spells it: 'auto' (default), 'exact' or 'asymp'. */
export interface KsTestOptions {
  method?: 'auto' | 'exact' | 'asymp'
}

export interface KsPValue {
  /** D as used for the p-value: after an exact attempt, snapped to the lattice h/lcm(n1, n2) as scipy does. */
  statistic: number
  pValue: number
  method: KsMethod
  /** True when an exact computation was attempted and failed, so the asymptotic value was used. */
  exactFailed: boolean
}

export interface KsTestResult extends KsPValue {
  n1: number
  n2: number
  /** The observation (from x or y) at which the ECDF difference reaches D (scipy's statistic_location). */
  statisticLocation: number
  /** +1 when the ECDF of x exceeds that of y at statisticLocation, else -1 (scipy's statistic_sign). */
  statisticSign: 1 | -1
}

/** D, where it is reached and its sign, for two ascending samples (scipy's evaluation order). */
function statisticOfSorted(xs: Float64Array, ys: Float64Array): { d: number; location: number; sign: 1 | -1 } {
  const n1 = xs.length
  const n2 = ys.length
  let maxDiff = -Infinity
  let minDiff = Infinity
  let maxLoc = 0
  let minLoc = 0
  // scipy evaluates cdf1 - cdf2 at data_all = concat(sorted x, sorted y) and takes the first argmax /
  // argmin in that order; walking each sorted sample with two monotone pointers does the same in O(n).
  for (const sample of [xs, ys]) {
    let i = 0
    let j = 0
    for (let k = 0; k < sample.length; k++) {
      const v = sample[k] as number
      while (i < n1 && (xs[i] as number) <= v) i++
      while (j < n2 && (ys[j] as number) <= v) j++
      const diff = i / n1 - j / n2
      if (diff > maxDiff) {
        maxDiff = diff
        maxLoc = v
      }
      if (diff < minDiff) {
        minDiff = diff
        minLoc = v
      }
    }
  }
  const minS = Math.min(Math.max(-minDiff, 0), 1)
  if (minS > maxDiff) return { d: minS, location: minLoc, sign: -1 }
  return { d: maxDiff, location: maxLoc, sign: 1 }
}

/**
 * Two-sided p-value for a two-sample KS statistic `d` with sample sizes n1 and n2, with scipy's
 * method choice. Useful on its own for a statistic computed elsewhere (binned, or in ClickHouse).
 *
 * @example
 * ksPValue(0.6666666666666666, 2, 3) // { statistic: 0.666…, pValue: 0.6, method: 'exact', exactFailed: false }
 */
export function ksPValue(d: number, n1: number, n2: number, options: KsTestOptions = {}): KsPValue {
  if (!Number.isInteger(n1) || n1 < 1) throw new RangeError(`n1 must be a positive integer, got ${n1}`)
  if (!Number.isInteger(n2) || n2 < 1) throw new RangeError(`n2 must be a positive integer, got ${n2}`)
  if (!(d >= 0 && d <= 1)) throw new RangeError(`d must be in [0, 1], got ${d}`)
  const requested = options.method ?? 'auto'
  if (requested !== 'auto' && requested !== 'exact' && requested !== 'asymp') {
    throw new RangeError(`method must be 'auto', 'exact' or 'asymp', got ${String(requested)}`)
  }
  let mode: 'exact' | 'asymp'
  if (requested === 'auto') {
    mode = Math.max(n1, n2) <= KS_MAX_AUTO_N ? 'exact' : 'asymp'
  } else if (requested === 'exact') {
    const g = gcd(n1, n2)
    // scipy: when lcm(n1, n2) would not fit an int32, the exact method is not attempted.
    mode = n1 / g >= INT32_MAX / (n2 / g) ? 'asymp' : 'exact'
  } else {
    mode = 'asymp'
  }

  let statistic = d
  let exactFailed = false
  if (mode === 'exact') {
    const attempt = attemptExactTwoSample(n1, n2, d)
    statistic = attempt.statistic
    if (attempt.success) return { statistic, pValue: attempt.pValue, method: 'exact', exactFailed: false }
    exactFailed = true
  }
  const m = Math.max(n1, n2)
  const n = Math.min(n1, n2)
  const en = (m * n) / (m + n)
  // round(en) is 0 only for n1 = n2 = 1 with the asymptotic method forced (scipy would return NaN);
  // we use n = 1, the smallest valid Kolmogorov distribution, so that no NaN is ever returned.
  const effectiveN = Math.max(roundHalfEven(en), 1)
  const pValue = Math.min(Math.max(kstwoSf(statistic, effectiveN), 0), 1)
  return { statistic, pValue, method: 'asymptotic', exactFailed }
}

/**
 * Two-sample two-sided Kolmogorov-Smirnov test matching scipy.stats.ks_2samp(x, y) (method 'auto').
 *
 * Conventions: ties are handled through right-continuous ECDFs (as scipy); infinities are ordered like
 * any value; NaN is rejected with a TypeError (drop and count missing values first); samples of any
 * size >= 1 are accepted (scipy's rule: an empty sample is an error; n = 1 gives a valid, if
 * uninformative, exact p-value).
 *
 * @example
 * ksTest([0.99, 1.99], [1, 2, 3]) // { statistic: 0.666…, pValue: 0.6, method: 'exact', … }
 */
export function ksTest(x: ArrayLike<number>, y: ArrayLike<number>, options: KsTestOptions = {}): KsTestResult {
  assertNonEmptyArray(x, 'x')
  assertNonEmptyArray(y, 'y')
  assertNumbers(x, 'x', { allowInfinity: true })
  assertNumbers(y, 'y', { allowInfinity: true })
  const xs = Float64Array.from(x).sort()
  const ys = Float64Array.from(y).sort()
  const { d, location, sign } = statisticOfSorted(xs, ys)
  const p = ksPValue(d, xs.length, ys.length, options)
  return { ...p, n1: xs.length, n2: ys.length, statisticLocation: location, statisticSign: sign }
}
