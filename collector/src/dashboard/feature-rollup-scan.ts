import { ParamBag, hourlyRangeParts, qualifiedTable, quoteIdentifier, splitQualifiedTable, type HourlyRangeParts } from '@aims-monitor/metrics'
import { ALL_ROWS_FEATURE, featureHistogramKeySql, numericFeatureRollupName, stringFeatureRollupName, type Store } from '@aims-monitor/store'
import type { DashboardModel } from './model-catalog.js'
import { num, queryRows } from './query-rows.js'
import { bucketOfKey, type Bucket } from './histogram-bins.js'
import type { TimeRange } from './time-range.js'

/**
 * Reads a range of one feature from the hourly feature rollups (packages/store/src/rollup-table-ddl.ts)
 * instead of the predictions: whole hours from the rollup, the parts of the hours cut by `from`
 * and `to` from the raw rows (at most two hours of them, found through the table's hour key), summed
 * (metrics' hourlyRangeParts). Counts equal a scan of the raw rows without FINAL, as every other
 * dashboard count. Without the rollups (AIMS_FEATURE_ROLLUPS=off) the range is read from the raw rows.
 */
function rangeParts(store: Store, range: TimeRange, bag: ParamBag): HourlyRangeParts {
  return hourlyRangeParts(range, bag, store.config.featureRollups !== 'off')
}

/** `database`.`<name(table)>` beside a predictions table given as `` `db`.`table` ``. */
function sibling(qualifiedPredictionsTable: string, name: (table: string) => string): string {
  const parts = splitQualifiedTable(qualifiedPredictionsTable)
  if (!parts) throw new Error(`not a qualified table: ${qualifiedPredictionsTable}`)
  return qualifiedTable(parts.database, name(parts.table))
}

function rollupFeatureOf(model: DashboardModel, column: string): number {
  const feature = model.rollupFeature[column]
  if (feature === undefined) throw new Error(`column ${column} of ${model.table} is not a rolled-up feature column`)
  return feature
}

export interface NumericHistogram {
  /** Predictions in the range. */
  readonly rows: number
  /** One per key: the feature's non-missing values. */
  readonly buckets: Bucket[]
}

/** The fine histogram of a numeric (or boolean) feature over a range, and the range's predictions. */
export async function numericHistogram(store: Store, model: DashboardModel, column: string, range: TimeRange): Promise<NumericHistogram> {
  const bag = new ParamBag()
  const feature = bag.bind('feature', 'UInt16', rollupFeatureOf(model, column))
  const all = bag.bind('all_rows', 'UInt16', ALL_ROWS_FEATURE)
  const { hours, rawWhere } = rangeParts(store, range, bag)
  const x = quoteIdentifier(column)
  const parts: string[] = []
  if (hours) {
    parts.push(`SELECT feature, key, n FROM ${sibling(model.table, numericFeatureRollupName)} WHERE feature IN (${all}, ${feature}) AND ${hours}`)
  }
  if (rawWhere) {
    // One scan of the cut parts, shaped as the view shapes an insert: each row, then its value.
    parts.push(`SELECT feature, ${featureHistogramKeySql('value')} AS key, count() AS n FROM ${model.table}
      ARRAY JOIN [toFloat64(0), ${x}] AS value, [${all}, ${feature}] AS feature
      WHERE (${rawWhere}) AND (feature = ${all} OR NOT isNaN(value)) GROUP BY feature, key`)
  }
  const rows = await queryRows<{ feature: unknown; bits: string; n: unknown }>(store, {
    query: `SELECT toUInt16(feature) AS feature, toString(reinterpretAsUInt64(key)) AS bits, sum(n) AS n
FROM (${parts.join('\nUNION ALL\n')})
GROUP BY feature, bits`,
    params: bag.values,
  })
  let total = 0
  const buckets: Bucket[] = []
  for (const r of rows) {
    const n = num(r.n)
    if (num(r.feature) === ALL_ROWS_FEATURE) total += n
    else if (n > 0) buckets.push(bucketOfKey(r.bits, n))
  }
  return { rows: total, buckets }
}

export interface StringCounts {
  /** The feature's non-empty values in the range. */
  readonly values: number
  /** The most frequent values (count descending, then byte-wise ascending), or the asked ones. */
  readonly counts: Record<string, number>
}

/**
 * Counts of a string feature over a range: the `topK` most frequent values, or the given
 * `categories` (each present, 0 when unseen); with the range's non-empty values.
 */
export async function stringCounts(store: Store, model: DashboardModel, column: string, range: TimeRange, pick: { topK: number } | { categories: readonly string[] }): Promise<StringCounts> {
  const bag = new ParamBag()
  const feature = bag.bind('feature', 'UInt16', rollupFeatureOf(model, column))
  const { hours, rawWhere } = rangeParts(store, range, bag)
  const x = quoteIdentifier(column)
  const parts: string[] = []
  if (hours) parts.push(`SELECT value, n FROM ${sibling(model.table, stringFeatureRollupName)} WHERE feature = ${feature} AND ${hours}`)
  if (rawWhere) parts.push(`SELECT toString(${x}) AS value, count() AS n FROM ${model.table} WHERE (${rawWhere}) AND ${x} != '' GROUP BY value`)
  const union = parts.join('\nUNION ALL\n')
  // '' is never a value (it is the missing one): as a group it stands for the values not asked for.
  const query = 'topK' in pick
    ? `SELECT value, count_ AS n, total FROM (SELECT value, sum(n) AS count_, sum(count_) OVER () AS total FROM (${union}) GROUP BY value)
ORDER BY n DESC, value ASC LIMIT ${bag.bind('top_k', 'UInt32', pick.topK)}`
    : `SELECT if(has(${bag.bind('categories', 'Array(String)', [...pick.categories])}, value), value, '') AS picked, sum(n) AS count_, sum(count_) OVER () AS total
FROM (${union}) GROUP BY picked`
  const counted = await queryRows<{ value?: string; picked?: string; n?: unknown; count_?: unknown; total: unknown }>(store, { query, params: bag.values })
  const counts: Record<string, number> = Object.create(null) as Record<string, number>
  if ('categories' in pick) for (const c of pick.categories) counts[c] = 0
  let values = 0
  for (const r of counted) {
    values = num(r.total)
    const value = r.value ?? r.picked ?? ''
    if (value !== '') counts[value] = num(r.n ?? r.count_)
  }
  return { values, counts }
}

/** Predictions in a range, from the numeric rollup's row counts (feature 0) and the cut hours. */
export async function rowCount(store: Store, model: DashboardModel, range: TimeRange): Promise<number> {
  const bag = new ParamBag()
  const all = bag.bind('all_rows', 'UInt16', ALL_ROWS_FEATURE)
  const { hours, rawWhere } = rangeParts(store, range, bag)
  const parts: string[] = []
  if (hours) parts.push(`SELECT sum(n) AS n FROM ${sibling(model.table, numericFeatureRollupName)} WHERE feature = ${all} AND ${hours}`)
  if (rawWhere) parts.push(`SELECT count() AS n FROM ${model.table} WHERE ${rawWhere}`)
  const rows = await queryRows<{ n: unknown }>(store, { query: `SELECT sum(n) AS n FROM (${parts.join('\nUNION ALL\n')})`, params: bag.values })
  return num(rows[0]?.n ?? 0)
}
