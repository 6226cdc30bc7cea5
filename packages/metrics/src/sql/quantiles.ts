import { quoteIdentifier } from './identifiers.js'
import { ParamBag, type SqlQuery } from './params.js'
import { countCell, floatCell, type ResultRow, singleRow } from './rows.js'
import { scopeClause, type PredictionScope } from './scope.js'

/** Most levels in one query. */
export const MAX_QUANTILE_LEVELS = 1001

/**
 * Which ClickHouse quantile:
 * - `'exact'`: `quantilesExact`, the element at 0-based index `floor(q·n)` of the sorted values
 *   (`n − 1` for q = 1); no interpolation, so the result is always one of the values. Sorts the
 *   whole column in memory: ~0.7 s for 19 levels over 10M rows here.
 * - `'exactInclusive'`: `quantilesExactInclusive`, linear interpolation at h = q·(n − 1): the
 *   definition of numpy's default `percentile(method='linear')` (R7), computed as
 *   `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`. numpy's lerp, which interpolates from the
 *   nearer end, may differ by about u·|x[⌊h⌋+1] − x[⌊h⌋]| (u = 2^−53): the last bit of the
 *   difference, not of the result (between −6.66 and 5.21, near 0: 4e6 ulps of the result).
 * - `'approximate'`: `quantiles`, ClickHouse's reservoir sampler (8192 values, random beyond),
 *   interpolated like 'exactInclusive' over the sample. Exact while n ≤ 8192; beyond, the rank
 *   of the answer is off by a random error of standard deviation about √(q(1−q)/8192), at most
 *   0.55% of n at the median, and the result changes between runs. ~6× faster than 'exact'.
 */
export type QuantileMethod = 'exact' | 'exactInclusive' | 'approximate'

const FUNCTIONS: Record<QuantileMethod, string> = {
  exact: 'quantilesExactIf',
  exactInclusive: 'quantilesExactInclusiveIf',
  approximate: 'quantilesIf',
}

export interface Quantiles {
  readonly levels: readonly number[]
  /** One value per level; NaN for every level when no finite value was in the window. */
  readonly values: number[]
  /** Finite values the quantiles were taken over. */
  readonly count: number
  /** NaN (missing) values, left out. */
  readonly nan: number
  /** ±Infinity values, left out (JSON cannot carry them apart from NaN). */
  readonly infinite: number
}

/**
 * Quantiles of a numeric column over its finite values, e.g. the reference edges of PSI bins.
 *
 * Levels are bound as Float64 parameters (an aggregate function's parameters must be constants, so
 * they cannot go through the bit-exact reinterpretation the edges use): short decimals such as
 * 0.05 reach the engine exactly; a 17-digit level on a server with `precise_float_parsing = 0`
 * could be an ulp off, which moves `floor(q·n)` only when q·n is within an ulp of an integer.
 *
 * @example
 * const levels = Array.from({ length: 19 }, (_, i) => (i + 1) / 20)
 * const { query, params } = quantilesQuery({ scope, column: 'f:income:num', levels, method: 'exact' })
 * const { values } = quantilesFromRows(rows, levels) // 19 reference edges
 * @throws {RangeError} for no levels, too many, or a level outside [0, 1]; an unknown method.
 */
export function quantilesQuery(options: { scope: PredictionScope; column: string; levels: readonly number[]; method?: QuantileMethod }): SqlQuery {
  const bag = new ParamBag()
  const query = `SELECT
  ${quantileItems(options.column, options.levels, options.method, bag).join(',\n  ')}
${scopeClause(options.scope, bag)}`
  return { query, params: bag.values }
}

/**
 * The aggregates of {@link quantilesQuery}, aliases prefixed with `prefix` (several columns in one
 * scan: column-profiles.ts).
 * @throws {RangeError} as {@link quantilesQuery}.
 */
export function quantileItems(column: string, levels: readonly number[], method: QuantileMethod = 'exact', bag: ParamBag, prefix = ''): string[] {
  checkLevels(levels)
  const fn = FUNCTIONS[method]
  if (!fn) throw new RangeError(`method: expected 'exact', 'exactInclusive' or 'approximate', got ${JSON.stringify(method)}`)
  const x = quoteIdentifier(column)
  const params = levels.map((q, i) => bag.bind(`level_${i}`, 'Float64', q)).join(', ')
  // As text: an interpolation between finite values more than the largest double apart overflows
  // (quantilesExactInclusive of [−1.7e308, 1.7e308]: nan at 0, inf at 0.5, as
  // clickHouseQuantileExactInclusive), and JSON writes nan and ±inf alike as null. The text is the
  // shortest round-trip form, so finite values arrive bit for bit.
  return [
    `arrayMap(v -> toString(v), ${fn}(${params})(${x}, isFinite(${x}))) AS ${prefix}q`,
    `countIf(isFinite(${x})) AS ${prefix}count`,
    `countIf(isNaN(${x})) AS ${prefix}nan`,
    `countIf(isInfinite(${x})) AS ${prefix}infinite`,
  ]
}

/**
 * Reads the single row of {@link quantilesQuery}: the engine's values, ±Infinity or NaN where its
 * interpolation overflowed (see {@link clickHouseQuantileExactInclusive}).
 *
 * @example
 * quantilesFromRows([{ q: [1, 5], count: '9', nan: '1', infinite: '0' }], [0, 0.5]) // { values: [1, 5], count: 9, … }
 * @throws {TypeError} on rows of another shape.
 */
export function quantilesFromRows(rows: readonly ResultRow[], levels: readonly number[]): Quantiles {
  checkLevels(levels)
  const at = 'quantilesFromRows'
  const row = singleRow(rows, 'quantilesQuery')
  const count = countCell(row, 'count', at)
  const q = row.q
  if (!Array.isArray(q) || q.length !== levels.length) throw new TypeError(`${at}: column q is not an array of ${levels.length} values`)
  // Numbers, or their text (quantileItems sends text so that ±inf and nan arrive apart).
  const values = q.map((v, i) => (count === 0 ? NaN : typeof v === 'number' ? v : floatCell({ v }, 'v', `${at}: q[${i}]`)))
  return { levels: [...levels], values, count, nan: countCell(row, 'nan', at), infinite: countCell(row, 'infinite', at) }
}

/**
 * ClickHouse's `quantileExact` on an ascending array, in TypeScript: `sorted[floor(level·n)]`
 * for level < 1, the last element for level 1. For checking and for small in-memory windows.
 *
 * @example
 * clickHouseQuantileExact([1, 2, 3, 4], 0.5) // 3 (index floor(0.5·4) = 2)
 * @throws {RangeError} for an empty array or a level outside [0, 1].
 */
export function clickHouseQuantileExact(sorted: ArrayLike<number>, level: number): number {
  const n = checkSortedInput(sorted, level)
  return sorted[level < 1 ? Math.floor(level * n) : n - 1]!
}

/**
 * ClickHouse's `quantileExactInclusive` on an ascending array, with its own arithmetic:
 * h = level·(n − 1) + 1, k = ⌊h⌋, result `x[k−1] + (h − k)·(x[k] − x[k−1])`, clamped to the ends.
 * Where x[k] − x[k−1] overflows (neighbours more than the largest double apart) that is ±Infinity,
 * or NaN when h = k (0·∞), as the engine's (numpy's lerp overflows there too).
 *
 * @example
 * clickHouseQuantileExactInclusive([1, 2, 3, 4], 0.5) // 2.5
 */
export function clickHouseQuantileExactInclusive(sorted: ArrayLike<number>, level: number): number {
  const n = checkSortedInput(sorted, level)
  const h = level * (n - 1) + 1
  const k = Math.floor(h)
  if (k >= n) return sorted[n - 1]!
  if (k < 1) return sorted[0]!
  return sorted[k - 1]! + (h - k) * (sorted[k]! - sorted[k - 1]!)
}

function checkSortedInput(sorted: ArrayLike<number>, level: number): number {
  if (sorted.length === 0) throw new RangeError('sorted: expected at least one value')
  if (!(level >= 0 && level <= 1)) throw new RangeError(`level: expected a number in [0, 1], got ${level}`)
  return sorted.length
}

function checkLevels(levels: readonly number[]): readonly number[] {
  if (!Array.isArray(levels) || levels.length === 0 || levels.length > MAX_QUANTILE_LEVELS) {
    throw new RangeError(`levels: expected 1 to ${MAX_QUANTILE_LEVELS} levels`)
  }
  levels.forEach((q, i) => {
    if (typeof q !== 'number' || !(q >= 0 && q <= 1)) throw new RangeError(`levels[${i}]: expected a number in [0, 1], got ${q}`)
  })
  return levels
}
