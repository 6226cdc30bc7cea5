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
 * A model's volume, errors, latency percentiles, output labels and mean score per bucket, in two
 * aggregate queries: the most frequent labels over the whole range (`categoryCountsQuery`), then one
 * scan that computes every per-bucket figure, with a `countIf` per kept label and one for the rest
 * (measured: half the CPU of a separate label GROUP BY). Rows without a label (regression models)
 * are not in `outputLabels`.
 */
export async function modelTimeseries(store: Store, model: DashboardModel, range: TimeRange, plan: BucketPlan) {
  const scope: PredictionScope = { table: model.table, window: range }
  const top = categoryCountsFromRows(await queryRows(store, categoryCountsQuery({ scope, column: 'output_label', topK: TOP_LABELS })))
  const kept = Object.keys(top.counts)
  const bag = new ParamBag()
  const bucket = bucketExpression(plan, bag)
  const labelCounts = kept.map((label, i) => `countIf(output_label = ${bag.bind('label', 'String', label)}) AS label_${i}`)
  if (top.other > 0) labelCounts.push(`countIf(output_label != '' AND NOT has(${bag.bind('labels', 'Array(String)', kept)}, toString(output_label))) AS label_other`)
  const bucketRows = await queryRows<BucketRow & Record<string, unknown>>(store, {
    query: `SELECT ${bucket} AS bucket, count() AS predictions, countIf(status = 'error') AS errors,
                   quantilesIf(${LATENCY_LEVELS.join(', ')})(latency_ms, isFinite(latency_ms)) AS latency, countIf(isFinite(latency_ms)) AS latency_n,
                   avgIf(output_score, isFinite(output_score)) AS mean_score, countIf(isFinite(output_score)) AS score_n${labelCounts.map((c) => `,
                   ${c}`).join('')}
            ${scopeClause(scope, bag)}
            GROUP BY bucket ORDER BY bucket`,
    params: bag.values,
  })
  const labelsOf = (row: Record<string, unknown>): Record<string, number> => {
    const labels: Record<string, number> = {}
    kept.forEach((label, i) => {
      const n = num(row[`label_${i}`])
      if (n > 0) labels[label] = n
    })
    if (top.other > 0 && num(row.label_other) > 0) labels[OTHER_LABEL] = num(row.label_other)
    return labels
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
      outputLabels: row ? labelsOf(row) : {},
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
