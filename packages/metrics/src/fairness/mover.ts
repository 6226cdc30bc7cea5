// Intervals for a difference and a ratio of two independent proportions, built from each proportion's
// own Wilson interval by the method of variance estimates recovery (MOVER):
// - difference: Newcombe's hybrid score interval (method 10 of Newcombe, "Interval estimation for the
//   difference between independent proportions: comparison of eleven methods", Statistics in Medicine
//   17, 1998);
// - ratio: MOVER-R (Donner & Zou, "Closed-form confidence intervals for functions of the normal mean and
//   standard deviation", Statistical Methods in Medical Research 21, 2012; Zou & Donner 2008).
// Both reuse the Wilson limits already reported per group, so the disparity intervals agree with them.

import type { Interval } from './wilson.js'

/** A proportion with its confidence interval. */
export interface EstimateWithInterval {
  value: number
  interval: Interval
}

/**
 * Interval for a − b (Newcombe's method 10):
 * lower = d − sqrt((a − l_a)² + (u_b − b)²), upper = d + sqrt((u_a − a)² + (b − l_b)²), within [−1, 1].
 *
 * @example
 * // Newcombe (1998) example (a): 56/70 − 48/80 → 0.0524 to 0.3339
 * differenceInterval({ value: 0.8, interval: wilsonInterval(56, 70) }, { value: 0.6, interval: wilsonInterval(48, 80) })
 */
export function differenceInterval(a: EstimateWithInterval, b: EstimateWithInterval): Interval {
  const d = a.value - b.value
  const lower = d - Math.hypot(a.value - a.interval.lower, b.interval.upper - b.value)
  const upper = d + Math.hypot(a.interval.upper - a.value, b.value - b.interval.lower)
  return { lower: Math.max(-1, lower), upper: Math.min(1, upper) }
}

/**
 * Interval for a / b (MOVER-R). The limits are the roots of
 * (a − θ·b)² = (a − l_a)² + θ²(u_b − b)² (lower) and (a − θ·b)² = (u_a − a)² + θ²(b − l_b)² (upper)
 * that bracket a / b. Requires b > 0 with l_b > 0, which a Wilson interval gives whenever b has at
 * least one success; throws a RangeError otherwise (the ratio itself is undefined then).
 *
 * @example
 * ratioInterval({ value: 0.3, interval: wilsonInterval(30, 100) }, { value: 0.5, interval: wilsonInterval(50, 100) })
 * // => an interval around 0.6
 */
export function ratioInterval(a: EstimateWithInterval, b: EstimateWithInterval): Interval {
  if (!(b.value > 0 && b.interval.lower > 0)) {
    throw new RangeError('ratioInterval needs a denominator proportion above 0 with a lower limit above 0')
  }
  const ab = a.value * b.value
  // Lower root of A·θ² − 2ab·θ + C = 0 with A = u_b(2b − u_b), C = l_a(2a − l_a).
  const aLow = b.interval.upper * (2 * b.value - b.interval.upper)
  const cLow = a.interval.lower * (2 * a.value - a.interval.lower)
  const lower = aLow === 0 ? cLow / (2 * ab) : (ab - Math.sqrt(Math.max(0, ab * ab - aLow * cLow))) / aLow
  // Upper root of A'·θ² − 2ab·θ + C' = 0 with A' = l_b(2b − l_b) > 0, C' = u_a(2a − u_a).
  const aHigh = b.interval.lower * (2 * b.value - b.interval.lower)
  const cHigh = a.interval.upper * (2 * a.value - a.interval.upper)
  const upper = (ab + Math.sqrt(Math.max(0, ab * ab - aHigh * cHigh))) / aHigh
  return { lower: Math.max(0, a.value === 0 ? 0 : lower), upper }
}
