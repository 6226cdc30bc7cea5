// A breaching control reaches a real Prometheus Alertmanager through the policy's alertmanager
// notifier: the collector evaluates a volume control on demand, the notification is delivered, and
// Alertmanager's own API lists the alert under alertname = the control id.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAlertmanager, type RunningAlertmanager } from './support/alertmanager.js'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'

const HOUR = 3_600_000
/** The last complete hour but one: recent enough for the retention, complete so its window is fixed. */
const WINDOW_FROM = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR
const AT = WINDOW_FROM + HOUR

interface GettableAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  endsAt: string
  status: { state: string }
}

let am: RunningAlertmanager
let c: CollectorFixture

function policy(alertmanagerUrl: string): string {
  return `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: volume-alerts, version: 1 }
notifiers:
  oncall:
    type: alertmanager
    url: ${alertmanagerUrl}
controls:
  - id: DQ-VOLUME-LOW
    version: 1
    title: Prediction volume per hour
    status: active
    approval: { by: Head of Operations, at: 2026-10-01, reference: OPS-2026-04 }
    references: { iso42001: ['9.1', A.6.2.6] }
    owner: { accountable: Head of Operations, responsible: Platform team }
    scope: { model: volume-model }
    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1h } }
    thresholds: { breach: 100, rationale: "Fewer than 100 predictions an hour means the upstream feed has stalled." }
    schedule: { every: 1h }
    severity: critical
    response: { notify: { breach: [oncall] } }
`
}

beforeAll(async () => {
  am = await startAlertmanager()
  const dir = await mkdtemp(path.join(tmpdir(), 'aims-am-policy-'))
  const policyFile = path.join(dir, 'policy.yaml')
  await writeFile(policyFile, policy(am.url))
  c = await startCollectorFixture({ policyFile })
  const events = Array.from({ length: 5 }, (_, i) => ({
    type: 'prediction', id: `volume-${i}`, timestamp: WINDOW_FROM + i * 60_000,
    model: { id: 'volume-model', version: '1' }, features: { x: i }, output: { score: 0.5 },
  }))
  const res = await c.post('/v1/events', { events })
  expect(res.status, res.text).toBe(200)
  expect((await c.getModels()).models[0]!.predictionCount).toBe(5)
}, 120_000)

afterAll(async () => {
  await c?.close()
  await am?.stop()
})

describe('an alertmanager notifier', () => {
  it('delivers a breaching control to Alertmanager with alertname = the control id', async () => {
    const res = await c.post('/v1/controls/evaluate', { controls: ['DQ-VOLUME-LOW'], at: AT })
    expect(res.status, res.text).toBe(200)
    const [result] = res.json.results
    expect(result).toMatchObject({ status: 'evaluated', outcome: 'breach' })
    expect(result.evaluation).toMatchObject({ value: 5, window: { from: new Date(WINDOW_FROM).toISOString(), to: new Date(AT).toISOString() } })
    const alertId: string = result.evaluation.alerts[0]

    await c.collector.evaluator!.drainNotifications()
    const detail = await c.get(`/v1/alerts/${alertId}`)
    expect(detail.json.deliveries).toEqual([expect.objectContaining({ notifier: 'oncall', ok: true, attempt: 1 })])

    const listed = await fetch(`${am.url}/api/v2/alerts`, { signal: AbortSignal.timeout(10_000) })
    expect(listed.status).toBe(200)
    const alerts = (await listed.json()) as GettableAlert[]
    const ours = alerts.filter((a) => a.labels.alertname === 'DQ-VOLUME-LOW')
    expect(ours).toHaveLength(1)
    expect(ours[0]!.labels).toMatchObject({ severity: 'critical', aims_model: 'volume-model', aims_project: 'default', aims_alert_id: alertId })
    expect(ours[0]!.annotations).toMatchObject({ aims_outcome: 'breach', aims_event: 'opened', iso42001: '9.1, A.6.2.6' })
    expect(ours[0]!.status.state).toBe('active')
    // Firing until AIMS resolves it, not until Alertmanager's resolve_timeout.
    expect(Date.parse(ours[0]!.endsAt)).toBeGreaterThan(Date.now() + HOUR)
  })
})
