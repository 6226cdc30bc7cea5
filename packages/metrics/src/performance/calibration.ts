// Expected calibration error with equal-width bins (Guo, Pleiss, Sun & Weinberger, "On Calibration of
// Modern Neural Networks", ICML 2017, eq. 3): ECE = Σ_m (|B_m| / n) · |acc(B_m) − conf(B_m)|.

import { positivePredicate, type BinaryLabelOptions, type Label } from './binary-labels.js'
import { assertNonEmptyArray, assertProbabilities, assertSameLength } from './validate.js'

/**
 * What is calibrated:
 * - `'top-label'` (Guo et al. 2017, the default): confidence is the probability of the predicted class,
 *   max(p, 1-p); accuracy is whether the predicted class occurred. The predicted class is the positive
 *   one when p > 0.5 and the negative one otherwise (at p = 0.5 the first column of [1-p, p] wins, as
 *   `argmax` does). Confidences lie in [0.5, 1], so with 10 bins only the upper five are used.
 * - `'positive-class'`: confidence is p itself and accuracy the fraction of positives in the bin — the
 *   reliability diagram of scikit-learn's `calibration_curve(strategy='uniform')`.
 */
export type CalibrationMode = 'top-label' | 'positive-class'

/** Options of {@link expectedCalibrationError} and {@link reliabilityBins}. */
export interface CalibrationOptions extends BinaryLabelOptions {
  /** Number of equal-width bins over [0, 1]; an integer ≥ 1, default 10. */
  bins?: number
  /** See {@link CalibrationMode}; default `'top-label'`. */
  mode?: CalibrationMode
}

/** One equal-width bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Lower edge (exclusive, except 0 for the first bin). */
  lower: number
  /** Upper edge (inclusive). */
  upper: number
  /** Predictions whose confidence falls in the bin. */
  count: number
  /** Mean confidence in the bin; null for an empty bin. */
  confidence: number | null
  /** Observed accuracy (top-label) or fraction of positives (positive-class); null for an empty bin. */
  accuracy: number | null
}

/**
 * Equal-width bins ((m−1)/M, m/M] for m = 1..M, the first one closed at 0 (Guo et al.'s I_m, and where
 * scikit-learn's calibration_curve puts values on an edge). Empty bins are kept, with null means.
 *
 * @example
 * reliabilityBins([1, 0], [0.9, 0.2], { bins: 2, mode: 'positive-class' })
 * // => [{ lower: 0, upper: 0.5, count: 1, confidence: 0.2, accuracy: 0 },
 * //     { lower: 0.5, upper: 1, count: 1, confidence: 0.9, accuracy: 1 }]
 */
export function reliabilityBins(
  yTrue: readonly Label[],
  yProb: readonly number[],
  options: CalibrationOptions = {},
): ReliabilityBin[] {
  assertNonEmptyArray(yTrue, 'yTrue')
  assertNonEmptyArray(yProb, 'yProb')
  assertSameLength(yTrue, 'yTrue', yProb, 'yProb')
  assertProbabilities(yProb, 'yProb')
  const m = options.bins ?? 10
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`bins must be an integer >= 1; got ${String(m)}`)
  const mode = options.mode ?? 'top-label'
  if (mode !== 'top-label' && mode !== 'positive-class') {
    throw new RangeError(`mode must be 'top-label' or 'positive-class'; got ${String(mode)}`)
  }
  const isPositive = positivePredicate(options)
  const count = new Array<number>(m).fill(0)
  const confidenceSum = new Array<number>(m).fill(0)
  const hitSum = new Array<number>(m).fill(0)
  for (let i = 0; i < yTrue.length; i++) {
    const p = yProb[i] as number
    const positive = isPositive(yTrue[i], 'yTrue', i)
    let confidence: number
    let hit: boolean
    if (mode === 'top-label') {
      const predictsPositive = p > 0.5
      confidence = predictsPositive ? p : 1 - p
      hit = predictsPositive === positive
    } else {
      confidence = p
      hit = positive
    }
    const b = binIndex(confidence, m)
    count[b] = (count[b] as number) + 1
    confidenceSum[b] = (confidenceSum[b] as number) + confidence
    if (hit) hitSum[b] = (hitSum[b] as number) + 1
  }
  const out: ReliabilityBin[] = []
  for (let b = 0; b < m; b++) {
    const n = count[b] as number
    out.push({
      lower: b / m,
      upper: (b + 1) / m,
      count: n,
      confidence: n === 0 ? null : (confidenceSum[b] as number) / n,
      accuracy: n === 0 ? null : (hitSum[b] as number) / n,
    })
  }
  return out
}

/**
 * Expected calibration error: count-weighted mean over equal-width bins of |accuracy − confidence|
 * (Guo et al. 2017). Empty bins weigh nothing. Default 10 bins, top-label mode (see
 * {@link CalibrationMode}). In [0, 1]; 0 is perfect calibration.
 *
 * @example
 * expectedCalibrationError([1, 1, 0, 1], [0.9, 0.8, 0.3, 0.6])
 * // confidences 0.9, 0.8, 0.7, 0.6, all correct: ECE = (0.1 + 0.2 + 0.3 + 0.4) / 4 = 0.25
 */
export function expectedCalibrationError(
  yTrue: readonly Label[],
  yProb: readonly number[],
  options: CalibrationOptions = {},
): number {
  const bins = reliabilityBins(yTrue, yProb, options)
  let total = 0
  let weighted = 0
  for (const bin of bins) {
    total += bin.count
    if (bin.count > 0) weighted += bin.count * Math.abs((bin.accuracy as number) - (bin.confidence as number))
  }
  return weighted / total
}

// Smallest m (0-based) with value <= (m + 1) / bins; edges are computed as k / bins, exactly as the
// bins report them, so a value equal to an edge goes to the bin below whatever the rounding of value*bins.
function binIndex(value: number, bins: number): number {
  let b = Math.min(bins - 1, Math.max(0, Math.ceil(value * bins) - 1))
  while (b > 0 && value <= b / bins) b--
  while (b < bins - 1 && value > (b + 1) / bins) b++
  return b
}
