import type { AlertNotification } from './notification.js'

/**
 * Human renderings shared by the Slack, email, Alertmanager and PagerDuty notifiers, so that the
 * same alert reads the same everywhere.
 */

/** Up to 4 significant digits, no exponent for everyday magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (value === 0) return '0'
  const abs = Math.abs(value)
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(3)
  return String(Number(value.toPrecision(4)))
}

export function outcomeLabel(outcome: AlertNotification['outcome']): string {
  return outcome === 'insufficient_data' ? 'insufficient data' : outcome
}

/** "0.27 (breach ≥ 0.1, warn ≥ 0.05), p = 0.003" */
export function valueVersusThreshold(metric: AlertNotification['metric']): string {
  const op = metric.direction === 'above' ? '≥' : '≤'
  const limits = [`breach ${op} ${formatNumber(metric.breach)}`]
  if (metric.warn !== undefined) limits.push(`warn ${op} ${formatNumber(metric.warn)}`)
  const value = metric.value === null ? 'no value' : formatNumber(metric.value)
  const p = metric.pValue === undefined ? '' : `, p = ${formatNumber(metric.pValue)}`
  return `${value} (${limits.join(', ')})${p}`
}

/** "default/credit-risk@1.4.2" */
export function modelLabel(model: AlertNotification['model']): string {
  return `${model.project}/${model.id}${model.version ? `@${model.version}` : ''}`
}

export function segmentLabel(segment: string): string {
  return segment === '' ? 'whole model' : segment
}

export function windowLabel(window: AlertNotification['window']): string {
  return `${window.from} → ${window.to}`
}

export function iso42001Label(notification: AlertNotification): string {
  return notification.control.references.iso42001.join(', ')
}

/** Every framework reference, one "Framework: a, b" part per non-empty framework. */
export function referencesLabel(references: AlertNotification['control']['references']): string {
  const parts: string[] = [`ISO/IEC 42001: ${references.iso42001.join(', ')}`]
  if (references.euAiAct.length) parts.push(`EU AI Act: ${references.euAiAct.join(', ')}`)
  if (references.nistAiRmf.length) parts.push(`NIST AI RMF: ${references.nistAiRmf.join(', ')}`)
  return parts.join('; ')
}

/** "breach", "escalated breach", "resolved": what the alert is, in a subject or a header. */
export function eventLabel(notification: AlertNotification): string {
  if (notification.event === 'resolved') return 'resolved'
  const outcome = outcomeLabel(notification.outcome)
  return notification.event === 'escalated' ? `escalated ${outcome}` : outcome
}

/**
 * Cuts to `max` UTF-16 units with an ellipsis (Slack's 150-character header, PagerDuty's
 * 1024-character summary), never between the two halves of a surrogate pair: Slack, PagerDuty and
 * strict JSON decoders refuse half an emoji.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text
  let end = max - 1
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end-- // a high surrogate whose low half would be cut off
  return `${text.slice(0, end)}…`
}

/** Plain-text lines describing the alert, for email bodies and Alertmanager descriptions. */
export function detailLines(n: AlertNotification): string[] {
  return [
    `Control: ${n.control.id} v${n.control.version} — ${n.control.title}`,
    `Event: ${n.event} (outcome ${outcomeLabel(n.outcome)}, severity ${n.severity})`,
    `Metric: ${n.metric.kind}/${n.metric.name} = ${valueVersusThreshold(n.metric)}`,
    `Model: ${modelLabel(n.model)}, segment: ${segmentLabel(n.segment)}`,
    `Window: ${windowLabel(n.window)}`,
    `References: ${referencesLabel(n.control.references)}`,
    `Owner: accountable ${n.control.owner.accountable}, responsible ${n.control.owner.responsible}`,
    `Alert: ${n.alertId}, evaluation: ${n.evaluationId}`,
  ]
}
