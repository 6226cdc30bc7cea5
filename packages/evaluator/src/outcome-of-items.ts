import { metricDefinition, type Control, type ControlOutcome, type ThresholdDirection } from '@aims-monitor/controls'
import { judge, judgementReason, OUTCOME_SEVERITY } from './judge.js'
import type { MetricItem } from './metric-context.js'

/** An item with its (corrected) value judged. */
export interface JudgedItem extends MetricItem {
  readonly outcome: ControlOutcome
  /** The p-value after the multiple-comparison correction (p-value metrics over several features). */
  readonly adjustedPValue?: number | undefined
}

export interface ControlJudgement {
  readonly value: number | null
  readonly pValue: number | null
  readonly outcome: ControlOutcome
  readonly reason: string
  readonly items: readonly JudgedItem[]
  readonly direction: ThresholdDirection
}

/**
 * The control's outcome from its items (one per feature, or one for the model):
 * - p-value metrics over several features are corrected first (Holm by default: controls the
 *   family-wise error rate without Bonferroni's loss of power), each feature judged on its adjusted p;
 * - `drift/auto` judges the share of drifted features (Evidently's dataset drift);
 * - otherwise the control takes the worst item's value (largest when larger is worse);
 * - items that could not be computed are insufficient; when none could, the control is.
 * A significance level on a non-p-value metric that carries a p-value (e.g. KS statistic) keeps a
 * value from breaching unless its test is significant.
 */
export function judgeItems(control: Control, items: readonly MetricItem[]): ControlJudgement {
  const definition = metricDefinition(control.metric.kind, control.metric.name)!
  const direction = control.thresholds.direction ?? definition.defaultDirection
  const thresholds = { direction, warn: control.thresholds.warn, breach: control.thresholds.breach }
  // A NaN value (a metric undefined on this data that its runner did not name) is an item not
  // computed, saying so: judging it would fail the whole control, the features that have a value too.
  items = items.map((item) => (item.value !== null && Number.isNaN(item.value) && item.insufficient === undefined ? { ...item, value: null, insufficient: 'the value is not a number (NaN)' } : item))
  const computed = items.filter((item) => item.value !== null && item.insufficient === undefined)
  const adjusted = definition.isPValue ? adjustPValues(computed.map((i) => i.value!), control.guard.multipleComparisons) : null
  const significance = control.guard.significance
  const judged: JudgedItem[] = items.map((item) => {
    const index = computed.indexOf(item)
    if (index < 0) return { ...item, outcome: 'insufficient_data' }
    const value = adjusted ? adjusted[index]! : item.value!
    let outcome: ControlOutcome = judge(value, thresholds)
    if (!definition.isPValue && significance !== undefined && typeof item.pValue === 'number' && item.pValue >= significance && outcome !== 'pass') outcome = 'pass'
    return { ...item, outcome, ...(adjusted ? { adjustedPValue: value } : {}) }
  })
  if (computed.length === 0) {
    const why = items.map((i) => `${i.name}: ${i.insufficient ?? 'no value'}`).join('; ')
    return { value: null, pValue: null, outcome: 'insufficient_data', reason: why || 'nothing to evaluate', items: judged, direction }
  }
  if (control.metric.kind === 'drift' && control.metric.name === 'auto') {
    const drifted = computed.filter((i) => i.value === 1).map((i) => i.name)
    const share = drifted.length / computed.length
    const outcome = judge(share, thresholds)
    return { value: share, pValue: null, outcome, reason: `${drifted.length} of ${computed.length} features drifted${drifted.length ? ` (${drifted.join(', ')})` : ''}; share ${judgementReason(share, thresholds, outcome).replace(/^value /, '')}`, items: judged, direction }
  }
  const worst = judged
    .filter((i) => i.outcome !== 'insufficient_data')
    .reduce((a, b) => {
      const severity = OUTCOME_SEVERITY[b.outcome] - OUTCOME_SEVERITY[a.outcome]
      if (severity !== 0) return severity > 0 ? b : a
      const va = a.adjustedPValue ?? a.value!
      const vb = b.adjustedPValue ?? b.value!
      return (direction === 'above' ? vb > va : vb < va) ? b : a
    })
  const value = worst.adjustedPValue ?? worst.value!
  const others = judged.filter((i) => i.outcome === 'insufficient_data').map((i) => i.name)
  const label = items.length > 1 || worst.name !== 'model' ? ` (${worst.name}${worst.adjustedPValue !== undefined ? `, ${control.guard.multipleComparisons}-adjusted over ${computed.length}` : ''})` : ''
  const reason = `${judgementReason(value, thresholds, worst.outcome)}${label}${others.length ? `; not computed: ${others.join(', ')}` : ''}`
  return { value, pValue: worst.adjustedPValue ?? (typeof worst.pValue === 'number' ? worst.pValue : null), outcome: worst.outcome, reason, items: judged, direction }
}

/**
 * Holm's step-down or Bonferroni's adjusted p-values, in the input order (as statsmodels'
 * multipletests 'holm' / 'bonferroni' return them).
 *
 * @example
 * adjustPValues([0.01, 0.04, 0.03], 'holm') // [0.03, 0.06, 0.06]
 */
export function adjustPValues(pValues: readonly number[], method: 'holm' | 'bonferroni' | 'none'): number[] {
  const m = pValues.length
  if (method === 'none' || m <= 1) return [...pValues]
  if (method === 'bonferroni') return pValues.map((p) => Math.min(1, p * m))
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0])
  const adjusted = new Array<number>(m)
  let running = 0
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p))
    adjusted[i] = running
  })
  return adjusted
}
