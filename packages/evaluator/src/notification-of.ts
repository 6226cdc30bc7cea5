import type { Control } from '@aims-monitor/controls'
import { truncate, type AlertNotification } from '@aims-monitor/notify'
import type { Alert } from './alert-repository.js'
import type { EvaluationRecord } from './evaluation-record.js'

/** The notification governance receives for an alert event, from the control and the evaluation behind it. */
export function buildNotification(control: Control, alert: Alert, record: EvaluationRecord, event: AlertNotification['event'], deliveryId: string): AlertNotification {
  const outcome = record.outcome === 'error' ? 'insufficient_data' : record.outcome
  const target = record.segment && Object.keys(record.segment).length ? ` [${alert.segment}]` : ''
  const value = record.value === null ? 'n/a' : formatValue(record.value)
  const summary = event === 'resolved'
    ? `${control.id} resolved: ${alert.note}`
    : `${control.id} ${event === 'escalated' ? 'escalated ' : ''}${outcome}: ${control.metric.name} ${value} (${record.reason})${target}`
  return {
    alertId: alert.id,
    deliveryId,
    event,
    outcome,
    severity: control.severity,
    control: {
      id: control.id, version: control.version, title: control.title,
      references: { iso42001: [...control.references.iso42001], euAiAct: [...control.references.euAiAct], nistAiRmf: [...control.references.nistAiRmf] },
      owner: { ...control.owner },
      ...(control.response.runbook ? { runbook: control.response.runbook } : {}),
    },
    model: { project: record.project, id: record.model.id, ...(record.model.versions?.length === 1 ? { version: record.model.versions[0]! } : {}) },
    segment: alert.segment,
    metric: {
      kind: control.metric.kind, name: control.metric.name, value: record.value,
      ...(record.pValue !== null ? { pValue: record.pValue } : {}),
      direction: record.thresholds.direction,
      ...(record.thresholds.warn !== null ? { warn: record.thresholds.warn } : {}),
      breach: record.thresholds.breach,
    },
    window: { from: record.window.from, to: record.window.to },
    evaluationId: record.id,
    summary: truncate(summary, 1000),
    occurredAt: alert.updatedAt,
    // No links here: they are absolute URLs under the collector's public address, which the Evaluator adds when it has one.
  }
}

function formatValue(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4)
}
