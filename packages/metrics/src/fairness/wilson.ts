// Wilson score interval for a binomial proportion (Wilson, "Probable inference, the law of succession,
// and statistical inference", JASA 22, 1927; method 3 of Newcombe, "Two-sided confidence intervals for
// the single proportion: comparison of seven methods", Statistics in Medicine 17, 1998). Chosen over the
// Wald interval because it stays inside [0, 1] and keeps close to nominal coverage for small counts and
// rates near 0 or 1, which is where group sizes near the minimum put a fairness report.

import normalQuantile from '@stdlib/stats-base-dists-normal-quantile'

/** A two-sided confidence interval. */
export interface Interval {
  lower: number
  upper: number
}

/**
 * The standard normal quantile z with P(|Z| ≤ z) = confidence (1.959963984540054 for 0.95).
 *
 * @example
 * zForConfidence(0.95) // => 1.959963984540054
 */
export function zForConfidence(confidence: number): number {
  assertConfidence(confidence)
  return normalQuantile(1 - (1 - confidence) / 2, 0, 1)
}

/** Throws a RangeError unless 0 < confidence < 1. */
export function assertConfidence(confidence: number): void {
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be a number strictly between 0 and 1; got ${String(confidence)}`)
  }
}

/**
 * Wilson score interval for `successes` out of `trials`:
 * (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n). With 0 successes the lower limit is exactly 0,
 * with all successes the upper limit is exactly 1. `trials` must be an integer ≥ 1 (a zero denominator
 * has no interval: callers report it as undefined with a reason) and 0 ≤ successes ≤ trials.
 *
 * @example
 * wilsonInterval(81, 263) // => { lower: 0.25528..., upper: 0.36620... } (Newcombe 1998: 0.2553, 0.3662)
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  if (!Number.isInteger(trials) || trials < 1) {
    throw new RangeError(`trials must be an integer >= 1; got ${String(trials)}`)
  }
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`successes must be an integer in [0, trials]; got ${String(successes)} of ${trials}`)
  }
  const z = zForConfidence(confidence)
  const n = trials
  const p = successes / n
  const z2 = z * z
  const denominator = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denominator
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return {
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === trials ? 1 : Math.min(1, centre + half),
  }
}
