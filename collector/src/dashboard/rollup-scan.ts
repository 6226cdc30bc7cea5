import type { ParamBag } from '@aims-monitor/metrics'
import { rollupLatencyFunction } from '@aims-monitor/store'
import type { BucketPlan } from './buckets.js'
import type { TimeRange } from './time-range.js'

const MINUTE_MS = 60_000

/**
 * The per-(bucket, version) partial aggregates of a model over a range, read from its minute rollup
 * (packages/store/src/rollup-table-ddl.ts) instead of its predictions: a week is ≤ 10,080 rows per
 * (version, environment) whatever the traffic. Columns: bucket, model_version, predictions, errors,
 * latency (DDSketch state), latency_n, labels (sumMap tuple), score_sum, score_n.
 *
 * Exact at any millisecond boundaries: a minute cut by the range's ends or by a bucket boundary
 * (when `from` is not on a whole minute, every boundary is) is read from the predictions table
 * instead, for just that part of the minute, and folded into the same states. So counts equal a
 * scan of the raw rows without FINAL; latency percentiles are DDSketch estimates (±1 %) either way.
 */
export function rollupPartialsSql(tables: { predictions: string; rollup: string }, range: TimeRange, plan: BucketPlan, bag: ParamBag): string {
  const origin = bag.bind('bucket_origin', 'Int64', plan.origin)
  const size = bag.bind('bucket_ms', 'Int64', plan.bucketMs)
  const boundaries = [range.from, range.to]
  for (let k = 1; k < plan.count; k++) boundaries.push(plan.origin + k * plan.bucketMs)
  const split = [...new Set(boundaries.filter((b) => b % MINUTE_MS !== 0).map((b) => b - (b % MINUTE_MS)))].sort((a, b) => a - b)
  const firstWhole = Math.ceil(range.from / MINUTE_MS) * MINUTE_MS
  const endWhole = Math.floor(range.to / MINUTE_MS) * MINUTE_MS
  const parts = [
    `SELECT intDiv(toInt64(toUnixTimestamp(minute)) * 1000 - ${origin}, ${size}) AS bucket, model_version,
       sum(predictions) AS predictions, sum(errors) AS errors, ${rollupLatencyFunction('MergeState')}(latency) AS latency,
       sum(latency_n) AS latency_n, sumMap(labels) AS labels, sum(score_sum) AS score_sum, sum(score_n) AS score_n
     FROM ${tables.rollup}
     WHERE minute >= toDateTime(${bag.bind('whole_from_s', 'Int64', firstWhole / 1000)})
       AND minute < toDateTime(${bag.bind('whole_to_s', 'Int64', endWhole / 1000)})
       AND NOT has(${bag.bind('split_minutes_s', 'Array(Int64)', split.map((m) => m / 1000))}, toInt64(toUnixTimestamp(minute)))
     GROUP BY bucket, model_version`,
  ]
  if (split.length > 0) {
    const pieces = split.map((m) => {
      const lo = bag.dateTime64('piece_from', Math.max(m, range.from))
      const hi = bag.dateTime64('piece_to', Math.min(m + MINUTE_MS, range.to))
      return `(ts >= ${lo} AND ts < ${hi})`
    })
    parts.push(`SELECT intDiv(toUnixTimestamp64Milli(ts) - ${origin}, ${size}) AS bucket, model_version,
       count() AS predictions, countIf(status = 'error') AS errors, ${rollupLatencyFunction('StateIf')}(latency_ms, isFinite(latency_ms)) AS latency,
       countIf(isFinite(latency_ms)) AS latency_n, sumMapIf([toString(output_label)], [toUInt64(1)], output_label != '') AS labels,
       sumIf(output_score, isFinite(output_score)) AS score_sum, countIf(isFinite(output_score)) AS score_n
     FROM ${tables.predictions}
     WHERE ${pieces.join(' OR ')}
     GROUP BY bucket, model_version`)
  }
  return parts.join('\nUNION ALL\n')
}

/** The rollup of a predictions table given as `` `db`.`table` `` (what the dashboard's catalog holds). */
export function rollupOf(qualifiedPredictionsTable: string): string {
  const match = /^(`(?:[^`\\]|\\.)*`)\.`((?:[^`\\]|\\.)*)`$/.exec(qualifiedPredictionsTable)
  if (!match) throw new Error(`not a qualified table: ${qualifiedPredictionsTable}`)
  return `${match[1]}.\`rollup_${match[2]}\``
}

