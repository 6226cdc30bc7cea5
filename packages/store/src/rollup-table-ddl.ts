import { tableEngine } from './ddl-template.js'
import { qualifiedTable, quoteIdentifier } from './identifiers.js'
import type { TableDdlContext } from './prediction-table-ddl.js'

/**
 * A per-model minute rollup beside each predictions table, kept by a materialized view at insert
 * time, so the dashboard's overview and time series read ≤ 1,440 rows a day per (version,
 * environment) instead of every prediction (BENCHMARKS.md, `pnpm bench dashboard`).
 *
 * Per minute: predictions, errors, a DDSketch of the finite latencies (see rollupLatencyFunction:
 * small, mergeable states; every percentile within 1 % of the exact value), label counts as one
 * `sumMap` (one row per minute whatever the number of labels: measured as cheap to read as a rollup
 * keyed by label, 12 vs 10 ms for a week), and the sum and count of finite scores (the mean score).
 *
 * The view sees each insert block, not the deduplicated table: an event retried by a client in a
 * new request counts twice here for good (until TTL drops the minute), where the raw table counts
 * it twice only until ReplacingMergeTree merges the two parts. A spool segment the drainer re-sends
 * whole (same insert_deduplication_token) is dropped here as in the raw table: the rollup keeps a
 * deduplication window like the predictions table's, and the insert sets
 * deduplicate_blocks_in_dependent_materialized_views. Evaluations read the raw table with FINAL.
 */

/** Quantile levels the rollup's latency state is built for (the dashboard's p50/p95/p99). */
export const ROLLUP_LATENCY_LEVELS = [0.5, 0.95, 0.99] as const
/** Relative accuracy of the latency sketch: a percentile is within 1 % of the exact value. */
export const ROLLUP_LATENCY_ACCURACY = 0.01

/**
 * The latency sketch's aggregate function with a combinator (`State`, `StateIf`, `Merge`,
 * `MergeState`): ClickHouse's DDSketch, `quantilesDD(accuracy, levels…)`. Chosen over
 * `quantilesTDigest` on the bench store (6M rows, 10,080 minutes): merging a week of minute states
 * took 48 ms against 128–185 ms, the states are 2.8 MB against 13 MB compressed, and the error is a
 * bound on the value (±1 %) rather than on the rank.
 */
export function rollupLatencyFunction(combinator: string): string {
  return `quantilesDD${combinator}(${ROLLUP_LATENCY_ACCURACY}, ${ROLLUP_LATENCY_LEVELS.join(', ')})`
}

export function rollupTableName(predictionsTable: string): string {
  return `rollup_${predictionsTable}`
}

export function rollupViewName(predictionsTable: string): string {
  return `rollup_${predictionsTable}_mv`
}

export function createRollupTableSql(predictionsTable: string, context: TableDdlContext): string {
  return `CREATE TABLE IF NOT EXISTS ${qualifiedTable(context.database, rollupTableName(predictionsTable))}${onCluster(context)}
(
  model_version LowCardinality(String),
  environment LowCardinality(String),
  minute DateTime,
  predictions SimpleAggregateFunction(sum, UInt64),
  errors SimpleAggregateFunction(sum, UInt64),
  latency AggregateFunction(${rollupLatencyFunction('')}, Float64),
  latency_n SimpleAggregateFunction(sum, UInt64),
  labels SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(UInt64))),
  score_sum SimpleAggregateFunction(sum, Float64),
  score_n SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ${tableEngine('AggregatingMergeTree', '', context.cluster)}
PARTITION BY toYYYYMM(minute)
ORDER BY (model_version, environment, minute)
TTL ${rollupTtlExpression(context.retentionDays)}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000`
}

/** The TTL of a rollup: the predictions table's, on the minute. */
export function rollupTtlExpression(retentionDays: number): string {
  return `minute + toIntervalDay(${Math.trunc(retentionDays)})`
}

/** The view that folds every block inserted into the predictions table into the rollup. */
export function createRollupViewSql(predictionsTable: string, context: TableDdlContext): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualifiedTable(context.database, rollupViewName(predictionsTable))}${onCluster(context)}
TO ${qualifiedTable(context.database, rollupTableName(predictionsTable))}
AS ${rollupSelectSql(predictionsTable, context.database)}`
}

/** Fills a new rollup from the rows its predictions table already held (tables older than rollups). */
export function backfillRollupSql(predictionsTable: string, context: TableDdlContext): string {
  return `INSERT INTO ${qualifiedTable(context.database, rollupTableName(predictionsTable))} ${rollupSelectSql(predictionsTable, context.database)}`
}

function rollupSelectSql(predictionsTable: string, database: string): string {
  return `SELECT model_version, environment, toDateTime(toStartOfMinute(ts)) AS minute,
  count() AS predictions,
  countIf(status = 'error') AS errors,
  ${rollupLatencyFunction('StateIf')}(latency_ms, isFinite(latency_ms)) AS latency,
  countIf(isFinite(latency_ms)) AS latency_n,
  sumMapIf([toString(output_label)], [toUInt64(1)], output_label != '') AS labels,
  sumIf(output_score, isFinite(output_score)) AS score_sum,
  countIf(isFinite(output_score)) AS score_n
FROM ${qualifiedTable(database, predictionsTable)}
GROUP BY model_version, environment, minute`
}

// --- feature rollups: the dashboard's reference-versus-current distributions ---------------------

/**
 * Mantissa bits a numeric feature's histogram key keeps: a value is counted under itself with the
 * other 52 − 9 bits cleared, so a key stands for the values within 2^-9 (0.2 %) of it, on one side
 * (toward zero). Fixed, so that the bins never depend on a reference data set (each has its own
 * decile edges): any set of edges is answered from the same histogram. Integers up to 1,024 and any
 * value with ≤ 10 significant bits are their own key, so discrete features (ages, counts, flags)
 * are binned exactly. Measured on the bench (6M predictions, a week): a log-normal income has 3,233
 * keys (358k hourly rows), a uniform debt ratio 7,045 (551k), an integer age 84 (12k); with 10 bits
 * income had 6,257 keys and took 2× longer to read (BENCHMARKS.md, `pnpm bench dashboard`, run D).
 */
export const FEATURE_HISTOGRAM_BITS = 9
/** Columns a numeric histogram covers (booleans are Float64 0/1 too). Same text in the view and the reader. */
export const NUMERIC_FEATURE_COLUMNS = '^f:.+:(num|bool)$'
export const STRING_FEATURE_COLUMNS = '^f:.+:str$'
/**
 * The hour of a prediction since the epoch (not `toStartOfHour`, which follows the server's time
 * zone: half-hour zones would shift every hour by 30 minutes against the ranges the dashboard cuts).
 */
const HOUR_OF_TS = 'toDateTime(intDiv(toUnixTimestamp64Milli(ts), 3600000) * 3600)'
/** Feature 0 of the numeric rollup counts every prediction (key 0): missing = rows − values. */
export const ALL_ROWS_FEATURE = 0
/** Magnitudes below this (subnormals) get the sentinel key ±MIN_NORMAL / 2: their own bucket (0, MIN_NORMAL). */
const MIN_NORMAL = '2.2250738585072014e-308'

/**
 * The histogram key of a Float64 expression (not NaN): 0 for ±0 (exactly 0); ±MIN_NORMAL/2 for a
 * subnormal; otherwise the value with its low 52 − FEATURE_HISTOGRAM_BITS mantissa bits cleared
 * (±Infinity is its own key). The dashboard decodes the buckets (collector/src/dashboard/histogram-bins.ts).
 */
export function featureHistogramKeySql(value: string): string {
  const clear = 52 - FEATURE_HISTOGRAM_BITS
  const mask = '0x' + ((((1n << 64n) - 1n) >> BigInt(clear)) << BigInt(clear)).toString(16).toUpperCase()
  return `multiIf(${value} = 0, 0., abs(${value}) < ${MIN_NORMAL}, if(${value} > 0, ${MIN_NORMAL} / 2, -${MIN_NORMAL} / 2),
    reinterpretAsFloat64(bitAnd(reinterpretAsUInt64(${value}), ${mask})))`
}

export function numericFeatureRollupName(predictionsTable: string): string {
  return `rollup_num_${predictionsTable}`
}

export function stringFeatureRollupName(predictionsTable: string): string {
  return `rollup_str_${predictionsTable}`
}

/**
 * Two hourly rollups of the feature values beside each predictions table (the minute rollup's
 * sibling), read by `/v1/dashboard/models/:m/distribution` instead of every prediction:
 * - `rollup_num_<table>`: (feature, hour, key) → count, a fine histogram of each numeric or boolean
 *   feature's non-missing values (featureHistogramKeySql), plus feature 0 (ALL_ROWS_FEATURE) = the
 *   hour's predictions;
 * - `rollup_str_<table>`: (feature, hour, value) → count of each string feature's non-empty values.
 *
 * `feature` is the column's 1-based position among the table's columns matching
 * NUMERIC_FEATURE_COLUMNS (or STRING_FEATURE_COLUMNS), in table order: the views read
 * `[COLUMNS('…')]`, which ClickHouse expands against the table's columns at each insert, so a
 * feature column added later (`ALTER … ADD COLUMN`, always appended, never dropped) is rolled up
 * from its first insert without touching the view, and keeps its position. Rows inserted before a
 * column existed have no entry for it: they count as missing, as the raw rows read its default.
 *
 * By the hour, not the minute: a fine histogram has up to one key per value, so per minute it was
 * as large as the raw column (10.8M rollup rows for 6M predictions on the bench, with 10 bits) and
 * no faster to read; per hour a week is 0.36–0.55M rows for the bench's continuous features and 12k
 * for an integer one. Hours cut by a range's ends are read from the raw rows (at most two hours of
 * them). The same insert-time caveats as the minute rollup hold (re-sent segments are deduplicated,
 * a client's retried event in a new request counts twice). Insert cost: +0.6 µs of CPU per event
 * (BENCHMARKS.md, run D).
 */
export function createFeatureRollupTablesSql(predictionsTable: string, context: TableDdlContext): string[] {
  const table = (name: string, key: string) => `CREATE TABLE IF NOT EXISTS ${qualifiedTable(context.database, name)}${onCluster(context)}
(
  feature UInt16,
  hour DateTime,
  ${key},
  n SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ${tableEngine('AggregatingMergeTree', '', context.cluster)}
PARTITION BY toYYYYMM(hour)
ORDER BY (feature, hour, ${key.split(' ')[0]})
TTL ${featureRollupTtlExpression(context.retentionDays)}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000`
  return [table(numericFeatureRollupName(predictionsTable), 'key Float64'), table(stringFeatureRollupName(predictionsTable), 'value String')]
}

/** The TTL of a feature rollup: the predictions table's, on the hour. */
export function featureRollupTtlExpression(retentionDays: number): string {
  return `hour + toIntervalDay(${Math.trunc(retentionDays)})`
}

export function featureRollupViewNames(predictionsTable: string): string[] {
  return [`${numericFeatureRollupName(predictionsTable)}_mv`, `${stringFeatureRollupName(predictionsTable)}_mv`]
}

/** The two views, then the two backfills (INSERT … SELECT of the same queries over the rows already there). */
export function createFeatureRollupViewsSql(predictionsTable: string, context: TableDdlContext): string[] {
  const [numView, strView] = featureRollupViewNames(predictionsTable)
  const view = (name: string, target: string, select: string) => `CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualifiedTable(context.database, name!)}${onCluster(context)}
TO ${qualifiedTable(context.database, target)}
AS ${select}`
  return [
    view(numView!, numericFeatureRollupName(predictionsTable), numericFeatureSelectSql(predictionsTable, context.database)),
    view(strView!, stringFeatureRollupName(predictionsTable), stringFeatureSelectSql(predictionsTable, context.database)),
  ]
}

export function backfillFeatureRollupsSql(predictionsTable: string, context: TableDdlContext): string[] {
  return [
    `INSERT INTO ${qualifiedTable(context.database, numericFeatureRollupName(predictionsTable))} ${numericFeatureSelectSql(predictionsTable, context.database)}`,
    `INSERT INTO ${qualifiedTable(context.database, stringFeatureRollupName(predictionsTable))} ${stringFeatureSelectSql(predictionsTable, context.database)}`,
  ]
}

function numericFeatureSelectSql(predictionsTable: string, database: string): string {
  // Element 1 is the row itself (feature 0), then every numeric feature column in table order.
  const values = `arrayConcat([toFloat64(0)], [COLUMNS('${NUMERIC_FEATURE_COLUMNS}')])`
  return `SELECT toUInt16(position - 1) AS feature, ${HOUR_OF_TS} AS hour, ${featureHistogramKeySql('value')} AS key, count() AS n
FROM ${qualifiedTable(database, predictionsTable)}
ARRAY JOIN ${values} AS value, arrayEnumerate(${values}) AS position
WHERE position = 1 OR NOT isNaN(value)
GROUP BY feature, hour, key`
}

function stringFeatureSelectSql(predictionsTable: string, database: string): string {
  // CAST([]) types the array when the table has no string feature yet (the view is analysed then too).
  const values = `arrayConcat(CAST([], 'Array(String)'), [COLUMNS('${STRING_FEATURE_COLUMNS}')])`
  return `SELECT toUInt16(position) AS feature, ${HOUR_OF_TS} AS hour, value, count() AS n
FROM ${qualifiedTable(database, predictionsTable)}
ARRAY JOIN ${values} AS value, arrayEnumerate(${values}) AS position
WHERE value != ''
GROUP BY feature, hour, value`
}

function onCluster(context: TableDdlContext): string {
  return context.cluster ? ` ON CLUSTER ${quoteIdentifier(context.cluster)}` : ''
}
