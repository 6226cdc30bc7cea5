import { ParamBag } from '@aims-monitor/metrics'
import { rollupLatencyFunction, type Store } from '@aims-monitor/store'
import { bucketStarts, type BucketPlan } from './buckets.js'
import type { DashboardModel } from './model-catalog.js'
import type { LatencyPercentiles } from './overview-queries.js'
import { finiteOrNull, num, queryRows } from './query-rows.js'
import { rollupOf, rollupPartialsSql } from './rollup-scan.js'
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
  labels: [string[], (string | number)[]]
  score_sum: number | string | null
  score_n: string
}

/**
 * A model's volume, errors, latency percentiles (DDSketch estimates, ±1 %), output labels and mean score
 * per bucket, in one query on its minute rollup (rollup-scan.ts): the labels of each bucket come as
 * one sumMap, and the most frequent over the range (ties by name, as `categoryCountsQuery` orders
 * them) are kept by name, the rest summed under OTHER_LABEL. Rows without a label (regression
 * models) are not in `outputLabels`. Counts are exact (as the raw table without FINAL).
 */
export async function modelTimeseries(store: Store, model: DashboardModel, range: TimeRange, plan: BucketPlan) {
  const bag = new ParamBag()
  const partials = rollupPartialsSql({ predictions: model.table, rollup: rollupOf(model.table) }, range, plan, bag)
  const bucketRows = await queryRows<BucketRow>(store, {
    query: `SELECT bucket, sum(predictions) AS predictions, sum(errors) AS errors,
                   ${rollupLatencyFunction('Merge')}(latency) AS latency, sum(latency_n) AS latency_n,
                   sumMap(labels) AS labels, sum(score_sum) AS score_sum, sum(score_n) AS score_n
            FROM (${partials})
            GROUP BY bucket ORDER BY bucket`,
    params: bag.values,
  })
  const countsOf = (row: BucketRow): Map<string, number> => new Map(row.labels[0].map((label, i) => [label, num(row.labels[1][i])]))
  const totals = new Map<string, number>()
  for (const row of bucketRows) for (const [label, n] of countsOf(row)) totals.set(label, (totals.get(label) ?? 0) + n)
  const kept = new Set(
    [...totals]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, TOP_LABELS)
      .map(([label]) => label),
  )
  const labelsOf = (row: BucketRow): Record<string, number> => {
    const labels: Record<string, number> = {}
    let other = 0
    for (const [label, n] of countsOf(row)) {
      if (n <= 0) continue
      if (kept.has(label)) labels[label] = n
      else other += n
    }
    if (other > 0) labels[OTHER_LABEL] = other
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
      meanScore: row && num(row.score_n) > 0 ? finiteOrNull(num(row.score_sum) / num(row.score_n)) : null,
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
