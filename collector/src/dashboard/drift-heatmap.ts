import type { Evaluator, StoredEvaluation } from '@aims-monitor/evaluator'
import type { TimeRange } from './time-range.js'

/** Evaluation records read for one map at most (a daily control over ten years is 3,650). */
export const MAX_DRIFT_RECORDS = 10_000

export interface DriftCell {
  readonly feature: string
  readonly windowTo: string
  readonly controlId: string
  readonly metric: string
  /** The feature's value as judged (the adjusted p-value when the control corrects for several features); null when not computed. */
  readonly value: number | null
  readonly outcome: string
  readonly evaluationId: string
}

export interface DriftHeatmap {
  readonly features: string[]
  readonly windows: { from: string; to: string }[]
  readonly cells: DriftCell[]
}

/** A per-feature item of a drift record's breakdown (see the evaluator's judgeItems). */
interface DriftItem {
  readonly name?: unknown
  readonly value?: unknown
  readonly adjustedPValue?: unknown
  readonly outcome?: unknown
}

/**
 * The drift heat map of a model: one cell per (feature, window, drift control) from the drift
 * controls' evaluation records whose window ends in the range (`control` narrows to one control).
 * Records that hold no per-feature item (an evaluation that failed, or found too little data
 * before any feature was computed) add their window but no cell. Empty without a policy.
 */
export async function driftHeatmap(evaluator: Evaluator | undefined, project: string, modelId: string, range: TimeRange, controlId?: string): Promise<DriftHeatmap> {
  if (!evaluator) return { features: [], windows: [], cells: [] }
  const records = (await evaluator.evaluations.list({ project, modelId, controlId, from: range.from, to: range.to, limit: MAX_DRIFT_RECORDS }))
    .filter((stored) => stored.record.metric.kind === 'drift')
    .reverse() // oldest first
  const features = new Set<string>()
  const windows = new Map<string, { from: string; to: string }>()
  const cells: DriftCell[] = []
  for (const stored of records) {
    const { window } = stored.record
    windows.set(`${window.from}/${window.to}`, { from: window.from, to: window.to })
    for (const item of itemsOf(stored)) {
      if (typeof item.name !== 'string') continue
      features.add(item.name)
      const value = typeof item.adjustedPValue === 'number' ? item.adjustedPValue : typeof item.value === 'number' ? item.value : null
      cells.push({
        feature: item.name,
        windowTo: window.to,
        controlId: stored.record.control.id,
        metric: stored.record.metric.name,
        value,
        outcome: typeof item.outcome === 'string' ? item.outcome : 'insufficient_data',
        evaluationId: stored.record.id,
      })
    }
  }
  return {
    features: [...features].sort(),
    windows: [...windows.values()].sort((a, b) => Date.parse(a.to) - Date.parse(b.to) || Date.parse(a.from) - Date.parse(b.from)),
    cells,
  }
}

function itemsOf(stored: StoredEvaluation): DriftItem[] {
  const breakdown = stored.record.breakdown as { items?: unknown } | null
  return Array.isArray(breakdown?.items) ? (breakdown.items as DriftItem[]) : []
}
