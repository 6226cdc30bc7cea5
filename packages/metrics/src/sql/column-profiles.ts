import { binCountItems, binCountsFromRows, type SqlBinCounts } from './bin-counts.js'
import { fineBinExpression, fineGrid, fineHistogramFromCells, type FineGrid, type FineHistogram } from './fine-histogram.js'
import { missingCountItem, type MissingColumn } from './missing-rates.js'
import { numericSummaryFromRows, numericSummaryItems, type NumericSummary } from './numeric-summary.js'
import { ParamBag, type SqlQuery } from './params.js'
import { bracketedValuesFromRow, quantileBracketItems, type BracketedValues, type ValueRun } from './quantile-brackets.js'
import { quantileItems, quantilesFromRows, type QuantileMethod, type Quantiles } from './quantiles.js'
import { countCell, type ResultRow, singleRow } from './rows.js'
import { scopeClause, type PredictionScope } from './scope.js'

/** Most columns one profile statement reads (each part is a few aggregates per row). */
export const MAX_PROFILE_COLUMNS = 256

/** What to compute for one numeric column; each part is optional. */
export interface ColumnProfileSpec {
  readonly column: string
  /**
   * {@link numericSummaryQuery}'s values; mean and std only with `moments`, min and max unless
   * `range` is false (NaN otherwise).
   */
  readonly summary?: { readonly moments: boolean; readonly range?: boolean | undefined } | undefined
  readonly quantiles?: { readonly levels: readonly number[]; readonly method?: QuantileMethod | undefined } | undefined
  /** {@link fineHistogramQuery}'s counts on this grid. */
  readonly fineHistogram?: FineGrid | undefined
  /** {@link binCountsQuery}'s counts against these edges. */
  readonly binEdges?: readonly number[] | undefined
  /** {@link quantileBracketItems}'s counts and the values inside these runs (exact quantiles from a bracket). */
  readonly valueRuns?: readonly ValueRun[] | undefined
  /**
   * {@link missingRatesQuery}'s count of missing values, for a column of this kind (any column: a
   * string column may ask for this part alone).
   */
  readonly missing?: MissingColumn['kind'] | undefined
}

/** The parts asked for, each in the shape its single-column statement's reader returns. */
export interface ColumnProfile {
  readonly column: string
  readonly summary?: NumericSummary | undefined
  readonly quantiles?: Quantiles | undefined
  readonly fineHistogram?: FineHistogram | undefined
  readonly binCounts?: SqlBinCounts | undefined
  readonly bracketed?: BracketedValues | undefined
  /** Missing values and the rows they are counted among (the window's, as missingRatesFromRows gives them). */
  readonly missing?: { readonly missing: number; readonly total: number } | undefined
}

/**
 * Several numeric columns profiled in ONE scan of a window: per column any of the summary
 * ({@link numericSummaryQuery}), quantiles ({@link quantilesQuery}), a fine histogram
 * ({@link fineHistogramQuery}), bin counts ({@link binCountsQuery}), value runs and the missing
 * count ({@link missingRatesQuery}; also of string columns). Every value is the same
 * aggregate over the same expression as in the single-column statement (the select items come from
 * the same functions; a summary beside a fine histogram of its column reads its NaN and finite
 * counts off the histogram's cells instead), so the results are those statements' results; what is saved is the scan:
 * the window's filter on `ts` (and the key columns FINAL reads) cost ~170 ms of CPU per 5M rows
 * here, more than most aggregates, and a drift policy over ten features ran ~36 such scans.
 * A fine histogram is counted with `countResample` over the bin (one array per column, bins + 3
 * long) instead of a `GROUP BY bin`, which one statement cannot do for several columns.
 *
 * @example
 * const columns = [{ column: 'f:age:num', summary: { moments: true } }, { column: 'f:income:num', quantiles: { levels: [0.25, 0.5, 0.75], method: 'exactInclusive' } }]
 * const profiles = columnProfilesFromRows(await rows(columnProfilesQuery({ scope, columns })), columns)
 * profiles[1].quantiles.values // the same as quantilesFromRows(quantilesQuery(…))
 * @throws {RangeError} for no column, too many, a spec asking for nothing, or a bad part (as the
 *   single-column builders).
 */
export function columnProfilesQuery(options: { scope: PredictionScope; columns: readonly ColumnProfileSpec[] }): SqlQuery {
  const columns = checkSpecs(options.columns)
  const bag = new ParamBag()
  const items: string[] = []
  columns.forEach((spec, i) => {
    // With a fine histogram of the column beside it, the summary's NaN count is the histogram's NaN
    // cell and its finite count the rest of the window's rows (two aggregates fewer per column).
    if (spec.summary) items.push(...numericSummaryItems(spec.column, `c${i}s_`, spec.summary.moments, !spec.fineHistogram, spec.summary.range !== false))
    if (spec.quantiles) items.push(...quantileItems(spec.column, spec.quantiles.levels, spec.quantiles.method ?? 'exact', bag, `c${i}q_`))
    if (spec.fineHistogram) {
      const bins = fineGrid(spec.fineHistogram.lo, spec.fineHistogram.hi, spec.fineHistogram.bins).bins
      // Bins −2 (NaN), −1 (underflow), 0..bins−1, bins (overflow): bins + 3 counts from index 0 = bin −2.
      items.push(`countResample(-2, ${bins + 1}, 1)(${fineBinExpression(spec.column, spec.fineHistogram, bag)}) AS c${i}h`)
    }
    if (spec.binEdges) items.push(...binCountItems(spec.column, spec.binEdges, bag, `c${i}b_`))
    if (spec.valueRuns) items.push(...quantileBracketItems(spec.column, spec.valueRuns, bag, `c${i}r_`))
    if (spec.missing) items.push(`${missingCountItem(spec.column, spec.missing)} AS c${i}m`)
  })
  items.push('count() AS total')
  return { query: `SELECT\n  ${items.join(',\n  ')}\n${scopeClause(options.scope, bag)}`, params: bag.values }
}

/**
 * Reads the single row of {@link columnProfilesQuery} (the same specs, in the same order).
 * @throws {TypeError} on a row of another shape.
 */
export function columnProfilesFromRows(rows: readonly ResultRow[], specs: readonly ColumnProfileSpec[]): ColumnProfile[] {
  checkSpecs(specs)
  const row = singleRow(rows, 'columnProfilesQuery')
  const total = countCell(row, 'total', 'columnProfilesFromRows')
  // Each part is read by its single-column reader from the row's columns of that part, unprefixed:
  // the columns are sorted into parts in one pass (a pass per part read the ~200 columns ~20 times).
  const parts = new Map<string, Record<string, unknown>>()
  for (const [key, value] of Object.entries(row)) {
    const cut = key.indexOf('_')
    if (cut < 0) continue
    const prefix = key.slice(0, cut + 1)
    let part = parts.get(prefix)
    if (part === undefined) parts.set(prefix, (part = { total }))
    part[key.slice(cut + 1)] = value
  }
  return specs.map((spec, i) => {
    const part = (prefix: string): ResultRow => parts.get(prefix) ?? { total }
    const profile: { -readonly [K in keyof ColumnProfile]: ColumnProfile[K] } = { column: spec.column }
    if (spec.fineHistogram) {
      const cells = row[`c${i}h`]
      if (!Array.isArray(cells)) throw new TypeError(`columnProfilesFromRows: column c${i}h is not an array of counts`)
      profile.fineHistogram = fineHistogramFromCells(cells, spec.fineHistogram)
    }
    if (spec.summary) {
      const summaryRow = part(`c${i}s_`)
      // Beside a histogram the statement left the NaN and finite counts to it (see columnProfilesQuery).
      const histogram = profile.fineHistogram
      profile.summary = numericSummaryFromRows([histogram ? { ...summaryRow, ...countsFromHistogram(summaryRow, histogram, total) } : summaryRow])
    }
    if (spec.quantiles) profile.quantiles = quantilesFromRows([part(`c${i}q_`)], spec.quantiles.levels)
    if (spec.binEdges) profile.binCounts = binCountsFromRows([part(`c${i}b_`)], spec.binEdges)
    if (spec.valueRuns) profile.bracketed = bracketedValuesFromRow(part(`c${i}r_`), spec.valueRuns)
    if (spec.missing) profile.missing = { missing: countCell(row, `c${i}m`, 'columnProfilesFromRows'), total }
    return profile
  })
}

/** A summary's NaN and finite counts from the histogram of its column: NaN has its own cell; finite is the rest but ±∞. */
function countsFromHistogram(summaryRow: ResultRow, histogram: FineHistogram, total: number): { nan: number; count: number } {
  const at = 'columnProfilesFromRows'
  const infinite = countCell(summaryRow, 'pos_inf', at) + countCell(summaryRow, 'neg_inf', at)
  return { nan: histogram.nan, count: total - histogram.nan - infinite }
}

function checkSpecs(specs: readonly ColumnProfileSpec[]): readonly ColumnProfileSpec[] {
  if (!Array.isArray(specs) || specs.length === 0 || specs.length > MAX_PROFILE_COLUMNS) throw new RangeError(`columns: expected 1 to ${MAX_PROFILE_COLUMNS} column specs`)
  specs.forEach((spec, i) => {
    if (typeof spec?.column !== 'string') throw new TypeError(`columns[${i}].column: expected a column name`)
    if (spec.missing !== undefined && spec.missing !== 'num' && spec.missing !== 'str') throw new RangeError(`columns[${i}].missing: expected 'num' or 'str'`)
    if (!spec.summary && !spec.quantiles && !spec.fineHistogram && !spec.binEdges && !spec.valueRuns && !spec.missing) throw new RangeError(`columns[${i}]: asks for nothing`)
  })
  return specs
}
