import { ParamBag, hourlyRangeParts, quoteIdentifier, splitQualifiedTable, type CountedRun, type PredictionScope } from '@aims-monitor/metrics'
import { bucketOfKeyValue, featureHistogramKeySql, featureRollupNumbers, numericFeatureRollupName, queryRows } from '@aims-monitor/store'
import type { MetricContext } from '../metric-context.js'

/** What the hourly feature rollup says about one numeric column over a window. */
export interface RollupGuide {
  /** Non-NaN values counted (±∞ included). */
  readonly values: number
  /** Finite values counted. */
  readonly finite: number
  /** Every finite value lies in [lo, hi] by the rollup (the outer buckets' bounds); NaN when none. */
  readonly lo: number
  readonly hi: number
  /** The finite buckets, ascending (only for the columns asked with buckets). */
  readonly buckets: readonly CountedRun[] | null
}

/**
 * A guide, not an answer: where a numeric feature's values lie in a window, read from the hourly
 * feature rollup (packages/store/src/rollup-table-ddl.ts) for the window's whole hours and from the
 * raw rows for the at most two hours its ends cut, as the dashboard reads it. The rollup counts
 * every insert (no FINAL: a retried event counts twice), so the drift profiles use it only to place
 * their work (a histogram's grid, the runs an exact quantile is looked for in) and check
 * everything they read against the raw rows.
 *
 * @returns per column, or null when there is no rollup to read: rollups switched off
 *   (`AIMS_FEATURE_ROLLUPS=off`), a scope filtered by version, environment or attribute (the
 *   rollup has none of them), or a table without a rollup (an imported reference data set).
 */
export async function readRollupGuide(context: MetricContext, scope: PredictionScope, columns: readonly string[], withBuckets: ReadonlySet<string>): Promise<Map<string, RollupGuide> | null> {
  const store = context.store
  if (store.config.featureRollups === 'off' || columns.length === 0) return null
  if (scope.modelVersion !== undefined || scope.modelVersions !== undefined || scope.environment !== undefined || Object.keys(scope.attributes ?? {}).length > 0) return null
  const qualified = splitQualifiedTable(scope.table)
  if (!qualified || qualified.database !== store.config.database) return null
  const table = qualified.table
  const rollup = numericFeatureRollupName(table)
  // Once per table and batch (both sides of every comparison ask).
  const [exists, numbers] = await context.shared(`rollup-guide-table\u0000${table}`, () => Promise.all([
    queryRows<{ n: unknown }>(store, { query: 'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {name:String}', params: { db: store.config.database, name: rollup } }),
    featureRollupNumbers(store, table),
  ]))
  if (Number(exists[0]?.n ?? 0) === 0 || columns.some((c) => numbers[c] === undefined)) return null

  const bag = new ParamBag()
  // The rollup's feature numbers are small integers of our own: literals (array parameters are not
  // bound by every ClickHouse front end).
  const featureList = columns.map((c) => numbers[c]!).join(', ')
  const features = `[${featureList}]`
  const bucketed = `[${columns.filter((c) => withBuckets.has(c)).map((c) => numbers[c]!).join(', ') || '0'}]`
  const { hours, rawWhere } = hourlyRangeParts(scope.window, bag, true)
  const parts: string[] = []
  if (hours) parts.push(`SELECT feature, key, n FROM ${store.table(rollup)} WHERE feature IN (${featureList}) AND ${hours}`)
  if (rawWhere) {
    // The cut hours, shaped as the view shapes an insert (one value per feature column and row).
    const values = `[${columns.map((c) => quoteIdentifier(c)).join(', ')}]`
    parts.push(`SELECT feature, ${featureHistogramKeySql('value')} AS key, count() AS n FROM ${scope.table}
      ARRAY JOIN ${values} AS value, CAST(${features}, 'Array(UInt16)') AS feature
      WHERE (${rawWhere}) AND NOT isNaN(value) GROUP BY feature, key`)
  }
  // Keys as numbers: at most ten significant bits each, so their JSON text is short and exact (the
  // text of their bits took twice the bytes to send and parse: ~35k keys for five features a day).
  // A key's hours are summed into one bucket only where the buckets are asked for: without them
  // the per-feature sums, minimum and maximum need no grouping by key (the current side's guide:
  // 40-80 ms instead of 60-105 on the evaluator bench).
  const source = withBuckets.size > 0 ? `(SELECT feature, key, sum(n) AS n FROM (${parts.join('\nUNION ALL\n')}) GROUP BY feature, key)` : `(${parts.join('\nUNION ALL\n')})`
  const bucketItems = withBuckets.size > 0
    ? `arraySort(groupArrayIf(key, isFinite(key) AND has(${bucketed}, feature))) AS keys,
  arraySort((n, k) -> k, groupArrayIf(n, isFinite(key) AND has(${bucketed}, feature)), groupArrayIf(key, isFinite(key) AND has(${bucketed}, feature))) AS counts`
    : '[] AS keys, [] AS counts'
  const rows = await queryRows<{ feature: unknown; values: unknown; finite: unknown; lo: number; hi: number; keys: unknown[]; counts: unknown[] }>(store, {
    query: `SELECT feature, sum(n) AS values, sumIf(n, isFinite(key)) AS finite,
  minIf(key, isFinite(key)) AS lo, maxIf(key, isFinite(key)) AS hi,
  ${bucketItems}
FROM ${source}
GROUP BY feature`,
    params: bag.values,
  })
  const byNumber = new Map(rows.map((r) => [Number(r.feature), r]))
  const guides = new Map<string, RollupGuide>()
  for (const column of columns) {
    const row = byNumber.get(numbers[column]!)
    const finite = Number(row?.finite ?? 0)
    if (!row || finite === 0) {
      guides.set(column, { values: Number(row?.values ?? 0), finite: 0, lo: NaN, hi: NaN, buckets: withBuckets.has(column) ? [] : null })
      continue
    }
    const buckets = withBuckets.has(column) ? bucketsInOrder(row.keys, row.counts) : null
    guides.set(column, { values: Number(row.values), finite, lo: bucketOfKeyValue(Number(row.lo), 0).lo, hi: bucketOfKeyValue(Number(row.hi), 0).hi, buckets })
  }
  return guides
}

/**
 * The buckets of keys the statement sorted (with their counts): buckets never overlap, so the
 * keys' order is the buckets' order (sorting ~70k bucket objects in JavaScript took ~35 ms of the
 * evaluator bench; checked here, and sorted only if the order is not that).
 */
function bucketsInOrder(keys: readonly unknown[], counts: readonly unknown[]): CountedRun[] {
  const buckets = keys.map((key, i) => bucketOfKeyValue(Number(key), Number(counts[i])))
  const ascending = (a: CountedRun, b: CountedRun) => a.lo - b.lo || Number(a.loOpen) - Number(b.loOpen)
  for (let i = 1; i < buckets.length; i++) if (ascending(buckets[i - 1]!, buckets[i]!) > 0) return buckets.sort(ascending)
  return buckets
}
