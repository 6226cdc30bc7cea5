import { quoteIdentifier } from './identifiers.js'
import { ParamBag, type SqlQuery } from './params.js'
import { assertRows, countCell, stringCell, type ResultRow } from './rows.js'
import { scopeClause, type PredictionScope } from './scope.js'

/** Most categories a top-K query keeps by name. */
export const MAX_TOP_K = 10_000

/**
 * Counts of a string column: the kept categories by name, the rest in one "other" bucket (with
 * how many distinct values it holds), the empty string counted as missing.
 * `total` = sum of `counts` + `other` + `missing`. `counts` is what the drift family's `psi` and
 * chi-square take ("keyed alike"); "other" and "missing" are reported apart and are categories only
 * if the caller adds them (Evidently drops missing values).
 */
export interface SqlCategoryCounts {
  /** Kept category → count; with `categories` given, every one of them is present (0 when unseen). */
  readonly counts: Record<string, number>
  readonly other: number
  /** Distinct values in `other`: unseen categories when counting against reference categories. */
  readonly otherCategories: number
  readonly missing: number
  readonly total: number
}

export interface CategoryCountsOptions {
  readonly scope: PredictionScope
  /** A string column: `f:<name>:str`, `a:<name>`, or a base column such as `output_label`. */
  readonly column: string
  /**
   * Keep the K most frequent non-empty values (ties: byte-wise ascending). Exactly one of `topK`
   * and `categories` is given.
   */
  readonly topK?: number | undefined
  /**
   * Keep these values (the reference window's categories); everything else is "other", which is
   * how PSI and chi-square see categories unseen in the reference.
   */
  readonly categories?: readonly string[] | undefined
}

/**
 * Category counts of a string column, top-K with an "other" bucket, or against given categories.
 *
 * One scan: `GROUP BY` the value, then a window function ranks the groups (the groups, not the
 * rows: as many as there are distinct values) and a second `GROUP BY` folds the tail into "other".
 * `''` is the layout's "missing" (no column is Nullable) and is never a category.
 *
 * @example
 * const { query, params } = categoryCountsQuery({ scope, column: 'f:region:str', topK: 20 })
 * const counts = categoryCountsFromRows(rows) // { counts: { north: 812, … }, other: 40, otherCategories: 7, missing: 3, total: 1203 }
 * @throws {RangeError} when neither or both of `topK` and `categories` are given, `topK` is not an
 *   integer in 1..MAX_TOP_K, or `categories` is empty, holds '' or duplicates.
 */
export function categoryCountsQuery(options: CategoryCountsOptions): SqlQuery {
  const bag = new ParamBag()
  const x = quoteIdentifier(options.column)
  let keep: string
  if (options.topK !== undefined && options.categories === undefined) {
    const k = options.topK
    if (!Number.isInteger(k) || k < 1 || k > MAX_TOP_K) throw new RangeError(`topK: expected an integer in 1..${MAX_TOP_K}, got ${k}`)
    keep = `rank <= ${bag.bind('top_k', 'UInt32', k)}`
  } else if (options.categories !== undefined && options.topK === undefined) {
    keep = `has(${bag.bind('categories', 'Array(String)', checkCategories(options.categories))}, value)`
  } else {
    throw new RangeError('categoryCountsQuery: give exactly one of topK and categories')
  }
  const scope = scopeClause(options.scope, bag)
  const query = `SELECT kind, if(kind = 'kept', value, '') AS category, sum(n) AS n, count() AS categories
FROM
(
  SELECT value, n, multiIf(value = '', 'missing', ${keep}, 'kept', 'other') AS kind
  FROM
  (
    SELECT value, n, row_number() OVER (ORDER BY value = '' ASC, n DESC, value ASC) AS rank
    FROM (SELECT toString(${x}) AS value, count() AS n ${scope} GROUP BY value)
  )
)
GROUP BY kind, category
ORDER BY kind, n DESC, category`
  return { query, params: bag.values }
}

/**
 * Turns the rows of {@link categoryCountsQuery} into {@link SqlCategoryCounts}.
 * Pass the same `categories` as to the query to get a zero for each one that did not occur.
 *
 * @example
 * categoryCountsFromRows([{ kind: 'kept', category: 'north', n: '5', categories: '1' }, { kind: 'missing', category: '', n: '1', categories: '1' }], ['north', 'south'])
 * // { counts: { north: 5, south: 0 }, other: 0, otherCategories: 0, missing: 1, total: 6 }
 * @throws {TypeError} on rows of another shape.
 */
export function categoryCountsFromRows(rows: readonly ResultRow[], categories?: readonly string[]): SqlCategoryCounts {
  assertRows(rows, 'rows')
  const at = 'categoryCountsFromRows'
  const entries: [string, number][] = categories ? checkCategories(categories).map((c) => [c, 0]) : []
  const index = new Map(entries.map(([c], i) => [c, i]))
  let other = 0
  let otherCategories = 0
  let missing = 0
  for (const row of rows) {
    const kind = stringCell(row, 'kind', at)
    const n = countCell(row, 'n', at)
    if (kind === 'missing') missing += n
    else if (kind === 'other') {
      other += n
      otherCategories += countCell(row, 'categories', at)
    } else if (kind === 'kept') {
      const category = stringCell(row, 'category', at)
      const i = index.get(category)
      if (i !== undefined) entries[i]![1] += n
      else {
        index.set(category, entries.length)
        entries.push([category, n])
      }
    } else throw new TypeError(`${at}: unknown kind ${JSON.stringify(kind)}`)
  }
  const kept = entries.reduce((s, [, n]) => s + n, 0)
  // Object.fromEntries defines own properties, so a category named "__proto__" stays a category.
  return { counts: Object.fromEntries(entries), other, otherCategories, missing, total: kept + other + missing }
}

function checkCategories(categories: readonly string[]): string[] {
  if (!Array.isArray(categories) || categories.length === 0) throw new RangeError('categories: expected a non-empty array of strings')
  const seen = new Set<string>()
  for (const c of categories) {
    if (typeof c !== 'string') throw new TypeError('categories: expected strings')
    if (c === '') throw new RangeError("categories: '' is the missing value, not a category")
    if (seen.has(c)) throw new RangeError(`categories: ${JSON.stringify(c)} appears twice`)
    seen.add(c)
  }
  return [...categories]
}
