import { NO_EVIDENCE, type OutcomeCounts } from '../governance/evidence-counts.js'
import type { EvaluationRecord } from '../evaluation-record.js'
import type { BreakdownRow, ControlResults } from './report-data.js'

/** Points per control trend (the latest ones); the counts cover every record whatever this. */
const MAX_TREND_POINTS = 500

interface ItemLike { name?: unknown; value?: unknown; outcome?: unknown }

/**
 * Results and trends per control, from the evaluation records of the period: outcome counts, the
 * value of each window in time order, and the per-feature or per-group items of the records'
 * breakdowns (drift per feature, fairness per group), summarised over the period.
 */
export function resultsSection(records: readonly EvaluationRecord[]): ControlResults[] {
  const byControl = new Map<string, EvaluationRecord[]>()
  for (const record of records) byControl.set(record.control.id, [...(byControl.get(record.control.id) ?? []), record])
  return [...byControl.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([controlId, list]) => {
    const sorted = [...list].sort((a, b) => Date.parse(a.window.to) - Date.parse(b.window.to))
    const latest = sorted[sorted.length - 1]!
    const counts: Record<keyof OutcomeCounts, number> = { ...NO_EVIDENCE }
    const items = new Map<string, { evaluations: number; warn: number; breach: number; values: number[]; last: number | null }>()
    for (const record of sorted) {
      counts.total++
      counts[record.outcome]++
      const breakdownItems = (record.breakdown as { items?: unknown } | null)?.items
      if (!Array.isArray(breakdownItems) || breakdownItems.length < 2) continue // one item is the model itself: nothing to break down
      for (const item of breakdownItems as ItemLike[]) {
        if (typeof item.name !== 'string') continue
        const row = items.get(item.name) ?? { evaluations: 0, warn: 0, breach: 0, values: [], last: null }
        row.evaluations++
        if (item.outcome === 'warn') row.warn++
        if (item.outcome === 'breach') row.breach++
        const value = typeof item.value === 'number' && Number.isFinite(item.value) ? item.value : null
        if (value !== null) row.values.push(value)
        row.last = value
        items.set(item.name, row)
      }
    }
    const breakdown = [...items.entries()].map(([name, row]): BreakdownRow => ({
      name, evaluations: row.evaluations, warn: row.warn, breach: row.breach, lastValue: row.last,
      minValue: row.values.length ? Math.min(...row.values) : null, maxValue: row.values.length ? Math.max(...row.values) : null,
    }))
    return {
      controlId, title: latest.control.title, model: latest.model.id, metric: `${latest.metric.kind}/${latest.metric.name}`, counts,
      thresholds: { direction: latest.thresholds.direction, warn: latest.thresholds.warn, breach: latest.thresholds.breach },
      trend: sorted.slice(-MAX_TREND_POINTS).map((r) => ({ windowTo: r.window.to, value: finiteOrNull(r.value), outcome: r.outcome })),
      breakdown,
    }
  })
}

function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null
}
