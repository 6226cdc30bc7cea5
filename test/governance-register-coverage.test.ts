// Governance evidence through the collector's API and the CLI, on the example policy users copy
// (examples/policies/credit-risk.yaml) over a small store: the model register merged from the policy
// and the events seen; the Statement-of-Applicability coverage matrix (A.6.2.6 and A.5.4 covered,
// uncovered Annex A controls listed, evidence counted); and the nonconformity lifecycle with ageing,
// opened by a breach and by hand, with the bad requests each step refuses (400 naming the fields,
// 403, 404, 409). The same views through `aims register|coverage|nonconformities`, through the
// collector and directly on a data directory.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'
import { EXAMPLE_POLICY, localExamplePolicy } from './support/local-example-policy.js'
import { killAllChildren, runCli } from './support/spawn-collector.js'

const POLICY = EXAMPLE_POLICY
const VOLUME = 'credit-risk.data-quality.volume'
const DAY = 86_400_000
const D1 = Date.parse('2026-11-10T00:00:00Z')
const PERIOD = 'from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z'
const UNKNOWN_ID = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f'

let c: CollectorFixture
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-governance-'))

function prediction(id: string, ts: number, model = 'credit-risk', version = '1.0.0') {
  return { type: 'prediction', id, timestamp: ts, model: { id: model, version }, features: { age: 40, hours_per_week: 38 }, attributes: { sex: 'Female' }, output: { label: 'approve', score: 0.7 } }
}

async function evaluateVolume(at: number) {
  const res = await c.post('/v1/controls/evaluate', { controls: [VOLUME], at })
  expect(res.status, res.text).toBe(200)
  return res.json.results[0] as { outcome: string; evaluation: { id: string; nonconformity: string | null } }
}

beforeAll(async () => {
  c = await startCollectorFixture({ policyFile: localExamplePolicy(root) })
  const events = [
    prediction('p1', D1 + 1000), prediction('p2', D1 + 2000), prediction('p3', D1 + 3000),
    prediction('p4', D1 + DAY + 1000, 'credit-risk', '1.1.0'),
    { type: 'outcome', predictionId: 'p1', timestamp: D1 + 5000, model: { id: 'credit-risk' }, label: 'repaid' },
    prediction('s1', D1 + 4000, 'shadow-model', '0.1'),
  ]
  const res = await c.post('/v1/events', { events })
  expect(res.status, res.text).toBe(200)
  await c.getModels()
}, 120_000)

afterAll(async () => {
  await killAllChildren()
  await c?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('GET /v1/register', () => {
  it('merges the policy\'s register with the models seen: versions with first and last events, owners, covering controls, flags', async () => {
    const res = await c.get('/v1/register')
    expect(res.status, res.text).toBe(200)
    expect(res.json.policy).toMatchObject({ name: 'credit-risk-controls' })
    const [credit, shadow] = res.json.models
    expect(res.json.models.map((m: { id: string }) => m.id)).toEqual(['credit-risk', 'shadow-model'])
    expect(credit).toMatchObject({
      registered: true, seen: true, flags: [], riskClass: 'high-risk', lifecycle: 'operation',
      owner: { accountable: 'Head of credit risk', responsible: 'ML platform team' },
      predictionCount: 4, outcomeCount: 1,
      versions: [
        { version: '1.0.0', predictionCount: 3, firstEventAt: '2026-11-10T00:00:01.000Z', lastEventAt: '2026-11-10T00:00:03.000Z' },
        { version: '1.1.0', predictionCount: 1, firstEventAt: '2026-11-11T00:00:01.000Z', lastEventAt: '2026-11-11T00:00:01.000Z' },
      ],
    })
    expect(credit.intendedUse).toMatch(/^Scores consumer credit applications/)
    expect(credit.controls.map((x: { id: string }) => x.id)).toContain(VOLUME)
    expect(shadow).toMatchObject({ registered: false, seen: true, flags: ['unregistered', 'uncontrolled'], owner: null, intendedUse: null, controls: [] })
  })

  it('refuses an unknown parameter, naming it', async () => {
    const res = await c.get('/v1/register?modle=x')
    expect(res.status).toBe(400)
    expect(res.json.error.message).toContain('modle: unknown parameter')
  })
})

describe('GET /v1/coverage on the example policy', () => {
  it('lists A.6.2.6 and A.5.4 as covered, A.10.3 as excluded, and the uncovered Annex A controls, with evidence counts from the evaluations table', async () => {
    const breach = await evaluateVolume(D1 + DAY)
    expect(breach.outcome).toBe('breach')
    const res = await c.get(`/v1/coverage?${PERIOD}&framework=iso42001`)
    expect(res.status, res.text).toBe(200)
    expect(res.json.period).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' })
    expect(res.json.frameworks.map((f: { framework: string }) => f.framework)).toEqual(['iso42001'])
    const rows: { reference: string; status: string; kind: string; justification: string | null; evidence: { total: number; breach: number }; controls: { id: string }[] }[] = res.json.frameworks[0].rows
    const row = (ref: string) => rows.find((r) => r.reference === ref)!
    expect(row('A.6.2.6').status).toBe('covered')
    expect(row('A.5.4').status).toBe('covered')
    expect(row('A.10.3')).toMatchObject({ status: 'excluded', justification: expect.stringContaining('in-house') })
    const uncovered = rows.filter((r) => r.kind === 'annex_a' && r.status === 'not_covered').map((r) => r.reference)
    expect(uncovered).toEqual(expect.arrayContaining(['A.2.2', 'A.3.2', 'A.4.2', 'A.5.5', 'A.7.2', 'A.8.3', 'A.10.2', 'A.10.4']))
    expect(uncovered).toHaveLength(38 - 6 - 1)
    // The one evaluation so far: the volume control (A.6.2.8), which breached.
    expect(row('A.6.2.8')).toMatchObject({ status: 'covered', evidence: { total: 1, breach: 1 }, controls: [{ id: VOLUME }] })
    expect(row('A.6.2.6').evidence.total).toBe(0)
    // Outside the period, no evidence.
    const later = await c.get('/v1/coverage?from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z&framework=iso42001')
    expect(later.json.frameworks[0].rows.find((r: { reference: string }) => r.reference === 'A.6.2.8').evidence.total).toBe(0)
  })

  it('covers the three frameworks by default, counting Art. 10(2)(f) for Art. 10', async () => {
    const res = await c.get(`/v1/coverage?${PERIOD}`)
    expect(res.json.frameworks.map((f: { framework: string }) => f.framework)).toEqual(['iso42001', 'euAiAct', 'nistAiRmf'])
    const eu = res.json.frameworks[1].rows.find((r: { reference: string }) => r.reference === 'Art. 10')
    expect(eu.status).toBe('covered')
  })

  it('answers 400 naming the parameter for a bad framework, time or period', async () => {
    for (const [query, field] of [['framework=iso', 'framework'], ['from=yesterday', 'from'], ['from=2026-12-01&to=2026-11-01', 'to'], ['frameworks=iso42001', 'frameworks']] as const) {
      const res = await c.get(`/v1/coverage?${query}`)
      expect(res.status, query).toBe(400)
      expect(res.json.error.message, query).toMatch(new RegExp(`^${field}: `))
    }
  })
})

describe('nonconformities: ageing, opened by hand, lifecycle', () => {
  let breachNc: string
  let manual: string
  let withControl: string

  it('lists the breach\'s nonconformity with its ageing', async () => {
    const res = await c.get('/v1/nonconformities')
    expect(res.status, res.text).toBe(200)
    const [nc] = res.json.nonconformities
    expect(nc).toMatchObject({ controlId: VOLUME, status: 'open', ageing: { ageDays: 0, overdue: false, dueInDays: 29, closedLate: null } })
    breachNc = nc.id
  })

  it('refuses bad requests to open one by hand: 400 naming each field, 403 without admin', async () => {
    const empty = await c.post('/v1/nonconformities', {})
    expect(empty.status).toBe(400)
    expect(empty.json.error).toMatchObject({ code: 'invalid_nonconformity' })
    expect(empty.json.error.message).toContain('description:')
    expect(empty.json.error.message).toContain('owner:')
    const bad = await c.post('/v1/nonconformities', { description: 'short', owner: 'x', dueDate: 'next week', color: 'red' })
    expect(bad.status).toBe(400)
    for (const field of ['description: expected a description of at least 10 characters', 'dueDate: expected an ISO 8601 date', 'color']) expect(bad.json.error.message).toContain(field)
    const unknownControl = await c.post('/v1/nonconformities', { description: 'Audit finding: no review of drift thresholds', owner: 'ML team', controlId: 'no-such-control' })
    expect(unknownControl.status).toBe(400)
    expect(unknownControl.json.error.message).toMatch(/^controlId: no control "no-such-control"/)
    const readKey = await c.post('/v1/keys', { name: 'auditor', scopes: ['read'] })
    const forbidden = await c.post('/v1/nonconformities', { description: 'Audit finding: something', owner: 'ML team' }, { key: readKey.json.key })
    expect(forbidden.status).toBe(403)
  })

  it('opens one by hand without a control: no alert, default due date, ageing; overdue when its due date has passed', async () => {
    const res = await c.post('/v1/nonconformities', { description: 'Internal audit IA-7: model card not reviewed since launch', owner: 'Model risk team' })
    expect(res.status, res.text).toBe(201)
    expect(res.json.nonconformity).toMatchObject({
      status: 'open', controlId: '', alertId: '00000000-0000-0000-0000-000000000000', version: 1, changedBy: expect.any(String),
      ageing: { ageDays: 0, overdue: false, dueInDays: 29 },
    })
    manual = res.json.nonconformity.id
    const late = await c.post('/v1/nonconformities', { description: 'Complaint C-12 about a refused application', owner: 'Fair lending team', dueDate: '2020-01-31', by: 'Head of compliance' })
    expect(late.status).toBe(201)
    expect(late.json.nonconformity).toMatchObject({ dueDate: '2020-01-31', changedBy: 'Head of compliance', ageing: { overdue: true } })
    expect(late.json.nonconformity.ageing.dueInDays).toBeLessThan(-300)
    const list = await c.get('/v1/nonconformities?status=open')
    expect(list.json.nonconformities.map((n: { id: string }) => n.id)).toEqual(expect.arrayContaining([manual, late.json.nonconformity.id, breachNc]))
    expect(list.json.nonconformities.find((n: { id: string }) => n.id === late.json.nonconformity.id).ageing.overdue).toBe(true)
    // Opening one is an administrative action: in the hash-chained audit log.
    const audit = await c.get('/v1/audit?action=nonconformity.opened')
    expect(audit.status, audit.text).toBe(200)
    expect(audit.json.entries.map((e: { target: string }) => e.target)).toEqual(expect.arrayContaining([manual, late.json.nonconformity.id]))
  })

  it('answers 404 for an unknown id and 400 for one that is not a UUID', async () => {
    expect((await c.get(`/v1/nonconformities/${UNKNOWN_ID}`)).status).toBe(404)
    expect((await c.post(`/v1/nonconformities/${UNKNOWN_ID}`, { rootCause: 'x' })).status).toBe(404)
    expect((await c.post(`/v1/nonconformities/${UNKNOWN_ID}/close`, { note: 'done' })).status).toBe(404)
    expect((await c.get('/v1/nonconformities/not-a-uuid')).status).toBe(400)
  })

  it('refuses to close without root cause and corrective action (409), then closes with an effectiveness review; closed is final (409)', async () => {
    const early = await c.post(`/v1/nonconformities/${manual}/close`, { note: 'Reviewed' })
    expect(early.status).toBe(409)
    expect(early.json.error.message).toMatch(/without rootCause, correctiveAction, an effectiveness review/)
    const updated = await c.post(`/v1/nonconformities/${manual}`, { rootCause: 'No owner for model card reviews', correctiveAction: 'Quarterly review added to the MRC calendar' })
    expect(updated.status, updated.text).toBe(200)
    expect(updated.json.nonconformity).toMatchObject({ status: 'action_taken', version: 2 })
    const noReview = await c.post(`/v1/nonconformities/${manual}/close`, { note: 'Reviewed' })
    expect(noReview.status).toBe(409)
    expect(noReview.json.error.message).toContain('effectiveness review (review)')
    const shortReview = await c.post(`/v1/nonconformities/${manual}/close`, { note: 'Reviewed', review: 'ok' })
    expect(shortReview.status).toBe(400)
    expect(shortReview.json.error.message).toMatch(/^review: /)
    const closed = await c.post(`/v1/nonconformities/${manual}/close`, { note: 'Model card reviewed at MRC-2026-11', review: 'The November MRC reviewed the card; next review is booked for February.' })
    expect(closed.status, closed.text).toBe(200)
    expect(closed.json.nonconformity).toMatchObject({ status: 'closed', effectivenessCheck: { evaluationId: '00000000-0000-0000-0000-000000000000', note: expect.stringContaining('November MRC') } })
    expect((await c.post(`/v1/nonconformities/${manual}/close`, { note: 'again' })).status).toBe(409)
    expect((await c.post(`/v1/nonconformities/${manual}`, { owner: 'someone else' })).status).toBe(409)
    const detail = await c.get(`/v1/nonconformities/${manual}`)
    expect(detail.json.nonconformity.ageing).toEqual({ ageDays: 0, dueInDays: null, overdue: false, closedLate: false })
    expect(detail.json.history.map((v: { version: number; status: string }) => `${v.version}:${v.status}`)).toEqual(['1:open', '2:action_taken', '3:closed'])
  })

  it('closes a nonconformity of a control on the first passing evaluation after its corrective action', async () => {
    const opened = await c.post('/v1/nonconformities', { controlId: VOLUME, description: 'Logging gap found by the operations review', owner: 'ML platform team' })
    expect(opened.status, opened.text).toBe(201)
    withControl = opened.json.nonconformity.id
    for (const id of [withControl, breachNc]) {
      const res = await c.post(`/v1/nonconformities/${id}`, { rootCause: 'The event exporter was disabled in a deploy', correctiveAction: 'Deploy checklist checks the exporter' })
      expect(res.status, res.text).toBe(200)
    }
    const review = await c.post(`/v1/nonconformities/${withControl}/close`, { note: 'Fixed', review: 'Looks fine to me after the fix.' })
    expect(review.status).toBe(409)
    expect(review.json.error.message).toContain('passing evaluation of that control')
    const early = await c.post(`/v1/nonconformities/${withControl}/close`, { note: 'Fixed' })
    expect(early.status).toBe(409)
    expect(early.json.error.message).toContain(`a passing evaluation of ${VOLUME} after the corrective action`)
    // A full day of decisions: the volume control passes.
    const day3 = D1 + 2 * DAY
    const events = Array.from({ length: 5100 }, (_, i) => prediction(`v${i}`, day3 + i * 10_000))
    expect((await c.post('/v1/events', { events })).status).toBe(200)
    await c.getModels()
    const pass = await evaluateVolume(day3 + DAY)
    expect(pass.outcome).toBe('pass')
    for (const id of [withControl, breachNc]) {
      const closed = await c.post(`/v1/nonconformities/${id}/close`, { note: 'Volume back to normal' })
      expect(closed.status, closed.text).toBe(200)
      expect(closed.json.nonconformity).toMatchObject({ status: 'closed', effectivenessCheck: { evaluationId: pass.evaluation.id } })
    }
  })
})

describe('aims register | coverage | nonconformities', () => {
  it('shows the register, the coverage matrix and nonconformities through the running collector', async () => {
    const env = { AIMS_API_KEY: c.initKey }
    const coverage = await runCli(['coverage', '--url', c.url, '--from', '2026-11-01', '--to', '2026-12-01', '--framework', 'iso42001', '--status', 'covered'], { env })
    expect(coverage.stderr).toBe('')
    expect(coverage.code).toBe(0)
    expect(coverage.stdout).toContain('ISO/IEC 42001 (2023): 8 covered, 1 excluded, 62 not covered of 71')
    expect(coverage.stdout).toMatch(/^A\.6\.2\.8 +covered +2 +1 +credit-risk\.data-quality\.volume/m)
    expect(coverage.stdout).not.toMatch(/^A\.2\.2 /m)
    const json = JSON.parse((await runCli(['coverage', '--url', c.url, '--json'], { env })).stdout)
    expect(json.frameworks).toHaveLength(3)
    const register = await runCli(['register', '--url', c.url], { env })
    expect(register.code).toBe(0)
    expect(register.stdout).toMatch(/^credit-risk {2}\[high-risk, operation\]$/m)
    expect(register.stdout).toMatch(/^shadow-model {2}\[UNREGISTERED, UNCONTROLLED\]$/m)
    expect(register.stdout).toContain('intended use Scores consumer credit applications')
    const list = await runCli(['nonconformities', 'list', '--url', c.url, '--overdue'], { env })
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/open +\d+d +2020-01-31 OVERDUE \d+d +\(manual\) +Fair lending team/)
    const bad = await runCli(['nonconformities', 'list', '--url', c.url, '--status', 'done'], { env })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe('aims: --status done: expected one of open, action_taken, closed\n')
  })

  it('opens, updates, shows and closes one directly on a data directory, and computes coverage there', async () => {
    const data = path.join(root, 'direct')
    const args = ['--data', data]
    const opened = await runCli(['nonconformities', 'open', ...args, '--description', 'Supplier questionnaire missing', '--owner', 'Procurement', '--due-date', '2026-12-31', '--json'])
    expect(opened.stderr).toBe('')
    const id = JSON.parse(opened.stdout).id as string
    const updated = await runCli(['nonconformities', 'update', id, ...args, '--root-cause', 'No step for AI suppliers', '--corrective-action', 'Questionnaire added to onboarding'])
    expect(updated.stdout).toBe(`nonconformity ${id} is now version 2, action_taken\n`)
    const refused = await runCli(['nonconformities', 'close', id, ...args, '--note', 'done'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('cannot be closed without an effectiveness review (review)')
    const closed = await runCli(['nonconformities', 'close', id, ...args, '--note', 'Done', '--review', 'Two suppliers onboarded with the questionnaire since.'])
    expect(closed.stdout).toBe(`closed nonconformity ${id}\n`)
    const shown = await runCli(['nonconformities', 'show', id, ...args])
    expect(shown.stdout).toMatch(/^status +closed$/m)
    expect(shown.stdout).toMatch(/v3 \S+ closed +by cli:/)
    const coverage = await runCli(['coverage', ...args, '--policy', POLICY, '--framework', 'iso42001', '--json'])
    expect(coverage.stderr).toBe('')
    expect(JSON.parse(coverage.stdout).frameworks[0].summary).toEqual({ references: 71, covered: 8, excluded: 1, notCovered: 62 })
  }, 120_000)
})
