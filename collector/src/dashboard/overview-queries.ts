import { ParamBag } from '@aims-monitor/metrics'
import type { Evaluator } from '@aims-monitor/evaluator'
import { ROLLUP_LATENCY_LEVELS, rollupLatencyFunction, type Store } from '@aims-monitor/store'
import { bucketStarts, type BucketPlan } from './buckets.js'
import { finiteOrNull, num, queryRows } from './query-rows.js'
import { rollupOf, rollupPartialsSql } from './rollup-scan.js'
import { iso, type TimeRange } from './time-range.js'

/** Latency percentiles shown everywhere: median and the tails (the levels the rollup's latency sketch is built for). */
export const LATENCY_LEVELS = ROLLUP_LATENCY_LEVELS

/** Versions listed per model at most (a model that sends a new version per deployment has many). */
const MAX_VERSIONS = 100

export interface LatencyPercentiles {
  readonly p50: number | null
  readonly p95: number | null
  readonly p99: number | null
}

export interface ModelOverview {
  readonly id: string
  readonly versions: string[]
  readonly predictions: number
  readonly errors: number
  readonly errorRate: number | null
  readonly latencyMs: LatencyPercentiles
  readonly lastEventAt: string | null
  readonly series: { t: string; predictions: number; errors: number }[]
}

/**
 * One model's volume, errors, latency and versions over the range, read from its minute rollup
 * (rollup-scan.ts: exact counts, minutes cut by the range read from the raw rows): counts and
 * versions per bucket (the totals are their sums), the latency percentiles over the whole range
 * (DDSketch estimates within 1 % of the exact value, merged from the minutes' states), and the last event ever (shown when the
 * range is empty). Counts match the raw table read without FINAL: a retried event counts twice
 * (in the rollup for good), which a page that must stay fast accepts; evaluations read exactly.
 */
export async function modelOverview(store: Store, model: { id: string; table: string }, range: TimeRange, plan: BucketPlan): Promise<ModelOverview> {
  const tables = { predictions: model.table, rollup: rollupOf(model.table) }
  const seriesBag = new ParamBag()
  const seriesQuery = {
    query: `SELECT bucket, sum(predictions) AS predictions, sum(errors) AS errors, groupUniqArray(${MAX_VERSIONS})(model_version) AS versions
            FROM (${rollupPartialsSql(tables, range, plan, seriesBag)})
            GROUP BY bucket ORDER BY bucket`,
    params: seriesBag.values,
  }
  const latencyBag = new ParamBag()
  const latencyQuery = {
    query: `SELECT ${rollupLatencyFunction('Merge')}(latency) AS latency, sum(latency_n) AS latency_n
            FROM (${rollupPartialsSql(tables, range, plan, latencyBag)})`,
    params: latencyBag.values,
  }
  const [seriesRows, latencyRows, lastRows] = await Promise.all([
    queryRows<{ bucket: string; predictions: string; errors: string; versions: string[] }>(store, seriesQuery),
    queryRows<{ latency: (number | string | null)[]; latency_n: string }>(store, latencyQuery),
    queryRows<{ n: string; last: string }>(store, { query: `SELECT count() AS n, toUnixTimestamp64Milli(max(ts)) AS last FROM ${model.table}`, params: {} }),
  ])
  const byBucket = new Map(seriesRows.map((r) => [num(r.bucket), r]))
  const versions = new Set<string>()
  for (const row of seriesRows) for (const v of row.versions) versions.add(v)
  const series = bucketStarts(plan).map((start, i) => {
    const row = byBucket.get(i)
    return { t: iso(start), predictions: row ? num(row.predictions) : 0, errors: row ? num(row.errors) : 0 }
  })
  const predictions = series.reduce((s, b) => s + b.predictions, 0)
  const errors = series.reduce((s, b) => s + b.errors, 0)
  const latencyRow = latencyRows[0]
  const latency = (k: number) => (latencyRow && num(latencyRow.latency_n) > 0 ? finiteOrNull(num(latencyRow.latency[k])) : null)
  const last = lastRows[0]
  return {
    id: model.id,
    versions: [...versions].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).slice(0, MAX_VERSIONS),
    predictions,
    errors,
    errorRate: predictions > 0 ? errors / predictions : null,
    latencyMs: { p50: latency(0), p95: latency(1), p99: latency(2) },
    lastEventAt: last && num(last.n) > 0 ? iso(num(last.last)) : null,
    series,
  }
}

/**
 * The control status board: every control of the project's policy with its ISO/IEC 42001 (and
 * other) references and its latest evaluation. Empty without a policy.
 */
export async function controlBoard(evaluator: Evaluator | undefined, project: string) {
  if (!evaluator) return []
  const latest = await evaluator.evaluations.latestByControl(project)
  return evaluator.policy.policy.controls
    .filter((control) => control.scope.project === project)
    .map((control) => {
      const stored = latest.get(control.id)
      const record = stored?.record
      return {
        id: control.id,
        title: control.title,
        model: control.scope.model,
        kind: control.metric.kind,
        metric: control.metric.name,
        severity: control.severity,
        status: control.status,
        references: control.references,
        latest: record
          ? { outcome: record.outcome, value: record.value, evaluatedAt: record.evaluatedAt, evaluationId: record.id, window: { from: record.window.from, to: record.window.to } }
          : null,
      }
    })
}

/** Open and acknowledged alerts of the project (zero without a policy). */
export async function alertCounts(evaluator: Evaluator | undefined, project: string): Promise<{ open: number; acknowledged: number }> {
  if (!evaluator) return { open: 0, acknowledged: 0 }
  const alerts = await evaluator.alerts.list({ project, limit: 10_000 })
  return { open: alerts.filter((a) => a.state === 'open').length, acknowledged: alerts.filter((a) => a.state === 'acknowledged').length }
}
