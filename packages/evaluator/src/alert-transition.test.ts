import { describe, expect, it } from 'vitest'
import { controlSchema, type Control, type ControlOutcome } from '@aims-monitor/controls'
import type { Alert } from './alert-repository.js'
import { AlertStateError, EVALUATOR_ACTOR, planAlertTransition, planManualChange, planUnacknowledgedEscalation, type EvaluationFacts } from './alert-transition.js'

const T0 = Date.parse('2026-11-26T00:00:00Z')
const HOUR = 3_600_000

function control(response: Record<string, unknown> = {}, insufficientData?: { notify: boolean }): Control {
  return controlSchema.parse({
    id: 'OPS-1', version: 3, title: 'error rate', status: 'active',
    approval: { by: 'x', at: '2026-01-01', reference: 'r' }, references: { iso42001: ['9.1'] },
    owner: { accountable: 'a', responsible: 'b' }, scope: { model: 'm' },
    metric: { kind: 'operational', name: 'error_rate' },
    window: { current: { type: 'tumbling', size: '1h' } }, thresholds: { warn: 0.01, breach: 0.05, rationale: 'a test threshold' },
    schedule: { every: '1h' }, severity: 'high',
    response: { notify: { warn: ['chat'], breach: ['pager', 'chat'], insufficient_data: ['ops'] }, ...response },
    ...(insufficientData ? { insufficientData } : {}),
  })
}

function facts(outcome: ControlOutcome, n: number): EvaluationFacts {
  return { id: `eval-${n}`, key: `default/OPS-1/v3/window-${n}`, outcome, modelId: 'm', project: 'default', segment: '' }
}

/** Runs outcomes through the lifecycle as the evaluator does, returning every transition. */
function run(c: Control, outcomes: ControlOutcome[], start: Alert | null = null) {
  let active = start
  return outcomes.map((outcome, n) => {
    const t = planAlertTransition(active, c, facts(outcome, n), T0 + n * HOUR)
    active = t.next && t.next.state !== 'resolved' ? t.next : null
    return t
  })
}

describe('planAlertTransition', () => {
  it('a pass with no alert changes nothing', () => {
    expect(planAlertTransition(null, control(), facts('pass', 0), T0)).toEqual({ next: null, notify: null, openNonconformity: false })
  })

  it('a breach opens an alert, tells the breach routes and asks for a nonconformity', () => {
    const t = planAlertTransition(null, control(), facts('breach', 0), T0)
    expect(t.next).toMatchObject({ version: 1, state: 'open', level: 'breach', controlId: 'OPS-1', controlVersion: 3, severity: 'high', change: 'opened', actor: EVALUATOR_ACTOR, consecutiveBreaches: 1, consecutivePasses: 0, firstEvaluationId: 'eval-0', notified: ['pager', 'chat'] })
    expect(t.notify).toEqual({ event: 'opened', routes: ['pager', 'chat'] })
    expect(t.openNonconformity).toBe(true)
    // The id derives from the evaluation key: a re-run plans the same alert.
    expect(planAlertTransition(null, control(), facts('breach', 0), T0 + 5).next!.id).toBe(t.next!.id)
  })

  it('no nonconformity when the control says so, and none for a warn', () => {
    expect(planAlertTransition(null, control({ nonconformity: false }), facts('breach', 0), T0).openNonconformity).toBe(false)
    const warn = planAlertTransition(null, control(), facts('warn', 0), T0)
    expect(warn.openNonconformity).toBe(false)
    expect(warn.next).toMatchObject({ level: 'warn', consecutiveBreaches: 0 })
    expect(warn.notify).toEqual({ event: 'opened', routes: ['chat'] })
  })

  it('warn → breach raises the alert and tells the breach routes (updated)', () => {
    const [opened, raised] = run(control(), ['warn', 'breach'])
    expect(opened!.next!.level).toBe('warn')
    expect(raised!.next).toMatchObject({ id: opened!.next!.id, version: 2, level: 'breach', change: 'updated', consecutiveBreaches: 1, notified: ['chat', 'pager'] })
    expect(raised!.notify).toEqual({ event: 'updated', routes: ['pager', 'chat'] })
    expect(raised!.openNonconformity).toBe(true)
  })

  it('a breach after a breach is not notified again, and a nonconformity is not asked for twice', () => {
    const c = control()
    const [first] = run(c, ['breach'])
    const again = planAlertTransition({ ...first!.next!, nonconformityId: 'nc-1' }, c, facts('breach', 1), T0 + HOUR)
    expect(again.notify).toBeNull()
    expect(again.openNonconformity).toBe(false)
    expect(again.next).toMatchObject({ consecutiveBreaches: 2, evaluationCount: 2, lastEvaluationId: 'eval-1' })
  })

  it('escalates once after N consecutive breaches, telling the escalation routes', () => {
    const c = control({ escalation: { consecutiveBreaches: 3, notify: ['duty-manager'] } })
    const ts = run(c, ['breach', 'breach', 'breach', 'breach'])
    expect(ts.map((t) => t.notify?.event ?? null)).toEqual(['opened', null, 'escalated', null])
    expect(ts[2]!.notify!.routes).toEqual(['duty-manager'])
    expect(ts[2]!.next).toMatchObject({ change: 'escalated', consecutiveBreaches: 3, escalated: { at: new Date(T0 + 2 * HOUR).toISOString() } })
    expect(ts[2]!.next!.notified).toEqual(['pager', 'chat', 'duty-manager'])
    expect(ts[3]!.next!.escalated).toEqual(ts[2]!.next!.escalated)
  })

  it('a warn between breaches resets the consecutive count, so no escalation', () => {
    const c = control({ escalation: { consecutiveBreaches: 3, notify: ['duty-manager'] } })
    const ts = run(c, ['breach', 'breach', 'warn', 'breach', 'breach'])
    expect(ts.some((t) => t.notify?.event === 'escalated')).toBe(false)
    expect(ts[4]!.next!.consecutiveBreaches).toBe(2)
  })

  it('hysteresis: clears only after clearAfterPasses passes in a row; a breach in between restarts the count', () => {
    const c = control({ clearAfterPasses: 3 })
    const ts = run(c, ['breach', 'pass', 'pass', 'breach', 'pass', 'pass', 'pass'])
    expect(ts.map((t) => t.next?.state)).toEqual(['open', 'open', 'open', 'open', 'open', 'open', 'resolved'])
    expect(ts.map((t) => t.next?.consecutivePasses)).toEqual([0, 1, 2, 0, 1, 2, 3])
    const cleared = ts[6]!
    expect(cleared.next).toMatchObject({ change: 'cleared', resolved: { by: EVALUATOR_ACTOR }, consecutiveBreaches: 0 })
    expect(cleared.next!.resolved!.note).toMatch(/3 passing evaluations in a row/)
    // Everyone told about the alert is told it is resolved.
    expect(cleared.notify).toEqual({ event: 'resolved', routes: ['pager', 'chat'] })
    expect(ts.slice(1, 6).every((t) => t.notify === null)).toBe(true)
  })

  it('insufficient data neither clears nor raises an open alert, and does not reset the pass count', () => {
    const c = control({ clearAfterPasses: 2 })
    const ts = run(c, ['breach', 'pass', 'insufficient_data', 'error', 'pass'])
    expect(ts[2]!.next).toMatchObject({ state: 'open', level: 'breach', consecutivePasses: 1 })
    expect(ts[2]!.notify).toBeNull()
    expect(ts[3]!.next).toMatchObject({ state: 'open', level: 'breach', consecutivePasses: 1 })
    expect(ts[4]!.next).toMatchObject({ state: 'resolved', change: 'cleared' })
  })

  it('insufficient data with no alert and the default policy: nothing, nobody told', () => {
    expect(planAlertTransition(null, control(), facts('insufficient_data', 0), T0)).toEqual({ next: null, notify: null, openNonconformity: false })
  })

  it('insufficientData.notify: opens an insufficient_data alert on its routes; a breach raises it; an open breach is not downgraded', () => {
    const c = control({}, { notify: true })
    const [opened, raised, kept] = run(c, ['insufficient_data', 'breach', 'error'])
    expect(opened!.next).toMatchObject({ level: 'insufficient_data', state: 'open' })
    expect(opened!.notify).toEqual({ event: 'opened', routes: ['ops'] })
    expect(opened!.openNonconformity).toBe(false)
    expect(raised!.next!.level).toBe('breach')
    expect(raised!.notify).toEqual({ event: 'updated', routes: ['pager', 'chat'] })
    expect(kept!.next!.level).toBe('breach')
    expect(kept!.notify).toBeNull()
  })
})

describe('planUnacknowledgedEscalation', () => {
  const c = control({ escalation: { unacknowledgedAfter: '30m', notify: ['duty-manager'] } })
  const opened = planAlertTransition(null, c, facts('breach', 0), T0).next!

  it('escalates an open alert nobody acknowledged in time, once', () => {
    expect(planUnacknowledgedEscalation(opened, c, T0 + 29 * 60_000)).toBeNull()
    const t = planUnacknowledgedEscalation(opened, c, T0 + 30 * 60_000)!
    expect(t.notify).toEqual({ event: 'escalated', routes: ['duty-manager'] })
    expect(t.next).toMatchObject({ version: 2, change: 'escalated', note: 'not acknowledged within 30 minutes', notified: ['pager', 'chat', 'duty-manager'] })
    expect(planUnacknowledgedEscalation(t.next!, c, T0 + 60 * 60_000)).toBeNull()
  })

  it('leaves acknowledged alerts, and controls without the rule, alone', () => {
    const acked = planManualChange(opened, 'acknowledged', 'dana', 'looking', T0 + 60_000)
    expect(planUnacknowledgedEscalation(acked, c, T0 + 10 * HOUR)).toBeNull()
    expect(planUnacknowledgedEscalation(opened, control(), T0 + 10 * HOUR)).toBeNull()
  })
})

describe('planManualChange', () => {
  const opened = planAlertTransition(null, control(), facts('breach', 0), T0).next!

  it('records who and why', () => {
    const acked = planManualChange(opened, 'acknowledged', 'dana', 'investigating', T0 + 1000)
    expect(acked).toMatchObject({ state: 'acknowledged', version: 2, actor: 'dana', note: 'investigating', acknowledged: { by: 'dana', note: 'investigating' } })
    const resolved = planManualChange(acked, 'resolved', 'lee', 'fixed upstream', T0 + 2000)
    expect(resolved).toMatchObject({ state: 'resolved', version: 3, resolved: { by: 'lee', note: 'fixed upstream' }, acknowledged: { by: 'dana' } })
  })

  it('refuses a second acknowledgement and any change to a resolved alert (409)', () => {
    const acked = planManualChange(opened, 'acknowledged', 'dana', 'investigating', T0)
    expect(() => planManualChange(acked, 'acknowledged', 'lee', 'me too', T0)).toThrow(AlertStateError)
    expect(() => planManualChange(acked, 'acknowledged', 'lee', 'me too', T0)).toThrow(/already acknowledged \(by dana\)/)
    const resolved = planManualChange(opened, 'resolved', 'lee', 'fixed', T0)
    for (const change of ['acknowledged', 'resolved'] as const) {
      try {
        planManualChange(resolved, change, 'x', 'again', T0)
        expect.unreachable()
      } catch (error) {
        expect(error).toBeInstanceOf(AlertStateError)
        expect((error as AlertStateError).status).toBe(409)
        expect((error as Error).message).toMatch(/already resolved/)
      }
    }
  })
})
