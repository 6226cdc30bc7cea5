import type { Control, ControlOutcome } from '@aims-monitor/controls'
import type { Alert, AlertChange } from './alert-repository.js'
import { uuidFromKey } from './evaluation-record.js'

/** What an evaluation did to the alert of its (control, segment). */
export interface AlertTransition {
  /** The alert's next version, or null when nothing changes (a pass with no alert open). */
  readonly next: Alert | null
  /** The event to notify, with the notifier names to tell; null when nobody is told. */
  readonly notify: { readonly event: 'opened' | 'updated' | 'escalated' | 'resolved'; readonly routes: readonly string[] } | null
  /** A breach that should open a nonconformity record (the alert has none yet). */
  readonly openNonconformity: boolean
}

export interface EvaluationFacts {
  readonly id: string
  readonly key: string
  readonly outcome: ControlOutcome
  readonly modelId: string
  readonly project: string
  readonly segment: string
}

export const EVALUATOR_ACTOR = 'aims-evaluator'

/**
 * The alert lifecycle, as a pure function of the active alert and a new evaluation:
 * - warn / breach with no alert: open one, tell the outcome's routes;
 * - warn / breach with an alert: count consecutive breaches; warn → breach tells the breach routes
 *   ('updated'); reaching `escalation.consecutiveBreaches` escalates once, telling the escalation routes;
 * - pass: count consecutive passes; after `clearAfterPasses` in a row the alert is resolved by the
 *   evaluator (hysteresis: one good window does not clear a problem) and everyone told is told;
 * - insufficient_data / error: neither a pass nor a breach, so counters stay; when the control's
 *   insufficient-data policy says notify, it opens an alert of level insufficient_data.
 */
export function planAlertTransition(active: Alert | null, control: Control, evaluation: EvaluationFacts, now: number): AlertTransition {
  const at = new Date(now).toISOString()
  const { outcome } = evaluation
  const response = control.response
  if (outcome === 'warn' || outcome === 'breach' || ((outcome === 'insufficient_data' || outcome === 'error') && control.insufficientData.notify)) {
    const level = outcome === 'error' ? 'insufficient_data' : outcome
    const routes = response.notify[level]
    if (active === null) {
      const id = uuidFromKey(`alert/${evaluation.project}/${control.id}/${evaluation.segment}/${evaluation.key}`)
      const next: Alert = {
        id, version: 1, project: evaluation.project, controlId: control.id, controlVersion: control.version, modelId: evaluation.modelId,
        segment: evaluation.segment, state: 'open', level, severity: control.severity, openedAt: at, updatedAt: at,
        change: 'opened', actor: EVALUATOR_ACTOR, note: `evaluation ${evaluation.id}: ${outcome}`,
        firstEvaluationId: evaluation.id, lastEvaluationId: evaluation.id, evaluationCount: 1,
        consecutiveBreaches: outcome === 'breach' ? 1 : 0, consecutivePasses: 0,
        escalated: null, acknowledged: null, resolved: null, nonconformityId: null, notified: [...routes],
      }
      return { next, notify: routes.length ? { event: 'opened', routes } : null, openNonconformity: outcome === 'breach' && response.nonconformity }
    }
    if (level === 'insufficient_data' && active.level !== 'insufficient_data') {
      // An open warn/breach alert is not downgraded by a window that could not be judged.
      return { next: bump(active, 'updated', at, evaluation, `evaluation ${evaluation.id}: ${outcome} (alert kept at ${active.level})`, {}), notify: null, openNonconformity: false }
    }
    const consecutiveBreaches = outcome === 'breach' ? active.consecutiveBreaches + 1 : 0
    const escalation = response.escalation
    const escalate = outcome === 'breach' && active.escalated === null && escalation?.consecutiveBreaches !== undefined && consecutiveBreaches >= escalation.consecutiveBreaches
    const upgraded = level === 'breach' && active.level !== 'breach'
    let change: AlertChange = 'updated'
    let notify: AlertTransition['notify'] = null
    let note = `evaluation ${evaluation.id}: ${outcome}`
    if (escalate) {
      change = 'escalated'
      note = `${consecutiveBreaches} consecutive breaches (escalation at ${escalation!.consecutiveBreaches})`
      notify = { event: 'escalated', routes: escalation!.notify }
    } else if (upgraded) {
      notify = routes.length ? { event: 'updated', routes } : null
      note = `raised from ${active.level} to breach by evaluation ${evaluation.id}`
    }
    const next = bump(active, change, at, evaluation, note, {
      level: upgraded ? 'breach' : active.level,
      consecutiveBreaches,
      consecutivePasses: 0,
      ...(escalate ? { escalated: { at, reason: note } } : {}),
      notified: union(active.notified, notify?.routes ?? []),
    })
    return { next, notify, openNonconformity: outcome === 'breach' && response.nonconformity && active.nonconformityId === null }
  }
  if (active === null) return { next: null, notify: null, openNonconformity: false }
  if (outcome !== 'pass') {
    return { next: bump(active, 'updated', at, evaluation, `evaluation ${evaluation.id}: ${outcome} (neither clears nor raises the alert)`, {}), notify: null, openNonconformity: false }
  }
  const consecutivePasses = active.consecutivePasses + 1
  if (consecutivePasses >= response.clearAfterPasses) {
    const note = `cleared after ${consecutivePasses} passing evaluation${consecutivePasses === 1 ? '' : 's'} in a row (clearAfterPasses ${response.clearAfterPasses})`
    const next = bump(active, 'cleared', at, evaluation, note, {
      state: 'resolved', consecutivePasses, consecutiveBreaches: 0, resolved: { at, by: EVALUATOR_ACTOR, note },
    })
    return { next, notify: active.notified.length ? { event: 'resolved', routes: active.notified } : null, openNonconformity: false }
  }
  return { next: bump(active, 'updated', at, evaluation, `passing evaluation ${consecutivePasses} of ${response.clearAfterPasses} needed to clear`, { consecutivePasses, consecutiveBreaches: 0 }), notify: null, openNonconformity: false }
}

/** An alert nobody acknowledged within the control's `escalation.unacknowledgedAfter`: escalated once. */
export function planUnacknowledgedEscalation(active: Alert, control: Control, now: number): AlertTransition | null {
  const escalation = control.response.escalation
  if (active.state !== 'open' || active.escalated !== null || escalation?.unacknowledgedAfter === undefined) return null
  if (now - Date.parse(active.openedAt) < escalation.unacknowledgedAfter) return null
  const at = new Date(now).toISOString()
  const note = `not acknowledged within ${Math.round(escalation.unacknowledgedAfter / 60_000)} minutes`
  const next: Alert = { ...active, version: active.version + 1, change: 'escalated', actor: EVALUATOR_ACTOR, note, updatedAt: at, escalated: { at, reason: note }, notified: union(active.notified, escalation.notify) }
  return { next, notify: { event: 'escalated', routes: escalation.notify }, openNonconformity: false }
}

/** A person acknowledges or resolves an alert: who and why are mandatory, and recorded. */
export function planManualChange(active: Alert, change: 'acknowledged' | 'resolved', by: string, note: string, now: number): Alert {
  const at = new Date(now).toISOString()
  if (active.state === 'resolved') throw new AlertStateError(`alert ${active.id} is already resolved`)
  if (change === 'acknowledged' && active.state === 'acknowledged') throw new AlertStateError(`alert ${active.id} is already acknowledged (by ${active.acknowledged?.by})`)
  return {
    ...active, version: active.version + 1, change, actor: by, note, updatedAt: at,
    state: change,
    ...(change === 'acknowledged' ? { acknowledged: { at, by, note } } : { resolved: { at, by, note } }),
  }
}

/** A change that the alert's current state does not allow (HTTP 409). */
export class AlertStateError extends Error {
  readonly status = 409
  constructor(message: string) {
    super(message)
    this.name = 'AlertStateError'
  }
}

function bump(active: Alert, change: AlertChange, at: string, evaluation: EvaluationFacts, note: string, fields: Partial<Alert>): Alert {
  return {
    ...active, ...fields, version: active.version + 1, change, actor: EVALUATOR_ACTOR, note, updatedAt: at,
    lastEvaluationId: evaluation.id, evaluationCount: active.evaluationCount + 1,
  }
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])]
}
