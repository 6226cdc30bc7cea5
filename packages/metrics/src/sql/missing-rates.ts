import { quoteIdentifier } from './identifiers.js'
import { ParamBag, type SqlQuery } from './params.js'
import { countCell, type ResultRow, singleRow } from './rows.js'
import { scopeClause, type PredictionScope } from './scope.js'

/** A column and how it marks "missing": NaN for numbers (`num`), '' for strings (`str`). */
export interface MissingColumn {
  readonly column: string
  readonly kind: 'num' | 'str'
}

export interface MissingRates {
  /** Rows of the window. */
  readonly total: number
  /** Column → missing count and rate (rate 0 when the window is empty, with total 0 to say so). */
  readonly byColumn: Record<string, { missing: number; rate: number }>
}

export const MAX_MISSING_COLUMNS = 1000

/**
 * Missing-value counts of several columns in one scan. The layout has no Nullable column: a
 * numeric feature is missing when NaN (never sent, or sent by a model version that did not have
 * it), a string feature or attribute when ''. Booleans are stored as Float64 and count as `num`.
 *
 * @example
 * const { query, params } = missingRatesQuery({ scope, columns: [{ column: 'f:age:num', kind: 'num' }, { column: 'a:sex', kind: 'str' }] })
 * missingRatesFromRows(rows, columns).byColumn['f:age:num'] // { missing: 12, rate: 0.0012 }
 * @throws {RangeError} for no columns, too many, a duplicate or an unknown kind.
 */
export function missingRatesQuery(options: { scope: PredictionScope; columns: readonly MissingColumn[] }): SqlQuery {
  const columns = checkColumns(options.columns)
  const bag = new ParamBag()
  const select = columns.map(({ column, kind }, i) => `${missingCountItem(column, kind)} AS missing_${i}`)
  const query = `SELECT\n  count() AS total,\n  ${select.join(',\n  ')}\n${scopeClause(options.scope, bag)}`
  return { query, params: bag.values }
}

/** The count of a column's missing values (the aggregate, without its alias): NaN numbers, '' strings. */
export function missingCountItem(column: string, kind: MissingColumn['kind']): string {
  const x = quoteIdentifier(column)
  return `countIf(${kind === 'num' ? `isNaN(${x})` : `${x} = ''`})`
}

/**
 * Reads the single row of {@link missingRatesQuery}.
 *
 * @example
 * missingRatesFromRows([{ total: '10', missing_0: '2' }], [{ column: 'f:age:num', kind: 'num' }]) // byColumn['f:age:num'] = { missing: 2, rate: 0.2 }
 * @throws {TypeError} on rows of another shape.
 */
export function missingRatesFromRows(rows: readonly ResultRow[], columns: readonly MissingColumn[]): MissingRates {
  checkColumns(columns)
  const at = 'missingRatesFromRows'
  const row = singleRow(rows, 'missingRatesQuery')
  const total = countCell(row, 'total', at)
  const entries = columns.map(({ column }, i): [string, { missing: number; rate: number }] => {
    const missing = countCell(row, `missing_${i}`, at)
    return [column, { missing, rate: total === 0 ? 0 : missing / total }]
  })
  return { total, byColumn: Object.fromEntries(entries) }
}

function checkColumns(columns: readonly MissingColumn[]): readonly MissingColumn[] {
  if (!Array.isArray(columns) || columns.length === 0 || columns.length > MAX_MISSING_COLUMNS) {
    throw new RangeError(`columns: expected 1 to ${MAX_MISSING_COLUMNS} columns`)
  }
  const seen = new Set<string>()
  for (const c of columns) {
    if (c?.kind !== 'num' && c?.kind !== 'str') throw new RangeError(`columns: kind of ${JSON.stringify(c?.column)} must be 'num' or 'str'`)
    if (seen.has(c.column)) throw new RangeError(`columns: ${JSON.stringify(c.column)} appears twice`)
    seen.add(c.column)
  }
  return columns
}
