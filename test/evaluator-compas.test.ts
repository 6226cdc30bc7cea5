// Issue 5's COMPAS check, end to end through a real collector on embedded chDB: predictions with
// `race` as attribute and outcomes from `two_year_recid` are ingested over HTTP; a false positive
// rate parity control breaches; the evaluation record shows ProPublica's per-group rates; an alert
// opens; a webhook receiver on 127.0.0.1 gets a signed message naming the control and its ISO/IEC
// 42001 references; acknowledging and resolving work and are recorded; the hash chain verifies,
// and an edit of a stored evaluation is detected.
import { createServer, type Server } from 'node:http'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyWebhookSignature } from '@aims-monitor/notify'
import { accuracy, brierScore, expectedCalibrationError, f1, fairnessMetrics, logLoss, rocAuc } from '@aims-monitor/metrics'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'

const CSV = fileURLToPath(new URL('../data/compas/compas-scores-two-years.csv', import.meta.url))
const SECRET = 'compas-webhook-secret-0123456789'
const DAY = Date.parse('2026-11-25T00:00:00Z')
const AT = Date.parse('2026-11-26T00:00:00Z')

interface Received { body: string; headers: Record<string, string | string[] | undefined> }

let c: CollectorFixture
let receiver: Server
let compas: Record<string, string>[] = []
const received: Received[] = []

function policy(webhookUrl: string): string {
  return `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: compas-fairness, version: 1 }
notifiers:
  governance:
    type: webhook
    url: ${webhookUrl}
    secretEnv: AIMS_TEST_WEBHOOK_SECRET
controls:
  - id: FAIR-FPR-RACE
    version: 1
    title: False positive rate parity across race
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-2026-17 }
    references:
      iso42001: ['9.1', A.5.4, A.6.2.6]
      euAiAct: [Art. 10(2)(f), Art. 15]
      nistAiRmf: [MEASURE 2.11]
    owner: { accountable: Chief Risk Officer, responsible: Model Risk team }
    scope: { model: compas-recidivism }
    metric: { kind: fairness, name: false_positive_rate_difference, params: { positiveLabel: high, positiveOutcomeLabel: '1' } }
    selector: { attribute: race }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { warn: 0.05, breach: 0.1, rationale: Error rates that differ by more than ten points between groups are disparate treatment in ProPublica's analysis. }
    guard: { minSample: 1000, minPerGroup: 30 }
    schedule: { every: 1d }
    severity: high
    response: { notify: { warn: [governance], breach: [governance] }, clearAfterPasses: 2 }
  - id: FAIR-IMPACT-RACE
    version: 1
    title: Impact ratio of high-risk scores across race (four-fifths rule)
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-2026-17 }
    references: { iso42001: [A.5.4], nistAiRmf: [MEASURE 2.11] }
    owner: { accountable: Chief Risk Officer, responsible: Model Risk team }
    scope: { model: compas-recidivism }
    metric: { kind: fairness, name: four_fifths, params: { positiveLabel: high } }
    selector: { attribute: race }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.8, rationale: 29 CFR 1607.4(D) - a group's rate under four fifths of the highest group's is evidence of adverse impact. }
    guard: { minSample: 1000, minPerGroup: 30 }
    schedule: { every: 1d }
    severity: high
  - id: PERF-AUC
    version: 1
    title: ROC AUC
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-2026-17 }
    references: { iso42001: [A.6.2.6], euAiAct: [Art. 15], nistAiRmf: [MEASURE 2.5] }
    owner: { accountable: Chief Risk Officer, responsible: Model Risk team }
    scope: { model: compas-recidivism }
    metric: { kind: performance, name: roc_auc, params: { positiveLabel: high, positiveOutcomeLabel: '1' } }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.5, rationale: Performance below the validated level means the model no longer works as approved. }
    schedule: { every: 1d }
    severity: medium
  - id: PERF-LOGLOSS
    version: 1
    title: Log loss
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-2026-17 }
    references: { iso42001: [A.6.2.6], euAiAct: [Art. 15], nistAiRmf: [MEASURE 2.5] }
    owner: { accountable: Chief Risk Officer, responsible: Model Risk team }
    scope: { model: compas-recidivism }
    metric: { kind: performance, name: log_loss, params: { positiveLabel: high, positiveOutcomeLabel: '1' } }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 2, rationale: Performance below the validated level means the model no longer works as approved. }
    schedule: { every: 1d }
    severity: medium
  - id: PERF-BRIER
    version: 1
    title: Brier score
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-2026-17 }
    references: { iso42001: [A.6.2.6], euAiAct: [Art. 15], nistAiRmf: [MEASURE 2.5] }
    owner: { accountable: Chief Risk Officer, responsible: Model Risk team }
    scope: { model: compas-recidivism }
    metric: { kind: performance, name: brier, params: { positiveLabel: high, positiveOutcomeLabel: '1' } }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.5, rationale: Performance below the validated level means the model no longer works as approved. }
    schedule: { every: 1d }
    severity: medium
  - id: PERF-ECE
    version: 1
    title: Calibration
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-2026-17 }
    references: { iso42001: [A.6.2.6], euAiAct: [Art. 15], nistAiRmf: [MEASURE 2.5] }
    owner: { accountable: Chief Risk Officer, responsible: Model Risk team }
    scope: { model: compas-recidivism }
    metric: { kind: performance, name: expected_calibration_error, params: { positiveLabel: high, positiveOutcomeLabel: '1' } }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.5, rationale: Performance below the validated level means the model no longer works as approved. }
    schedule: { every: 1d }
    severity: medium
  - id: PERF-ACC
    version: 1
    title: Accuracy
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-2026-17 }
    references: { iso42001: [A.6.2.6], euAiAct: [Art. 15], nistAiRmf: [MEASURE 2.5] }
    owner: { accountable: Chief Risk Officer, responsible: Model Risk team }
    scope: { model: compas-recidivism }
    metric: { kind: performance, name: accuracy, params: { positiveLabel: high, positiveOutcomeLabel: '1' } }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.5, rationale: Performance below the validated level means the model no longer works as approved. }
    schedule: { every: 1d }
    severity: medium
  - id: PERF-F1
    version: 1
    title: F1
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-2026-17 }
    references: { iso42001: [A.6.2.6], euAiAct: [Art. 15], nistAiRmf: [MEASURE 2.5] }
    owner: { accountable: Chief Risk Officer, responsible: Model Risk team }
    scope: { model: compas-recidivism }
    metric: { kind: performance, name: f1, params: { positiveLabel: high, positiveOutcomeLabel: '1' } }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.1, rationale: Performance below the validated level means the model no longer works as approved. }
    schedule: { every: 1d }
    severity: medium
`
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers })
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const port = (receiver.address() as { port: number }).port
  process.env.AIMS_TEST_WEBHOOK_SECRET = SECRET
  const dir = await mkdtemp(path.join(tmpdir(), 'aims-compas-policy-'))
  const policyFile = path.join(dir, 'policy.yaml')
  await writeFile(policyFile, policy(`http://127.0.0.1:${port}/hook`))
  c = await startCollectorFixture({ policyFile, publicUrl: 'https://aims.example.org/monitor' })

  // decile_score appears twice in the file (the second is the violence score's copy): keep the first.
  const rows = parse(readFileSync(CSV), { columns: (header: string[]) => header.map((h, i) => (header.indexOf(h) === i ? h : `${h}_${i}`)), skip_empty_lines: true }) as Record<string, string>[]
  compas = rows
  expect(rows).toHaveLength(7214)
  const events: unknown[] = []
  rows.forEach((row, i) => {
    const id = `compas-${row.id}`
    const ts = DAY + Math.floor((i * 86_400_000) / rows.length)
    events.push({
      type: 'prediction', id, timestamp: ts, model: { id: 'compas-recidivism', version: '1' },
      features: { priors_count: Number(row.priors_count), age: Number(row.age) },
      attributes: { race: row.race! },
      output: { label: row.score_text === 'Medium' || row.score_text === 'High' ? 'high' : 'low', score: Number(row.decile_score) / 10 },
    })
    events.push({ type: 'outcome', predictionId: id, timestamp: ts + 1000, model: { id: 'compas-recidivism' }, label: row.two_year_recid! })
  })
  for (let i = 0; i < events.length; i += 5000) {
    const res = await c.post('/v1/events', { events: events.slice(i, i + 5000) })
    expect(res.status).toBe(200)
  }
  const models = await c.getModels()
  expect(models.models[0]!.predictionCount).toBe(7214)
}, 240_000)

afterAll(async () => {
  await c?.close()
  await new Promise<void>((resolve) => receiver?.close(() => resolve()))
})

describe('a false positive rate parity control on COMPAS', () => {
  let alertId: string

  it('breaches, and the evaluation record shows ProPublica\'s per-group rates', async () => {
    const res = await c.post('/v1/controls/evaluate', { controls: ['FAIR-FPR-RACE'], at: new Date(AT).toISOString() })
    expect(res.status, res.text).toBe(200)
    const [result] = res.json.results
    expect(result.status).toBe('evaluated')
    expect(result.outcome).toBe('breach')
    const record = result.evaluation
    expect(record.window).toMatchObject({ from: '2026-11-25T00:00:00.000Z', to: '2026-11-26T00:00:00.000Z' })
    expect(record.samples).toMatchObject({ current: 7214, labelled: 7214, labelCoverage: 1 })
    const byGroup = record.breakdown.detail.byGroup
    // ProPublica, "How We Analyzed the COMPAS Recidivism Algorithm" (2016): false positive rate
    // 44.85 % for Black defendants and 23.45 % for white; false negative rate 27.99 % and 47.72 %.
    expect(byGroup['African-American'].fpr * 100).toBeCloseTo(44.85, 2)
    expect(byGroup.Caucasian.fpr * 100).toBeCloseTo(23.45, 2)
    expect(byGroup['African-American'].fnr * 100).toBeCloseTo(27.99, 2)
    expect(byGroup.Caucasian.fnr * 100).toBeCloseTo(47.72, 2)
    expect(record.value).toBeGreaterThan(0.1)
    expect(record.control).toMatchObject({ id: 'FAIR-FPR-RACE', version: 1, references: { iso42001: ['9.1', 'A.5.4', 'A.6.2.6'] } })
    expect(record.policy.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(record.seq).toBe(1)
    expect(record.alerts).toHaveLength(1)
    alertId = record.alerts[0]
  })

  it('evaluates a (control, window) once: a second request returns the same record', async () => {
    const res = await c.post('/v1/controls/evaluate', { controls: ['FAIR-FPR-RACE'], at: AT + 3_600_000 })
    expect(res.json.results[0].status).toBe('already_evaluated')
    expect(res.json.results[0].evaluation.seq).toBe(1)
    const list = await c.get('/v1/evaluations?control=FAIR-FPR-RACE')
    expect(list.json.evaluations).toHaveLength(1)
  })

  it('opens an alert and sends the webhook a signed message naming the control and its ISO/IEC 42001 references', async () => {
    await c.collector.evaluator!.drainNotifications()
    const alerts = await c.get('/v1/alerts?state=open')
    expect(alerts.json.alerts.map((a: { id: string }) => a.id)).toEqual([alertId])
    expect(received).toHaveLength(1)
    const message = received[0]!
    expect(verifyWebhookSignature(message.body, message.headers, SECRET)).toBe(true)
    expect(verifyWebhookSignature(message.body, message.headers, 'another secret')).toBe(false)
    const body = JSON.parse(message.body)
    expect(body).toMatchObject({ event: 'opened', outcome: 'breach', alertId, control: { id: 'FAIR-FPR-RACE', references: { iso42001: ['9.1', 'A.5.4', 'A.6.2.6'] } } })
    // Absolute links under the collector's public address (AIMS_PUBLIC_URL), path prefix kept.
    expect(body.links).toEqual({ alert: `https://aims.example.org/monitor/v1/alerts/${alertId}`, evaluation: `https://aims.example.org/monitor/v1/evaluations/${body.evaluationId}` })
    const detail = await c.get(`/v1/alerts/${alertId}`)
    expect(detail.json.deliveries).toEqual([expect.objectContaining({ notifier: 'governance', ok: true, status: 200, attempt: 1 })])
  })

  it('records who acknowledged and resolved the alert, and why', async () => {
    const missingNote = await c.post(`/v1/alerts/${alertId}/acknowledge`, { by: 'dana' })
    expect(missingNote.status).toBe(400)
    expect(missingNote.json.error.message).toMatch(/note/)
    const ack = await c.post(`/v1/alerts/${alertId}/acknowledge`, { by: 'dana', note: 'investigating the score threshold' })
    expect(ack.status).toBe(200)
    expect(ack.json.alert).toMatchObject({ state: 'acknowledged', acknowledged: { by: 'dana', note: 'investigating the score threshold' } })
    const again = await c.post(`/v1/alerts/${alertId}/acknowledge`, { by: 'dana', note: 'twice' })
    expect(again.status).toBe(409)
    const resolved = await c.post(`/v1/alerts/${alertId}/resolve`, { by: 'lee', note: 'threshold recalibrated, see MRC-2026-18' })
    expect(resolved.json.alert).toMatchObject({ state: 'resolved', resolved: { by: 'lee' } })
    const detail = await c.get(`/v1/alerts/${alertId}`)
    expect(detail.json.history.map((h: { change: string }) => h.change)).toEqual(['opened', 'acknowledged', 'resolved'])
    const nonconformities = await c.get('/v1/nonconformities')
    expect(nonconformities.json.nonconformities).toEqual([expect.objectContaining({ controlId: 'FAIR-FPR-RACE', alertId, status: 'open', owner: 'Model Risk team' })])
  })

  it('computes ROC AUC, log loss, Brier, calibration error, accuracy and F1 in ClickHouse as the statistics package does in memory', async () => {
    const yTrue = compas.map((r) => Number(r.two_year_recid))
    const score = compas.map((r) => Number(r.decile_score) / 10)
    const yPred = compas.map((r) => (r.score_text === 'Medium' || r.score_text === 'High' ? 1 : 0))
    const expected: Record<string, number> = {
      'PERF-AUC': rocAuc(yTrue, score)!,
      'PERF-LOGLOSS': logLoss(yTrue, score),
      'PERF-BRIER': brierScore(yTrue, score),
      'PERF-ECE': expectedCalibrationError(yTrue, score),
      'PERF-ACC': accuracy(yTrue, yPred),
      'PERF-F1': f1(yTrue, yPred),
    }
    const res = await c.post('/v1/controls/evaluate', { controls: Object.keys(expected), at: AT })
    for (const result of res.json.results) {
      expect(result.evaluation.reason, result.control).not.toMatch(/failed/)
      expect(result.evaluation.value, result.control).toBeCloseTo(expected[result.control]!, 9)
      expect(result.evaluation.samples.labelled).toBe(7214)
    }
  })

  it('computes the four-fifths impact ratio over every prediction, as the statistics package does', async () => {
    const report = fairnessMetrics({
      yTrue: compas.map((r) => Number(r.two_year_recid)),
      yPred: compas.map((r) => (r.score_text === 'Medium' || r.score_text === 'High' ? 1 : 0)),
      sensitive: compas.map((r) => r.race!),
      minGroupSize: 30,
    })
    const res = await c.post('/v1/controls/evaluate', { controls: ['FAIR-IMPACT-RACE'], at: AT })
    const record = res.json.results[0].evaluation
    expect(record.value).toBeCloseTo(report.fourFifths.ratio!, 12)
    expect(record.samples).toMatchObject({ current: 7214, labelled: null })
    expect(record.breakdown.detail.byGroup['African-American'].selectionRate).toBeCloseTo(report.byGroup['African-American']!.selectionRate!, 12)
    expect(record.value).toBeLessThan(0.8)
    expect(record.outcome).toBe('breach')
  })

  it('lists the control with its latest outcome', async () => {
    const res = await c.get('/v1/controls')
    expect(res.json.controls.find((control: { id: string }) => control.id === 'FAIR-FPR-RACE')).toMatchObject({ id: 'FAIR-FPR-RACE', latest: { outcome: 'breach', seq: 1 } })
    const metrics = await c.get('/metrics', { key: null })
    expect(metrics.text).toContain('aims_evaluations_total{control="FAIR-FPR-RACE",outcome="breach"} 1')
    expect(metrics.text).toContain('aims_alert_delivery_attempts_total{notifier="governance",result="ok"}')
  })

  it('detects tampering with a stored evaluation through the chain check', async () => {
    // A second evaluation (the next day's window: no data, insufficient) extends the chain.
    const next = await c.post('/v1/controls/evaluate', { controls: ['FAIR-FPR-RACE'], at: AT + 86_400_000 })
    expect(next.json.results[0].outcome).toBe('insufficient_data')
    const clean = await c.get('/v1/evaluations/verify')
    expect(clean.json).toMatchObject({ ok: true, checked: 9, problems: [] })
    await c.collector.store.client.command({
      query: `ALTER TABLE ${c.collector.store.table('evaluations')} UPDATE record = replaceOne(record, '"outcome":"breach"', '"outcome":"pass"') WHERE seq = 1 SETTINGS mutations_sync = 1`,
    })
    const tampered = await c.get('/v1/evaluations/verify')
    expect(tampered.json.ok).toBe(false)
    expect(tampered.json.problems).toEqual(expect.arrayContaining([expect.objectContaining({ seq: 1, problem: expect.stringMatching(/altered/) })]))
  })
})
