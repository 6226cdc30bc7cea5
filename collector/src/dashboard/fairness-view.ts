import { metricDefinition, type Control } from '@aims-monitor/controls'
import type { Evaluator, StoredEvaluation } from '@aims-monitor/evaluator'
import type { TimeRange } from './time-range.js'

/** Evaluation records read for one view at most. */
export const MAX_FAIRNESS_RECORDS = 10_000

type Interval = { lower: number; upper: number } | null

/** A group of the fairness breakdown (see the evaluator's fairness runner). */
interface GroupDetail {
  predictions?: number
  labelled?: number
  selectionRate?: number | null
  tpr?: number | null
  fpr?: number | null
  fnr?: number | null
  precision?: number | null
  intervals?: Record<string, Interval>
  interval?: Interval
  insufficient?: boolean
}

export interface FairnessGroup {
  readonly group: string
  /** Predictions compared: labelled ones for outcome metrics, all for selection-rate metrics. */
  readonly count: number
  readonly selectionRate: number | null
  readonly tpr: number | null
  readonly fpr: number | null
  readonly fnr: number | null
  readonly precision: number | null
  /** Wilson 95 % interval per rate (only the rates the metric computed). */
  readonly intervals: Record<string, Interval>
  /** Too few members to be compared (guard.minPerGroup), or excluded by selector.minGroupShare. */
  readonly insufficient: boolean
  readonly excludedReason?: string
}

/**
 * The fairness view of a model for one protected attribute: the per-group rates of the latest
 * fairness evaluation that computed groups, and each fairness control's value over time against
 * its thresholds, from the evaluation records whose window ends in the range. A record is about
 * the attribute when its control (in the loaded policy) selects it, or its breakdown says so.
 * Empty without a policy.
 */
export async function fairnessView(evaluator: Evaluator | undefined, project: string, modelId: string, attribute: string, range: TimeRange) {
  if (!evaluator) return { attribute, latest: null, series: [] }
  const controls = evaluator.policy.policy.controls.filter(
    (c) => c.scope.project === project && c.scope.model === modelId && c.metric.kind === 'fairness' && c.selector.attribute === attribute,
  )
  const controlIds = new Set(controls.map((c) => c.id))
  const records = (await evaluator.evaluations.list({ project, modelId, from: range.from, to: range.to, limit: MAX_FAIRNESS_RECORDS }))
    .filter((s) => s.record.metric.kind === 'fairness' && (controlIds.has(s.record.control.id) || detailOf(s)?.attribute === attribute))
  // Newest first, as listed: the first with groups is the latest.
  const latestStored = records.find((s) => detailOf(s)?.byGroup !== undefined)
  const series = new Map<string, ReturnType<typeof seriesOf>>()
  for (const control of controls) series.set(control.id, seriesOf(control, null))
  for (const stored of [...records].reverse()) {
    const id = stored.record.control.id
    // A control of the loaded policy is drawn against its thresholds in force; one no longer in
    // the policy against those its newest record was held to.
    const entry = series.get(id) ?? seriesOf(null, stored)
    if (!controlIds.has(id)) Object.assign(entry, seriesOf(null, stored), { points: entry.points })
    series.set(id, entry)
    entry.points.push({ windowTo: stored.record.window.to, value: stored.record.value, outcome: stored.record.outcome, evaluationId: stored.record.id })
  }
  return {
    attribute,
    latest: latestStored ? latestOf(latestStored) : null,
    series: [...series.values()],
  }
}

function seriesOf(control: Control | null, stored: StoredEvaluation | null) {
  const metric = control?.metric.name ?? stored!.record.metric.name
  return {
    controlId: control?.id ?? stored!.record.control.id,
    metric,
    direction: control ? (control.thresholds.direction ?? metricDefinition(control.metric.kind, control.metric.name)?.defaultDirection ?? 'above') : stored!.record.thresholds.direction,
    warn: control ? (control.thresholds.warn ?? null) : stored!.record.thresholds.warn,
    breach: control ? control.thresholds.breach : stored!.record.thresholds.breach,
    points: [] as { windowTo: string; value: number | null; outcome: string; evaluationId: string }[],
  }
}

function latestOf(stored: StoredEvaluation) {
  const { record } = stored
  const detail = detailOf(stored)!
  const groups: FairnessGroup[] = Object.entries(detail.byGroup ?? {}).map(([group, g]) => {
    const selectionOnly = g.labelled === undefined
    return {
      group,
      count: (selectionOnly ? g.predictions : g.labelled) ?? 0,
      selectionRate: g.selectionRate ?? null,
      tpr: g.tpr ?? null,
      fpr: g.fpr ?? null,
      fnr: g.fnr ?? null,
      precision: g.precision ?? null,
      intervals: selectionOnly ? { selectionRate: g.interval ?? null } : { ...(g.intervals ?? {}) },
      insufficient: g.insufficient === true,
    }
  })
  // Groups left out by selector.minGroupShare never reach the report: shown as insufficient.
  for (const excluded of record.excludedGroups) {
    if (excluded.group === '(attribute missing)' || groups.some((g) => g.group === excluded.group)) continue
    groups.push({ group: excluded.group, count: excluded.size, selectionRate: null, tpr: null, fpr: null, fnr: null, precision: null, intervals: {}, insufficient: true, excludedReason: excluded.reason })
  }
  groups.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
  return {
    evaluationId: record.id,
    controlId: record.control.id,
    metric: record.metric.name,
    outcome: record.outcome,
    value: record.value,
    window: { from: record.window.from, to: record.window.to },
    groups,
  }
}

function detailOf(stored: StoredEvaluation): { attribute?: string; byGroup?: Record<string, GroupDetail> } | undefined {
  const breakdown = stored.record.breakdown as { detail?: { attribute?: unknown; byGroup?: unknown } } | null
  const detail = breakdown?.detail
  if (!detail || typeof detail !== 'object') return undefined
  return {
    attribute: typeof detail.attribute === 'string' ? detail.attribute : undefined,
    byGroup: detail.byGroup && typeof detail.byGroup === 'object' ? (detail.byGroup as Record<string, GroupDetail>) : undefined,
  }
}
