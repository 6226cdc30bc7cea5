import { binCountsFromRows, type SqlBinCounts } from './bin-counts.js'
import { quoteIdentifier } from './identifiers.js'
import type { ParamBag } from './params.js'
import { assertRows, countCell, type ResultRow } from './rows.js'

/**
 * Exact quantiles without collecting a column: a scan counts the values below a few narrow runs of
 * values and collects only the values inside them; when the order statistics a quantile needs fall
 * inside the runs, they are read from the collected values, exactly.
 *
 * Why: `quantilesExactInclusive` gathers every value of the window into one array and selects on
 * one thread; on the evaluator's bench (5M rows, five features, nine levels) that was ~1.1 s alone
 * and ~2 s beside the other side's scan. Runs placed from a histogram the store already keeps (the
 * hourly feature rollup: 0.2 % buckets) hold a few thousand values each, and the same scan counts
 * them (BENCHMARKS.md, bench/evaluator). The runs only have to be right, not exact: when an order
 * statistic falls outside them (the histogram counted a retried event twice, or missed rows), the
 * reader says so (null) and the caller asks the engine for the exact quantile instead. Nothing here
 * is estimated.
 */

/** A run of values from `lo` to `hi`, each end open or closed; finite bounds. */
export interface ValueRun {
  readonly lo: number
  readonly hi: number
  readonly loOpen: boolean
  readonly hiOpen: boolean
  /**
   * false: count the run's values instead of collecting them (a run of one heavily repeated value,
   * such as an integer feature's): it resolves when they all equal one of its ends.
   */
  readonly collect?: boolean | undefined
}

/** Most runs per column (each is one `countIf` and one condition per row). */
export const MAX_VALUE_RUNS = 64

/** What a bracket scan returns for one column, with its runs. */
export interface BracketedValues {
  readonly runs: readonly ValueRun[]
  /** Finite values of the window. */
  readonly finite: number
  readonly negativeInfinite: number
  readonly nan: number
  /** Rows of the window. */
  readonly total: number
  /** Per run: the non-NaN values (−∞ included) below it. */
  readonly below: readonly number[]
  /** Per run: its values, ascending (empty for a run not collected). */
  readonly values: readonly (readonly number[])[]
  /**
   * Per run not collected: its count, and min = max = the one value all its values equal (an end of
   * the run), NaN when they are not all equal to an end (null for collected runs).
   */
  readonly stats: readonly ({ readonly count: number; readonly min: number; readonly max: number } | null)[]
}

/**
 * The aggregates of a bracket scan of one numeric column (Float64, NaN = missing), aliases prefixed
 * with `prefix`: counts of finite, −∞ and NaN values, per run the values below it, and the values
 * inside the runs as one sorted array (split by {@link bracketedValuesFromRow}).
 * @throws {RangeError} for no run, too many, non-finite bounds, or runs not ascending and disjoint.
 */
export function quantileBracketItems(column: string, runsIn: readonly ValueRun[], bag: ParamBag, prefix = ''): string[] {
  const runs = checkRuns(runsIn)
  const x = quoteIdentifier(column)
  const items = [`countIf(isFinite(${x})) AS ${prefix}finite`, `countIf(${x} = -inf) AS ${prefix}neg_inf`, `countIf(isNaN(${x})) AS ${prefix}nan`]
  const inside: string[] = []
  runs.forEach((run, i) => {
    const lo = bag.float64(`run_lo_${i}`, run.lo)
    const hi = bag.float64(`run_hi_${i}`, run.hi)
    const below = `${x} ${run.loOpen ? '<=' : '<'} ${lo}`
    items.push(`countIf(${below}) AS ${prefix}below_${i}`)
    // NOT of the same comparison rather than its converse: the engine computes an expression written
    // alike once per block, so the run's lower test costs a negation instead of a second comparison
    // (the converse of `x < lo` is `x >= lo` but for NaN, which the run's upper test leaves out).
    const fromLo = `NOT (${below})`
    const toHi = `${x} ${run.hiOpen ? '<' : '<='} ${hi}`
    if (run.collect === false) {
      // Counts only, one comparison each (measured: a minIf/maxIf pair per run cost ~20 ms per 5M
      // rows, a countIf ~1.5 ms): the run's count is (values up to hi) − below, and it resolves when
      // all of them equal one of its ends (a repeated value is its own rollup key, which is an end).
      items.push(`countIf(${toHi}) AS ${prefix}upto_${i}`, `countIf(${x} = ${lo}) AS ${prefix}at_lo_${i}`, `countIf(${x} = ${hi}) AS ${prefix}at_hi_${i}`)
    } else inside.push(`(${fromLo} AND ${toHi})`)
  })
  items.push(`arraySort(groupArrayIf(${x}, ${inside.length ? inside.join(' OR ') : '0'})) AS ${prefix}values`)
  return items
}

/**
 * Reads the aggregates of {@link quantileBracketItems} from a row whose aliases have the prefix
 * removed, plus `total`.
 * @throws {TypeError} when the row lacks a count or the values array.
 */
export function bracketedValuesFromRow(row: ResultRow, runsIn: readonly ValueRun[]): BracketedValues {
  const runs = checkRuns(runsIn)
  assertRows([row], 'row')
  const where = 'bracketedValuesFromRow'
  const all = row['values']
  if (!Array.isArray(all)) throw new TypeError(`${where}: column values is not an array`)
  const sorted = all.map(Number)
  for (let i = 1; i < sorted.length; i++) if (!(sorted[i - 1]! <= sorted[i]!)) throw new TypeError(`${where}: column values is not ascending at ${i}`)
  // Each run's values are a slice of the ascending array: two binary searches per run instead of a
  // pass over all values per run (~30 ms of the evaluator bench's critical path, 9 runs × 5 columns).
  const values = runs.map((run) => (run.collect === false ? [] : sorted.slice(firstWhere(sorted, (v) => !belowRun(run, v)), firstWhere(sorted, (v) => !atMostHi(run, v)))))
  const below = runs.map((_, i) => countCell(row, `below_${i}`, where))
  const stats = runs.map((run, i) => {
    if (run.collect !== false) return null
    const count = countCell(row, `upto_${i}`, where) - below[i]!
    // Every value of the run equal to one end (counted inside the run: an open end counts nothing):
    // min = max = that end. Otherwise the run's values are not known (NaN): the reader says so.
    const atLo = run.loOpen ? 0 : countCell(row, `at_lo_${i}`, where)
    const atHi = run.hiOpen ? 0 : countCell(row, `at_hi_${i}`, where)
    const value = count > 0 && atLo === count ? run.lo : count > 0 && atHi === count ? run.hi : NaN
    return { count, min: value, max: value }
  })
  return {
    runs,
    finite: countCell(row, 'finite', where),
    negativeInfinite: countCell(row, 'neg_inf', where),
    nan: countCell(row, 'nan', where),
    total: countCell(row, 'total', where),
    below,
    values,
    stats,
  }
}

/**
 * The finite value of 1-based rank `rank` among the finite values (ascending), or null when it
 * lies outside every run.
 */
export function orderStatistic(b: BracketedValues, rank: number): number | null {
  // Ranks among the non-NaN values: the −∞ values come first.
  const r = rank + b.negativeInfinite
  for (let i = 0; i < b.runs.length; i++) {
    const offset = r - b.below[i]! - 1
    const stats = b.stats[i]
    if (offset >= 0 && offset < (stats ? stats.count : b.values[i]!.length)) {
      if (!stats) return b.values[i]![offset]!
      return stats.min === stats.max ? stats.min : null
    }
  }
  return null
}

/**
 * ClickHouse's `quantilesExactInclusive` of the finite values at `levels` (numpy's linear
 * quantiles, with clickHouseQuantileExactInclusive's arithmetic), or null when an order
 * statistic it needs lies outside the runs. NaN for every level when there is no finite value.
 */
export function bracketedQuantiles(b: BracketedValues, levels: readonly number[]): number[] | null {
  const n = b.finite
  if (n === 0) return levels.map(() => NaN)
  const out: number[] = []
  for (const level of levels) {
    // clickHouseQuantileExactInclusive's arithmetic, on the two order statistics it reads.
    const h = level * (n - 1) + 1
    const k = Math.floor(h)
    const rankLow = k >= n ? n : k < 1 ? 1 : k
    const lower = orderStatistic(b, rankLow)
    if (lower === null) return null
    if (k >= n || k < 1) {
      out.push(lower)
      continue
    }
    const upper = orderStatistic(b, k + 1)
    if (upper === null) return null
    out.push(lower + (h - k) * (upper - lower))
  }
  return out
}

/**
 * Non-NaN values below `e` (−∞ included, +∞ never), or null when that count is not known from the
 * runs: `e` must lie inside a run, or in a gap that holds no value (between two consecutive
 * order statistics found in different runs).
 */
export function bracketedCountBelow(b: BracketedValues, e: number): number | null {
  for (let i = 0; i < b.runs.length; i++) {
    const run = b.runs[i]!
    if (inRun(run, e)) {
      const stats = b.stats[i]
      if (!stats) return b.below[i]! + countLess(b.values[i]!, e)
      if (stats.count === 0 || e <= stats.min) return b.below[i]!
      return e > stats.max ? b.below[i]! + stats.count : null
    }
    if (belowRun(run, e)) {
      // e lies before run i, after run i − 1: known when nothing lies between them, i.e. when the
      // values below run i are exactly those up to the end of run i − 1.
      if (i === 0) return null
      const stats = b.stats[i - 1]
      const previousEnd = b.below[i - 1]! + (stats ? stats.count : b.values[i - 1]!.length)
      const last = stats ? (stats.count > 0 ? stats.max : undefined) : b.values[i - 1]![b.values[i - 1]!.length - 1]
      return previousEnd === b.below[i]! && last !== undefined && last < e ? b.below[i]! : null
    }
  }
  return null
}

/**
 * The counts {@link binCountsFromRows} would read from `binCountsQuery` on the same rows against
 * `edges` (finite inner edges, open outer edges −∞ and +∞), or null when an inner edge's count is not
 * known from the runs.
 */
export function bracketedBinCounts(b: BracketedValues, edges: readonly number[]): SqlBinCounts | null {
  const nonNaN = b.total - b.nan
  const k = edges.length - 1
  const row: Record<string, number> = { nan: b.nan, total: b.total }
  for (let i = 0; i < k; i++) {
    const e = edges[i]!
    if (e === -Infinity) row[`ge_${i}`] = nonNaN
    else {
      const less = Number.isFinite(e) ? bracketedCountBelow(b, e) : null
      if (less === null) return null
      row[`ge_${i}`] = nonNaN - less
    }
  }
  if (edges[k] !== Infinity) return null
  row[`gt_${k}`] = 0
  return binCountsFromRows([row], edges)
}

/** A bucket of a histogram that places the runs: its values' range and how many it holds. */
export interface CountedRun extends ValueRun {
  readonly count: number
}

/**
 * Runs around the finite order statistics that ClickHouse's inclusive quantiles at `levels` read,
 * placed from an ascending histogram of disjoint finite buckets (`count` values each): for each
 * level the buckets holding ranks k − slack … k + 1 + slack by the histogram, adjacent buckets
 * merged into one run. The histogram need not be exact: `slack` absorbs small differences, and the
 * reader checks every rank it uses.
 * @returns the runs, or null when they would hold more than `maxValues` values by the histogram
 *   (a heavy tie or a coarse bucket: the caller reads exact quantiles instead), or there are none.
 */
export function runsForQuantiles(buckets: readonly CountedRun[], levels: readonly number[], slack: number, maxValues: number, heavy = 8192): ValueRun[] | null {
  const n = buckets.reduce((s, b) => s + b.count, 0)
  if (n === 0 || levels.length === 0) return null
  const cumulative: number[] = []
  let c = 0
  for (const b of buckets) cumulative.push((c += b.count))
  const picked = new Set<number>()
  const bucketOfRank = (rank: number) => {
    const r = Math.min(Math.max(rank, 1), n)
    let lo = 0
    let hi = buckets.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! >= r) hi = mid
      else lo = mid + 1
    }
    return lo
  }
  for (const level of levels) {
    const k = Math.floor(level * (n - 1) + 1)
    for (let i = bucketOfRank(k - slack); i <= bucketOfRank(k + 1 + slack); i++) picked.add(i)
  }
  const indexes = [...picked].sort((a, b) => a - b)
  // A bucket with more than `heavy` values is a run of its own, counted with its min and max instead
  // of collected (an integer feature's value repeated 200k times); lighter neighbours are merged.
  const isHeavy = (i: number) => buckets[i]!.count > heavy
  const runs: ValueRun[] = []
  let held = 0
  let start = indexes[0]!
  for (let j = 0; j < indexes.length; j++) {
    const i = indexes[j]!
    if (!isHeavy(i)) held += buckets[i]!.count
    const next = indexes[j + 1]
    if (next !== i + 1 || isHeavy(i) || isHeavy(next)) {
      const first = buckets[start]!
      const last = buckets[i]!
      // A run's bounds are finite: a bucket given open at ±∞ (the store's decoding ends the outermost
      // keys' buckets at ±MAX_VALUE, closed; another source may not) holds the finite values up to
      // ±MAX_VALUE.
      const lo = first.lo === -Infinity ? { lo: -Number.MAX_VALUE, loOpen: false } : { lo: first.lo, loOpen: first.loOpen }
      const hi = last.hi === Infinity ? { hi: Number.MAX_VALUE, hiOpen: false } : { hi: last.hi, hiOpen: last.hiOpen }
      runs.push({ ...lo, ...hi, ...(isHeavy(i) ? { collect: false } : {}) })
      start = next!
    }
  }
  if (held > maxValues || runs.length > MAX_VALUE_RUNS) return null
  return runs
}

function inRun(run: ValueRun, v: number): boolean {
  return (run.loOpen ? v > run.lo : v >= run.lo) && (run.hiOpen ? v < run.hi : v <= run.hi)
}

function belowRun(run: ValueRun, v: number): boolean {
  return run.loOpen ? v <= run.lo : v < run.lo
}

function atMostHi(run: ValueRun, v: number): boolean {
  return run.hiOpen ? v < run.hi : v <= run.hi
}

/** The first index of an ascending array from which `past` holds (it must hold from there on), by binary search. */
function firstWhere(sorted: readonly number[], past: (v: number) => boolean): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (past(sorted[mid]!)) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** Values of an ascending array below e (binary search). */
function countLess(sorted: readonly number[], e: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid]! < e) lo = mid + 1
    else hi = mid
  }
  return lo
}

function checkRuns(runs: readonly ValueRun[]): readonly ValueRun[] {
  if (!Array.isArray(runs) || runs.length === 0 || runs.length > MAX_VALUE_RUNS) throw new RangeError(`runs: expected 1 to ${MAX_VALUE_RUNS} runs`)
  runs.forEach((run, i) => {
    if (!Number.isFinite(run?.lo) || !Number.isFinite(run?.hi) || !(run.lo <= run.hi)) throw new RangeError(`runs[${i}]: expected finite bounds lo ≤ hi`)
    const previous = runs[i - 1]
    if (previous && !(previous.hi < run.lo || (previous.hi === run.lo && (previous.hiOpen || run.loOpen)))) throw new RangeError(`runs[${i}]: runs must be ascending and disjoint`)
  })
  return runs
}
