import type { Notifier } from '@aims-monitor/controls'
import { modelLabel, referencesLabel, segmentLabel, truncate, valueVersusThreshold } from '../format.js'
import { postJson } from '../http-post.js'
import type { AlertNotification } from '../notification.js'
import type { NotifierInstance } from '../notifier.js'
import { requireEnv } from '../secrets.js'

export type PagerDutyConfig = Extract<Notifier, { type: 'pagerduty' }>
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info'

/**
 * PagerDuty severity from the control's severity and the outcome: a breach pages at the control's
 * own level, a warning one step lower, insufficient data only informs (warning for critical controls:
 * a critical control that cannot be evaluated is itself worth a look).
 */
const SEVERITY: Record<AlertNotification['outcome'], Record<AlertNotification['severity'], PagerDutySeverity>> = {
  breach: { critical: 'critical', high: 'error', medium: 'warning', low: 'warning' },
  warn: { critical: 'error', high: 'warning', medium: 'warning', low: 'info' },
  insufficient_data: { critical: 'warning', high: 'info', medium: 'info', low: 'info' },
  pass: { critical: 'info', high: 'info', medium: 'info', low: 'info' },
}

export function pagerDutySeverity(n: Pick<AlertNotification, 'outcome' | 'severity'>): PagerDutySeverity {
  return SEVERITY[n.outcome][n.severity]
}

/**
 * An Events API v2 event (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
 * dedup_key is the alert id, so updates and escalations of one alert land on one incident and the
 * resolution closes it. A resolve event needs only routing_key, event_action and dedup_key.
 */
export function pagerDutyEvent(n: AlertNotification, routingKey: string): Record<string, unknown> {
  if (n.event === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: n.alertId }
  const links: Array<{ href: string; text: string }> = []
  if (n.links?.alert) links.push({ href: n.links.alert, text: 'AIMS alert' })
  if (n.links?.evaluation) links.push({ href: n.links.evaluation, text: 'Evaluation record' })
  if (n.control.runbook) links.push({ href: n.control.runbook, text: 'Runbook' })
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: n.alertId,
    payload: {
      summary: truncate(n.summary, 1024),
      source: `aims-monitor/${n.model.project}/${n.model.id}`,
      severity: pagerDutySeverity(n),
      timestamp: n.occurredAt,
      component: n.model.id,
      group: n.control.id,
      class: n.metric.kind,
      custom_details: {
        event: n.event,
        outcome: n.outcome,
        control: `${n.control.id} v${n.control.version}: ${n.control.title}`,
        metric: `${n.metric.name} ${valueVersusThreshold(n.metric)}`,
        model: modelLabel(n.model),
        segment: segmentLabel(n.segment),
        window: n.window,
        references: referencesLabel(n.control.references),
        owner: n.control.owner,
        alert_id: n.alertId,
        evaluation_id: n.evaluationId,
        delivery_id: n.deliveryId,
      },
    },
    ...(links.length ? { links } : {}),
  }
}

/** PagerDuty Events API v2; the routing key (integration key) is a secret, read from `routingKeyEnv`. */
export function createPagerDutyNotifier(name: string, config: PagerDutyConfig, env: NodeJS.ProcessEnv): NotifierInstance {
  const routingKey = requireEnv(env, name, config.type, config.routingKeyEnv, 'routingKeyEnv')
  // The schema fills the default; a hand-built configuration may not have.
  const url = config.url ?? 'https://events.pagerduty.com/v2/enqueue'
  return {
    name,
    type: 'pagerduty',
    send: async (notification, signal) => postJson(url, JSON.stringify(pagerDutyEvent(notification, routingKey)), new Headers(), signal),
    async close() {},
  }
}
