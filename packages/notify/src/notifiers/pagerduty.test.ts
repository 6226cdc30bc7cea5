import { afterEach, describe, expect, it } from 'vitest'
import { createNotifier } from '../create-notifier.js'
import { json, startHttpReceiver, type HttpReceiver } from '../test-support/http-receiver.js'
import { sampleNotification } from '../test-support/sample-notification.js'
import { pagerDutySeverity } from './pagerduty.js'

let receiver: HttpReceiver | undefined
afterEach(async () => { await receiver?.close(); receiver = undefined })

/** Checks what PagerDuty's Events API v2 checks, then answers 202 like it. */
function pagerDutyLike(): Promise<HttpReceiver> {
  return startHttpReceiver((request, res) => {
    const event = JSON.parse(request.body) as Record<string, any>
    const problems: string[] = []
    if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) problems.push('routing_key')
    if (!['trigger', 'acknowledge', 'resolve'].includes(event.event_action)) problems.push('event_action')
    if (event.event_action === 'trigger') {
      const p = event.payload ?? {}
      if (typeof p.summary !== 'string' || p.summary.length > 1024) problems.push('payload.summary')
      if (typeof p.source !== 'string' || !p.source) problems.push('payload.source')
      if (!['critical', 'error', 'warning', 'info'].includes(p.severity)) problems.push('payload.severity')
    } else if (typeof event.dedup_key !== 'string') problems.push('dedup_key')
    if (problems.length) return json(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: problems })
    json(res, 202, { status: 'success', message: 'Event processed', dedup_key: event.dedup_key })
  })
}

const routingKey = 'R0UTINGKEY0123456789abcdefABCDEF'

describe('pagerduty notifier', () => {
  it('triggers an Events API v2 event deduplicated on the alert id, then resolves it', async () => {
    receiver = await pagerDutyLike()
    const notifier = createNotifier('oncall', { type: 'pagerduty', routingKeyEnv: 'PD_KEY', url: `${receiver.url}/v2/enqueue` }, { PD_KEY: routingKey })
    const opened = sampleNotification({ summary: 'x'.repeat(2000) })
    expect(await notifier.send(opened, AbortSignal.timeout(5000))).toEqual({ status: 202 })
    const trigger = JSON.parse(receiver.requests[0]!.body) as Record<string, any>
    expect(receiver.requests[0]!.path).toBe('/v2/enqueue')
    expect(trigger).toMatchObject({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: opened.alertId,
      payload: {
        source: 'aims-monitor/default/compas-recidivism',
        severity: 'error',
        timestamp: opened.occurredAt,
        component: 'compas-recidivism',
        group: 'FAIR-002',
        class: 'fairness',
        custom_details: { outcome: 'breach', alert_id: opened.alertId, evaluation_id: opened.evaluationId },
      },
      links: [
        { href: 'https://aims.example.org/alerts/1', text: 'AIMS alert' },
        { href: 'https://aims.example.org/evaluations/1', text: 'Evaluation record' },
        { href: 'https://runbooks.example.org/fair-002', text: 'Runbook' },
      ],
    })
    expect(trigger.payload.summary).toHaveLength(1024)

    await notifier.send(sampleNotification({ alertId: opened.alertId, event: 'resolved', outcome: 'pass' }), AbortSignal.timeout(5000))
    expect(JSON.parse(receiver.requests[1]!.body)).toEqual({ routing_key: routingKey, event_action: 'resolve', dedup_key: opened.alertId })
  })

  it('maps severity and outcome to PagerDuty severities', () => {
    expect(pagerDutySeverity({ outcome: 'breach', severity: 'critical' })).toBe('critical')
    expect(pagerDutySeverity({ outcome: 'breach', severity: 'high' })).toBe('error')
    expect(pagerDutySeverity({ outcome: 'warn', severity: 'medium' })).toBe('warning')
    expect(pagerDutySeverity({ outcome: 'insufficient_data', severity: 'low' })).toBe('info')
  })

  it('fails at creation when the routing key variable is not set', () => {
    expect(() => createNotifier('oncall', { type: 'pagerduty', routingKeyEnv: 'PD_KEY', url: 'http://127.0.0.1:9/' }, {}))
      .toThrow(/notifier "oncall" \(pagerduty\): environment variable PD_KEY \(routingKeyEnv\) is not set/)
  })
})
