import { categoryCountsFromRows, categoryCountsQuery, ParamBag, scopeClause, type PredictionScope } from '@aims-monitor/metrics'
import type { Store } from '@aims-monitor/store'
import { bucketExpression, bucketStarts, type BucketPlan } from './buckets.js'
import type { DashboardModel } from './model-catalog.js'
import { LATENCY_LEVELS, type LatencyPercentiles } from './overview-queries.js'
import { finiteOrNull, num, queryRows } from './query-rows.js'
import { iso, type TimeRange } from './time-range.js'

/** Output labels kept by name over the range; the rest are summed under OTHER_LABEL. */
export const TOP_LABELS = 10
export const OTHER_LABEL = '(other)'

export interface TimeseriesBucket {
  readonly t: string
  readonly predictions: number
  readonly errors: number
  readonly latencyMs: LatencyPercentiles
  readonly outputLabels: Record<string, number>
  /** Mean of the finite output scores; null when the bucket has none. */
  readonly meanScore: number | null
}

interface BucketRow {
  bucket: string
  predictions: string
  errors: string
  latency: (number | null | string)[]
  latency_n: string
  mean_score: number | null | string
  score_n: string
}

/**
 * A model's volume, errors, latency percentiles, output labels and mean score per bucket, in three
 * aggregate queries: the per-bucket figures, the most frequent labels over the whole range
 * (`categoryCountsQuery`), and the label counts per bucket with the tail folded into "(other)".
 * Rows without a label (regression models) are not in `outputLabels`.
 */
export async function modelTimeseries(store: Store, model: DashboardModel, range: TimeRange, plan: BucketPlan) {
  const scope: PredictionScope = { table: model.table, window: range }
  const bucketBag = new ParamBag()
  const bucket = bucketExpression(plan, bucketBag)
  const levels = LATENCY_LEVELS.join(', ')
  const bucketQuery = {
    query: `SELECT ${bucket} AS bucket, count() AS predictions, countIf(status = 'error') AS errors,
                   quantilesIf(${levels})(latency_ms, isFinite(latency_ms)) AS latency, countIf(isFinite(latency_ms)) AS latency_n,
                   avgIf(output_score, isFinite(output_score)) AS mean_score, countIf(isFinite(output_score)) AS score_n
            ${scopeClause(scope, bucketBag)}
            GROUP BY bucket ORDER BY bucket`,
    params: bucketBag.values,
  }
  const [bucketRows, topRows] = await Promise.all([
    queryRows<BucketRow>(store, bucketQuery),
    queryRows(store, categoryCountsQuery({ scope, column: 'output_label', topK: TOP_LABELS })),
  ])
  const top = categoryCountsFromRows(topRows)
  const kept = Object.keys(top.counts)
  const labelsByBucket = new Map<number, Record<string, number>>()
  if (kept.length > 0) {
    const bag = new ParamBag()
    const labelBucket = bucketExpression(plan, bag)
    const keep = bag.bind('labels', 'Array(String)', kept)
    const other = bag.bind('other_label', 'String', OTHER_LABEL)
    const rows = await queryRows<{ bucket: string; label: string; n: string }>(store, {
      query: `SELECT ${labelBucket} AS bucket, if(has(${keep}, toString(output_label)), toString(output_label), ${other}) AS label, count() AS n
              ${scopeClause(scope, bag)} AND output_label != ''
              GROUP BY bucket, label ORDER BY bucket, label`,
      params: bag.values,
    })
    for (const row of rows) {
      const i = num(row.bucket)
      const labels = labelsByBucket.get(i) ?? {}
      labels[row.label] = num(row.n)
      labelsByBucket.set(i, labels)
    }
  }
  const byBucket = new Map(bucketRows.map((r) => [num(r.bucket), r]))
  const buckets: TimeseriesBucket[] = bucketStarts(plan).map((start, i) => {
    const row = byBucket.get(i)
    const hasLatency = row !== undefined && num(row.latency_n) > 0
    const quantile = (k: number) => (hasLatency ? finiteOrNull(num(row.latency[k])) : null)
    return {
      t: iso(start),
      predictions: row ? num(row.predictions) : 0,
      errors: row ? num(row.errors) : 0,
      latencyMs: { p50: quantile(0), p95: quantile(1), p99: quantile(2) },
      outputLabels: labelsByBucket.get(i) ?? {},
      meanScore: row && num(row.score_n) > 0 ? finiteOrNull(num(row.mean_score)) : null,
    }
  })
  return {
    model: model.id,
    bucketMs: plan.bucketMs,
    buckets,
    features: model.features.map((f) => ({ name: f.name, kind: f.kind })),
    attributes: [...model.attributes],
  }
}
