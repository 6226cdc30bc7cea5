import { ksPValue, ksStatisticFromHistograms } from '../drift/index.js'
import type { FineHistogram } from './fine-histogram.js'

/** A statistic read from binned data, with a rigorous bracket around the value on the raw data. */
export interface BoundedEstimate {
  /** The estimate. */
  readonly value: number
  /** The exact statistic on the unbinned values lies in [lower, upper]. */
  readonly lower: number
  readonly upper: number
  /** upper − lower: the largest possible error of `value`. */
  readonly maxError: number
}

/** The KS statistic from two fine histograms, with the sample sizes and the p-values it implies. */
export interface HistogramKs extends BoundedEstimate {
  /** Non-NaN values of each sample (NaN is missing: left out, as scipy's nan_policy='omit'). */
  readonly n1: number
  readonly n2: number
  /**
   * `ksPValue(value, n1, n2)` (scipy's 'auto' choice): the p-value of the lower end of the bracket,
   * so the largest p-value the data allows.
   */
  readonly pValue: number
  /** The p-value at `upper`: the smallest the data allows. The exact p-value lies in [pValueAtUpper, pValue]. */
  readonly pValueAtUpper: number
  /** The drift family's a-priori guarantee: maxError ≤ the largest mass both samples put in one bin. */
  readonly sharedMassBound: number
}

/**
 * The two-sample Kolmogorov-Smirnov statistic D = sup |F1 − F2| from two fine histograms on the
 * same grid, with a bound that holds for any data: the drift family's `ksStatisticFromHistograms`
 * on the cells [underflow, bins…, overflow] (NaN left out of both counts and totals).
 *
 * `value` (= `lower`) is max over bin boundaries of |F1 − F2|, where the empirical CDFs are known
 * exactly, so D ≥ value; inside a bin each CDF rises monotonically by that bin's mass, which gives
 * the sharp `upper`. The gap is at most the largest probability mass that both samples put in one
 * bin (≈ 1/4096 for a smooth distribution on 4096 bins, far less where the CDFs are flat); the
 * design measured D within 4e-5 of the exact statistic on 10M values. Underflow and overflow are
 * cells too, so the bracket holds on any grid (one that does not cover both samples only widens
 * it). Ties are exact: equal values share a bin. For small samples use the exact `ksTest` on the
 * values instead: its p-value is exact there, this one is bracketed.
 *
 * @example
 * const ks = ksFromFineHistograms(refHist, curHist) // { value, lower, upper, maxError, n1, n2, pValue, pValueAtUpper, sharedMassBound }
 * @throws {RangeError} when the grids differ or a sample has no non-NaN value.
 */
export function ksFromFineHistograms(a: FineHistogram, b: FineHistogram): HistogramKs {
  assertSameGrid(a, b)
  const n1 = a.total - a.nan
  const n2 = b.total - b.nan
  if (n1 <= 0 || n2 <= 0) throw new RangeError(`ksFromFineHistograms: each sample needs a non-NaN value (got ${n1} and ${n2})`)
  const binned = ksStatisticFromHistograms(cellsOf(a), cellsOf(b))
  return {
    value: binned.statistic,
    lower: binned.statistic,
    upper: binned.upperBound,
    maxError: binned.errorBound,
    sharedMassBound: binned.sharedMassBound,
    n1,
    n2,
    pValue: ksPValue(binned.statistic, n1, n2).pValue,
    pValueAtUpper: ksPValue(binned.upperBound, n1, n2).pValue,
  }
}

/** [underflow, bins…, overflow]: every non-NaN value in one cell. */
function cellsOf(h: FineHistogram): Float64Array {
  const cells = new Float64Array(h.bins + 2)
  cells[0] = h.underflow
  cells.set(h.counts, 1)
  cells[h.bins + 1] = h.overflow
  return cells
}

/**
 * The first Wasserstein distance ∫|F1 − F2| dx from two fine histograms on the same grid, with a
 * bracket that holds for any data.
 *
 * `value` takes each CDF as linear inside a bin (values spread evenly) and integrates |F1 − F2|
 * exactly under that assumption. Over bin j of width w, F1 and F2 stay between their values at
 * the bin's boundaries, so |F1 − F2| there lies between the distance of those two ranges
 * (`lower`) and the largest corner difference (`upper`), each times w; summed over the bins. The
 * gap is at most w·(mass1 + mass2) per bin, so **maxError ≤ 2·(hi − lo)/bins** always (0.05% of
 * the range on 4096 bins); for the normed distance divide by the reference standard deviation
 * (the design measured ≤ 0.002 off the exact normed value on 10M values).
 *
 * @example
 * const w = wassersteinFromFineHistograms(refHist, curHist)
 * const normed = w.value / referenceSummary.std
 * @throws {RangeError} when the grids differ, a sample has no non-NaN value, or a value fell
 *   outside the grid (underflow/overflow have no width: build the grid from both samples' range).
 */
export function wassersteinFromFineHistograms(a: FineHistogram, b: FineHistogram): BoundedEstimate {
  assertSameGrid(a, b)
  const n1 = a.total - a.nan
  const n2 = b.total - b.nan
  if (n1 <= 0 || n2 <= 0) throw new RangeError(`wassersteinFromFineHistograms: each sample needs a non-NaN value (got ${n1} and ${n2})`)
  if (a.underflow + a.overflow + b.underflow + b.overflow > 0) {
    throw new RangeError('wassersteinFromFineHistograms: values fell outside the grid; build it from the min and max of both samples')
  }
  const width = (a.hi - a.lo) / a.bins
  let c1 = 0
  let c2 = 0
  let value = 0
  let lower = 0
  let upper = 0
  for (let j = 0; j < a.bins; j++) {
    const l1 = c1 / n1
    const l2 = c2 / n2
    c1 += a.counts[j]!
    c2 += b.counts[j]!
    const r1 = c1 / n1
    const r2 = c2 / n2
    const dl = l1 - l2
    const dr = r1 - r2
    // ∫ over the bin of |linear from dl to dr|: a trapezoid, or two triangles when it changes sign.
    value += dl * dr >= 0 ? (Math.abs(dl) + Math.abs(dr)) / 2 : (dl * dl + dr * dr) / (2 * (Math.abs(dl) + Math.abs(dr)))
    upper += Math.max(Math.abs(r1 - l2), Math.abs(l1 - r2))
    lower += Math.max(0, l2 - r1, l1 - r2)
  }
  return { value: value * width, lower: lower * width, upper: upper * width, maxError: (upper - lower) * width }
}

function assertSameGrid(a: FineHistogram, b: FineHistogram): void {
  if (a.lo !== b.lo || a.hi !== b.hi || a.bins !== b.bins || a.scale !== b.scale) {
    throw new RangeError(`histograms: expected the same grid, got [${a.lo}, ${a.hi}]/${a.bins} and [${b.lo}, ${b.hi}]/${b.bins}`)
  }
}
