import { randomUUID } from 'node:crypto'
import { NotificationDispatcher, type AlertNotification, type DeliveryAttempt } from '@aims-monitor/notify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAlertmanager, type RunningAlertmanager } from './support/alertmanager.js'

/** What GET /api/v2/alerts returns per alert (gettableAlert), the parts checked here. */
interface GettableAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  endsAt: string
  generatorURL?: string
  status: { state: string }
}

let am: RunningAlertmanager
beforeAll(async () => {
  am = await startAlertmanager()
})
afterAll(async () => {
  await am?.stop()
})

function notification(overrides: Partial<AlertNotification>): AlertNotification {
  return {
    alertId: randomUUID(),
    deliveryId: randomUUID(),
    event: 'opened',
    outcome: 'breach',
    severity: 'critical',
    control: {
      id: 'DRIFT-007',
      version: 2,
      title: 'Temperature input drift',
      references: { iso42001: ['A.6.2.6', '9.1'], euAiAct: ['Art. 72'], nistAiRmf: [] },
      owner: { accountable: 'Head of Operations', responsible: 'Data team' },
      runbook: 'https://runbooks.example.org/drift-007',
    },
    model: { project: 'default', id: 'bike-demand', version: '3' },
    segment: 'station=downtown',
    metric: { kind: 'drift', name: 'psi', value: 0.41, direction: 'above', warn: 0.1, breach: 0.25 },
    window: { from: '2011-02-01T00:00:00.000Z', to: '2011-03-01T00:00:00.000Z' },
    evaluationId: randomUUID(),
    summary: 'DRIFT-007 breach: psi 0.41 ≥ 0.25 (temp)',
    occurredAt: new Date().toISOString(),
    links: { evaluation: 'https://aims.example.org/evaluations/42' },
    ...overrides,
  }
}

async function alertsFor(alertId: string): Promise<GettableAlert[]> {
  const filter = encodeURIComponent(`aims_alert_id="${alertId}"`)
  const response = await fetch(`${am.url}/api/v2/alerts?filter=${filter}`)
  expect(response.status).toBe(200)
  return (await response.json()) as GettableAlert[]
}

/** Alertmanager ingests asynchronously; poll (bounded) until `accept` holds. */
async function eventually(alertId: string, accept: (alerts: GettableAlert[]) => boolean): Promise<GettableAlert[]> {
  let alerts: GettableAlert[] = []
  for (let i = 0; i < 100; i++) {
    alerts = await alertsFor(alertId)
    if (accept(alerts)) return alerts
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return alerts
}

describe('Alertmanager notifier against the real Alertmanager', () => {
  it('fires the alert with its labels, keeps one alert through an update, and resolves it', async () => {
    const attempts: DeliveryAttempt[] = []
    const dispatcher = new NotificationDispatcher({ notifiers: { am: { type: 'alertmanager', url: `${am.url}/` } }, onAttempt: (a) => { attempts.push(a) } })
    try {
      const opened = notification({ outcome: 'warn', severity: 'critical' })
      dispatcher.enqueue(opened, ['am'])
      await dispatcher.drain(30_000)
      expect(attempts).toEqual([expect.objectContaining({ notifier: 'am', type: 'alertmanager', ok: true, status: 200, attempt: 1 })])

      const [firing] = await eventually(opened.alertId, (a) => a.length === 1)
      expect(firing).toBeDefined()
      expect(firing!.labels).toEqual({
        alertname: 'DRIFT-007',
        severity: 'critical',
        aims_project: 'default',
        aims_model: 'bike-demand',
        aims_segment: 'station=downtown',
        aims_alert_id: opened.alertId,
      })
      expect(firing!.annotations).toMatchObject({
        summary: opened.summary,
        aims_outcome: 'warn',
        iso42001: 'A.6.2.6, 9.1',
        eu_ai_act: 'Art. 72',
        runbook_url: 'https://runbooks.example.org/drift-007',
        description: expect.stringContaining('Metric: drift/psi = 0.41 (breach ≥ 0.25, warn ≥ 0.1)'),
      })
      expect(firing!.status.state).not.toBe('resolved')
      expect(firing!.generatorURL).toBe('https://aims.example.org/evaluations/42')

      // warn → breach: the same Alertmanager alert (same labels), its annotations updated.
      dispatcher.enqueue(notification({ alertId: opened.alertId, event: 'updated', outcome: 'breach', summary: 'DRIFT-007 breach: psi 0.52 ≥ 0.25 (temp)' }), ['am'])
      await dispatcher.drain(30_000)
      const updated = await eventually(opened.alertId, (a) => a[0]?.annotations.aims_outcome === 'breach')
      expect(updated).toHaveLength(1)
      expect(updated[0]!.annotations).toMatchObject({ aims_outcome: 'breach', summary: 'DRIFT-007 breach: psi 0.52 ≥ 0.25 (temp)' })

      dispatcher.enqueue(notification({ alertId: opened.alertId, event: 'resolved', outcome: 'pass', summary: 'DRIFT-007 resolved' }), ['am'])
      await dispatcher.drain(30_000)
      expect(attempts.map((a) => a.ok)).toEqual([true, true, true])
      // Alertmanager lists only alerts whose endsAt has not passed: a resolved alert is gone.
      expect(await eventually(opened.alertId, (a) => a.length === 0)).toEqual([])
    } finally {
      await dispatcher.close()
    }
  })

  it('drops a relative generatorURL rather than the alert, and reports an alert Alertmanager rejects as a failed, non-retried attempt', async () => {
    const attempts: DeliveryAttempt[] = []
    const dispatcher = new NotificationDispatcher({ notifiers: { am: { type: 'alertmanager', url: am.url } }, onAttempt: (a) => { attempts.push(a) } })
    try {
      const relative = notification({ links: { evaluation: '/v1/evaluations/42' } })
      dispatcher.enqueue(relative, ['am'])
      await dispatcher.drain(30_000)
      const [alert] = await eventually(relative.alertId, (a) => a.length === 1)
      expect(alert?.labels.aims_alert_id).toBe(relative.alertId)

      // startsAt must be a date-time: Alertmanager answers 400.
      dispatcher.enqueue(notification({ occurredAt: 'yesterday' }), ['am'])
      await dispatcher.drain(30_000)
      expect(attempts).toEqual([expect.objectContaining({ ok: true }), expect.objectContaining({ ok: false, status: 400, willRetry: false })])
      expect(attempts[1]!.error).toMatch(/yesterday/)
    } finally {
      await dispatcher.close()
    }
  })
})
