import { quoteIdentifier } from './identifiers.js'
import { ParamBag, type SqlQuery } from './params.js'
import { assertRows, countCell, countValue, type ResultRow } from './rows.js'
import { scopeClause, type PredictionScope } from './scope.js'

/** Default number of bins: the design measured D within 4e-5 of the exact KS statistic with it. */
export const DEFAULT_FINE_BINS = 4096
export const MAX_FINE_BINS = 1 << 20

/**
 * A uniform grid of `bins` bins over [lo, hi]: bin j holds x with floor((x − lo)·scale) = j,
 * scale = bins / (hi − lo), x = hi in the last bin; x < lo is underflow, x > hi overflow.
 * Both samples compared by KS or Wasserstein must be binned on the same grid.
 */
export interface FineGrid {
  readonly lo: number
  readonly hi: number
  readonly bins: number
  /** bins / (hi − lo); 0 when lo = hi (one point: every value in bin 0) or for one bin over a subnormal span (fineGrid). */
  readonly scale: number
}

export interface FineHistogram extends FineGrid {
  /** `bins` counts. */
  readonly counts: Float64Array
  readonly underflow: number
  readonly overflow: number
  readonly nan: number
  /** Rows of the window: counts + underflow + overflow + nan. */
  readonly total: number
}

/**
 * The grid over [lo, hi]; for two samples pass the smaller min and the larger max of their
 * {@link numericSummaryQuery} results so that nothing falls outside. The grid may hold fewer
 * bins than asked, only over a span too small for them (subnormal; see the code).
 *
 * @example
 * const grid = fineGrid(Math.min(ref.min, cur.min), Math.max(ref.max, cur.max)) // 4096 bins
 * @throws {RangeError} for non-finite or inverted bounds, a span that overflows, or a bin count
 *   that is not an integer in 1..MAX_FINE_BINS.
 */
export function fineGrid(lo: number, hi: number, bins: number = DEFAULT_FINE_BINS): FineGrid {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) throw new RangeError(`lo, hi: expected finite lo <= hi, got ${lo}, ${hi}`)
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_FINE_BINS) throw new RangeError(`bins: expected an integer in 1..${MAX_FINE_BINS}, got ${bins}`)
  const span = hi - lo
  if (!Number.isFinite(span)) throw new RangeError(`lo, hi: the span ${lo}..${hi} overflows a double`)
  if (span === 0) return { lo, hi, bins, scale: 0 }
  // A span this small (below bins / 1.8e308: subnormal ends) makes bins / span overflow to ∞, and
  // no bin can be computed from ∞. It keeps as many bins as a finite scale allows (the product's
  // rounding may cost one), and below ~5.6e−309 one bin, whose scale 0 puts all of [lo, hi] in it.
  let fit = Math.min(bins, Math.floor(span * Number.MAX_VALUE))
  if (fit >= 1 && !Number.isFinite(fit / span)) fit -= 1
  return fit < 1 ? { lo, hi, bins: 1, scale: 0 } : { lo, hi, bins: fit, scale: fit / span }
}

/**
 * The bin of `x` on `grid`, exactly as {@link fineHistogramQuery} computes it (the same IEEE-754
 * subtraction, product and floor; {@link fineBinExpression} says why its clamps give these bins), or
 * −1 (underflow), `bins` (overflow), −2 (NaN).
 *
 * @example
 * fineBinIndex(0.5, fineGrid(0, 1, 4)) // 2
 */
export function fineBinIndex(x: number, grid: FineGrid): number {
  if (Number.isNaN(x)) return -2
  if (x < grid.lo) return -1
  if (x > grid.hi) return grid.bins
  return Math.min(Math.floor((x - grid.lo) * grid.scale), grid.bins - 1)
}

/**
 * A fine histogram of a numeric column on a uniform grid, the input of the KS and Wasserstein
 * fast paths ({@link ksFromFineHistograms}, {@link wassersteinFromFineHistograms}): one scan and a
 * `GROUP BY` over at most bins + 3 keys, instead of ClickHouse's `kolmogorovSmirnovTest`, which
 * sorts both samples (9 s for 10 features over 10M rows in the design's measurements).
 * Only non-empty bins come back.
 *
 * @example
 * const grid = fineGrid(-6, 6)
 * const { query, params } = fineHistogramQuery({ scope, column: 'f:income:num', grid })
 * const hist = fineHistogramFromRows(rows, grid)
 */
export function fineHistogramQuery(options: { scope: PredictionScope; column: string; grid: FineGrid }): SqlQuery {
  const bag = new ParamBag()
  const query = `SELECT
  ${fineBinExpression(options.column, options.grid, bag)} AS bin,
  count() AS n
${scopeClause(options.scope, bag)}
GROUP BY bin
ORDER BY bin`
  return { query, params: bag.values }
}

/**
 * The bin of each row as {@link fineHistogramQuery} computes it (−2 NaN, −1 underflow, `bins`
 * overflow), for statements that count several columns' bins in one scan (column-profiles.ts).
 *
 * The same bins as {@link fineBinIndex}, written without its branches: a `multiIf` computes every
 * branch's column and then picks, and measured on bench/evaluator (5 columns, 5M rows per side) the
 * clamped sum below costs ~0.1 s less per scan. It equals fineBinIndex for every x:
 * - NaN: the `if`.
 * - lo ≤ x ≤ hi: x − lo ≥ 0, so the floor is ≥ 0 and the clamp is fineBinIndex's `min(…, bins − 1)`.
 * - x < lo: x − lo < 0 (a difference of distinct doubles is never 0), so the clamp gives 0 (also when
 *   the product underflows to −0), and − (x < lo) makes it −1; −∞ alike.
 * - x > hi: rounding is monotonic, so (x − lo)·scale ≥ (hi − lo)·scale ≥ bins·(1 − 2⁻⁵²) ≥ bins − 1:
 *   the clamp gives bins − 1, and + (x > hi) makes it `bins`; +∞ alike.
 * With scale 0 (lo = hi) the product is 0, or NaN for ±∞, so that grid takes the comparisons alone.
 * @throws {RangeError} as {@link fineGrid}.
 */
export function fineBinExpression(column: string, gridIn: FineGrid, bag: ParamBag): string {
  const grid = fineGrid(gridIn.lo, gridIn.hi, gridIn.bins)
  const x = quoteIdentifier(column)
  const lo = bag.float64('lo', grid.lo)
  const hi = bag.float64('hi', grid.hi)
  if (grid.scale === 0) return `if(isNaN(${x}), toInt32(-2), toInt32((${x} > ${hi}) * ${bag.bind('bins', 'Int32', grid.bins)} - (${x} < ${lo})))`
  const scale = bag.float64('scale', grid.scale)
  const last = bag.float64('last', grid.bins - 1)
  return `if(isNaN(${x}), toInt32(-2), toInt32(greatest(least(floor((${x} - ${lo}) * ${scale}), ${last}), 0.) + (${x} > ${hi}) - (${x} < ${lo})))`
}

/**
 * The histogram of the finite values only: ±∞ fall in the underflow and overflow cells of a grid
 * over the finite range, and the drift metrics compare finite values (as the exact path and
 * numpy/scipy on finite data do). When the cells hold exactly the infinities the summary counted,
 * they are emptied and the total reduced; otherwise (a finite value outside the grid) the histogram
 * is returned as it is, and the distances refuse it.
 *
 * @example
 * const finite = finiteValuesOnly(hist, { negInf: summary.negInf, posInf: summary.posInf })
 */
export function finiteValuesOnly(h: FineHistogram, infinities: { readonly negInf: number; readonly posInf: number }): FineHistogram {
  if (h.underflow !== infinities.negInf || h.overflow !== infinities.posInf || h.underflow + h.overflow === 0) return h
  return { ...h, underflow: 0, overflow: 0, total: h.total - h.underflow - h.overflow }
}

/**
 * Reads the rows of {@link fineHistogramQuery} into a {@link FineHistogram} on `grid`.
 *
 * @example
 * fineHistogramFromRows([{ bin: -2, n: '1' }, { bin: 0, n: '3' }], fineGrid(0, 1, 2)) // counts [3, 0], nan 1, total 4
 * @throws {TypeError} on rows of another shape or a bin outside −2..bins.
 */
export function fineHistogramFromRows(rows: readonly ResultRow[], grid: FineGrid): FineHistogram {
  const g = fineGrid(grid.lo, grid.hi, grid.bins)
  assertRows(rows, 'rows')
  const at = 'fineHistogramFromRows'
  const counts = new Float64Array(g.bins)
  let underflow = 0
  let overflow = 0
  let nan = 0
  let total = 0
  for (const row of rows) {
    const raw = row.bin
    const bin = typeof raw === 'string' ? Number(raw) : raw
    if (typeof bin !== 'number' || !Number.isInteger(bin) || bin < -2 || bin > g.bins) throw new TypeError(`${at}: bin ${JSON.stringify(raw)} is off the grid`)
    const n = countCell(row, 'n', at)
    total += n
    if (bin === -2) nan += n
    else if (bin === -1) underflow += n
    else if (bin === g.bins) overflow += n
    else counts[bin]! += n
  }
  return { ...g, counts, underflow, overflow, nan, total }
}

/**
 * The histogram from its bins + 3 cells in bin order, NaN (−2) first, underflow (−1), the bins,
 * overflow: what `countResample(-2, bins + 1, 1)` over {@link fineBinExpression} gives
 * (column-profiles.ts). Read in place: rows of (bin, n) for the 4099 cells of each of ten columns
 * cost the evaluator bench ~15 ms of allocation on its critical path.
 * @throws {TypeError} for another number of cells or a cell that is not a count.
 */
export function fineHistogramFromCells(cells: readonly unknown[], grid: FineGrid): FineHistogram {
  const g = fineGrid(grid.lo, grid.hi, grid.bins)
  const at = 'fineHistogramFromCells'
  if (!Array.isArray(cells) || cells.length !== g.bins + 3) throw new TypeError(`${at}: expected ${g.bins + 3} cells, got ${Array.isArray(cells) ? cells.length : typeof cells}`)
  const cell = (j: number) => countValue(cells[j], at, `cell ${j}`)
  const counts = new Float64Array(g.bins)
  let total = 0
  for (let j = 0; j < g.bins; j++) total += counts[j] = cell(j + 2)
  const nan = cell(0)
  const underflow = cell(1)
  const overflow = cell(g.bins + 2)
  return { ...g, counts, underflow, overflow, nan, total: total + nan + underflow + overflow }
}

/**
 * The same histogram from values in memory (what the query computes, bin for bin): for tests,
 * and for a reference sample held in memory that is compared with a window in the store.
 *
 * @example
 * fineHistogramOf(new Float64Array([0, 0.5, 1, NaN]), fineGrid(0, 1, 2)) // counts [1, 2], nan 1
 */
export function fineHistogramOf(values: ArrayLike<number>, grid: FineGrid): FineHistogram {
  const g = fineGrid(grid.lo, grid.hi, grid.bins)
  const counts = new Float64Array(g.bins)
  let underflow = 0
  let overflow = 0
  let nan = 0
  for (let i = 0; i < values.length; i++) {
    const bin = fineBinIndex(values[i]!, g)
    if (bin === -2) nan++
    else if (bin === -1) underflow++
    else if (bin === g.bins) overflow++
    else counts[bin]!++
  }
  return { ...g, counts, underflow, overflow, nan, total: values.length }
}
