import { quantileSorted } from '../shared/quantile.js'
import { assertInteger, assertNumbers } from '../shared/validate.js'

// Bin edges for binned drift statistics (PSI, Jensen-Shannon, the histogram KS fast path).
// - quantileEdges: reference quantiles at 0, 1/bins, ..., 1 (numpy's default 'linear' quantile),
//   duplicates dropped (a value that fills several quantiles makes one edge, as pandas qcut
//   duplicates='drop'), and by default the outer edges opened to -Infinity/+Infinity so that current
//   values outside the reference range land in the outer bins instead of being lost.
// - fixedEdges: equal-width edges, np.linspace(min, max, bins + 1) as np.histogram_bin_edges.
// - sturgesEdges: np.histogram_bin_edges(values, bins='sturges'), which Evidently uses for numeric
//   columns with more than 20 distinct reference values (evidently/legacy/calculations/stattests/
//   utils.py, get_binned_data, on reference and current concatenated).

function linspace(start: number, stop: number, num: number): number[] {
  // numpy: arange(num) * step + start, then the last value set to stop exactly
  const step = (stop - start) / (num - 1)
  const out = Array.from({ length: num }, (_, i) => i * step + start)
  out[num - 1] = stop
  return out
}

/**
 * Deduplicated reference quantile edges for `bins` equal-frequency bins.
 *
 * Conventions: NaN is ignored (missing values belong to no quantile; {@link binCounts} counts them
 * apart); infinities are a RangeError; fewer than `bins` bins result when values repeat (a constant
 * reference gives [-Infinity, v, +Infinity] with open ends: below v, and v or above). With
 * `openEnds: false` the edges run from the reference minimum to its maximum.
 *
 * @example
 * quantileEdges([1, 2, 3, 4, 5], 4) // [-Infinity, 2, 3, 4, Infinity]
 * quantileEdges([1, 2, 3, 4, 5], 4, { openEnds: false }) // [1, 2, 3, 4, 5]
 */
export function quantileEdges(reference: ArrayLike<number>, bins: number, options: { openEnds?: boolean } = {}): number[] {
  assertInteger(bins, 'bins', 1)
  const finite: number[] = []
  for (let i = 0; i < reference.length; i++) {
    const v = reference[i]
    if (typeof v === 'number' && Number.isNaN(v)) continue
    finite.push(v as number)
  }
  assertNumbers(finite, 'reference')
  if (finite.length === 0) throw new RangeError('reference must contain at least one non-NaN value')
  const sorted = Float64Array.from(finite).sort()
  const quantiles = Array.from({ length: bins + 1 }, (_, i) => quantileSorted(sorted, i / bins))
  const openEnds = options.openEnds ?? true
  const candidates = openEnds ? [-Infinity, ...quantiles.slice(1, -1), Infinity] : quantiles
  const edges: number[] = []
  for (const q of candidates) if (edges.length === 0 || q > (edges[edges.length - 1] as number)) edges.push(q)
  if (edges.length < 2) edges.push(edges[0] as number) // constant reference, closed ends: one bin [v, v]
  return edges
}

/**
 * `bins` equal-width edges from `min` to `max`, as np.histogram_bin_edges(range=(min, max)); when
 * min == max numpy widens the range to [min - 0.5, max + 0.5], and so do we.
 *
 * @example
 * fixedEdges(0, 1, 4) // [0, 0.25, 0.5, 0.75, 1]
 */
export function fixedEdges(min: number, max: number, bins: number): number[] {
  assertInteger(bins, 'bins', 1)
  assertNumbers([min, max], '[min, max]')
  if (min > max) throw new RangeError(`min (${min}) must be <= max (${max})`)
  const [first, last] = min === max ? [min - 0.5, max + 0.5] : [min, max]
  return linspace(first, last, bins + 1)
}

/**
 * Number of Sturges bins numpy uses for `values` (log2(n) + 1, rounded up through numpy's width).
 *
 * @example
 * sturgesEdges([0, 1, 2, 3, 4, 5, 6, 7]) // 4 bins: [0, 1.75, 3.5, 5.25, 7]
 */
export function sturgesEdges(values: ArrayLike<number>): number[] {
  const finite: number[] = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (!Number.isNaN(v)) finite.push(v)
  }
  assertNumbers(finite, 'values')
  if (finite.length === 0) throw new RangeError('values must contain at least one non-NaN value')
  let min = Infinity
  let max = -Infinity
  for (const v of finite) {
    if (v < min) min = v
    if (v > max) max = v
  }
  const [first, last] = min === max ? [min - 0.5, max + 0.5] : [min, max]
  // numpy: width = ptp(x) / (log2(n) + 1); bins = ceil((last - first) / width), 1 when width is 0.
  const width = (max - min) / (Math.log2(finite.length) + 1.0)
  const nBins = width ? Math.ceil((last - first) / width) : 1
  return linspace(first, last, nBins + 1)
}
