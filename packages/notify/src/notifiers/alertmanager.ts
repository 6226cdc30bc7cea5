import type { Notifier } from '@aims-monitor/controls'
import { detailLines } from '../format.js'
import { postJson } from '../http-post.js'
import type { AlertNotification } from '../notification.js'
import type { NotifierInstance } from '../notifier.js'

export type AlertmanagerConfig = Extract<Notifier, { type: 'alertmanager' }>

/** One element of Alertmanager's `POST /api/v2/alerts` body (postableAlert in its OpenAPI spec). */
export interface AlertmanagerAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  endsAt?: string
  generatorURL?: string
}

/**
 * Labels are the alert's identity in Alertmanager (its fingerprint), so they hold only what is
 * stable for the alert's life: a resolution must carry the same labels as the firing alert or it
 * resolves nothing. That is why the evaluation outcome (which moves warn → breach, and is `pass` on
 * resolution) is an annotation, `aims_outcome`, and not a label. An empty segment (the whole model)
 * is left out, as Prometheus does with empty label values.
 */
export function alertmanagerAlert(n: AlertNotification, now = new Date()): AlertmanagerAlert {
  const labels: Record<string, string> = {
    alertname: n.control.id,
    severity: n.severity,
    aims_project: n.model.project,
    aims_model: n.model.id,
    aims_alert_id: n.alertId,
  }
  if (n.segment !== '') labels.aims_segment = n.segment
  const annotations: Record<string, string> = {
    summary: n.summary,
    description: detailLines(n).join('\n'),
    aims_outcome: n.outcome,
    aims_event: n.event,
    aims_evaluation_id: n.evaluationId,
    iso42001: n.control.references.iso42001.join(', '),
  }
  if (n.control.references.euAiAct.length) annotations.eu_ai_act = n.control.references.euAiAct.join(', ')
  if (n.control.references.nistAiRmf.length) annotations.nist_ai_rmf = n.control.references.nistAiRmf.join(', ')
  if (n.control.runbook) annotations.runbook_url = n.control.runbook
  const alert: AlertmanagerAlert = { labels, annotations, startsAt: n.occurredAt }
  if (n.event === 'resolved') {
    // endsAt in the past or now marks the alert resolved; it must not precede startsAt.
    const startsAt = Date.parse(n.occurredAt)
    alert.endsAt = new Date(Number.isNaN(startsAt) ? now.getTime() : Math.max(now.getTime(), startsAt)).toISOString()
  } else {
    // Alertmanager ends an alert without endsAt after its resolve_timeout (5 minutes by default)
    // unless it is posted again, as Prometheus does on every rule evaluation. AIMS posts on events
    // only, and an AIMS alert is open until AIMS resolves it: so the firing alert carries an endsAt
    // far ahead, and the 'resolved' event ends it.
    alert.endsAt = new Date(now.getTime() + FIRING_HORIZON_MS).toISOString()
  }
  // Alertmanager refuses (422) a whole alert whose generatorURL is not an absolute URI: a relative
  // link must cost the link, not the alert.
  const generator = n.links?.evaluation ?? n.links?.alert
  if (generator !== undefined && /^https?:$/.test(URL.canParse(generator) ? new URL(generator).protocol : '')) alert.generatorURL = generator
  return alert
}

/** How far ahead a firing alert's endsAt is set: an AIMS alert lasts until AIMS resolves it. */
export const FIRING_HORIZON_MS = 365 * 86_400_000

/** Prometheus Alertmanager, API v2: `POST <url>/api/v2/alerts` with a one-alert array. */
export function createAlertmanagerNotifier(name: string, config: AlertmanagerConfig): NotifierInstance {
  const endpoint = `${config.url.replace(/\/+$/, '')}/api/v2/alerts`
  return {
    name,
    type: 'alertmanager',
    send: async (notification, signal) => postJson(endpoint, JSON.stringify([alertmanagerAlert(notification)]), new Headers(), signal),
    async close() {},
  }
}
