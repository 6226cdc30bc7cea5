import type { AlertRepository } from '../alert-repository.js'
import type { EvaluationRecord } from '../evaluation-record.js'
import type { ReportAlert, ReportAlertEvent, ReportAlerts } from './report-data.js'

/** Alerts detailed (with deliveries) in one report; events and counts stay complete beyond it. */
const MAX_ALERTS = 500

/**
 * Every warn and breach of the period (the evaluation records), and the alerts they opened or
 * updated in their current state: acknowledgement (who, when, note), resolution, escalation, the
 * nonconformity it opened, and every notification delivery attempt.
 */
export async function alertsSection(alerts: AlertRepository, records: readonly EvaluationRecord[]): Promise<ReportAlerts> {
  const events: ReportAlertEvent[] = records
    .filter((r): r is EvaluationRecord & { outcome: 'warn' | 'breach' } => r.outcome === 'warn' || r.outcome === 'breach')
    .sort((a, b) => Date.parse(a.window.to) - Date.parse(b.window.to) || a.control.id.localeCompare(b.control.id))
    .map((r) => ({
      evaluationId: r.id, controlId: r.control.id, windowFrom: r.window.from, windowTo: r.window.to, outcome: r.outcome,
      value: r.value !== null && Number.isFinite(r.value) ? r.value : null, reason: r.reason, alertId: r.alerts[0] ?? null,
    }))
  const ids = [...new Set(events.flatMap((e) => (e.alertId ? [e.alertId] : [])))].slice(0, MAX_ALERTS)
  const detailed: ReportAlert[] = []
  for (const id of ids) {
    const alert = await alerts.get(id)
    if (!alert) continue
    const deliveries = await alerts.deliveries(id)
    detailed.push({
      id, controlId: alert.controlId, segment: alert.segment, level: alert.level, severity: alert.severity, state: alert.state, openedAt: alert.openedAt,
      acknowledged: alert.acknowledged, resolved: alert.resolved, escalated: alert.escalated, nonconformityId: alert.nonconformityId,
      deliveries: deliveries.map((d) => ({ notifier: d.notifier, event: d.event, at: d.startedAt, attempt: d.attempt, ok: d.ok, error: d.error ?? null })),
    })
  }
  detailed.sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id))
  return {
    warnings: events.filter((e) => e.outcome === 'warn').length,
    breaches: events.filter((e) => e.outcome === 'breach').length,
    acknowledged: detailed.filter((a) => a.acknowledged !== null).length,
    events,
    alerts: detailed,
  }
}
