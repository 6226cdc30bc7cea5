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

function onCluster(context: TableDdlContext): string {
  return context.cluster ? ` ON CLUSTER ${quoteIdentifier(context.cluster)}` : ''
}
