// Bad requests to the governance routes (controls, evaluations, alerts) are refused with the status
// and a message that names what was wrong, and none of them costs an evaluation already recorded:
// the hash chain still verifies afterwards. A collector without a policy answers 409 on them.
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'
import { spawnCollector, type SpawnedCollector } from './support/spawn-collector.js'
import { stalledFeedPolicy } from './support/volume-control.js'

const HOUR = 3_600_000
const WINDOW_FROM = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR
const AT = WINDOW_FROM + HOUR

const POLICY = stalledFeedPolicy('errors')

let c: CollectorFixture
let readOnlyKey: string
let alertId: string

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'aims-errors-policy-'))
  const policyFile = path.join(dir, 'policy.yaml')
  await writeFile(policyFile, POLICY)
  c = await startCollectorFixture({ policyFile })
  const events = Array.from({ length: 3 }, (_, i) => ({ type: 'prediction', id: `p-${i}`, timestamp: WINDOW_FROM + i * 1000, model: { id: 'm', version: '1' }, features: { x: i }, output: { score: 0.1 } }))
  expect((await c.post('/v1/events', { events })).status).toBe(200)
  expect((await c.getModels()).models[0]!.predictionCount).toBe(3)
  const first = await c.post('/v1/controls/evaluate', { controls: ['DQ-VOLUME'], at: AT })
  expect(first.status, first.text).toBe(200)
  expect(first.json.results[0]).toMatchObject({ status: 'evaluated', outcome: 'breach' })
  alertId = first.json.results[0].evaluation.alerts[0]
  const key = await c.post('/v1/keys', { name: 'reader', scopes: ['read', 'ingest'] })
  expect(key.status, key.text).toBe(201)
  readOnlyKey = key.json.key
}, 120_000)

afterAll(async () => {
  await c?.close()
})

describe('bad input to the governance routes', () => {
  it('evaluating an unknown control: 404 naming it, and the known control in the same request is not evaluated', async () => {
    const res = await c.post('/v1/controls/evaluate', { controls: ['NO-SUCH-CONTROL'], at: AT })
    expect(res.status, res.text).toBe(404)
    expect(res.json.error.message).toMatch(/NO-SUCH-CONTROL/)
    const mixed = await c.post('/v1/controls/evaluate', { controls: ['DQ-VOLUME', 'NOPE-2'], at: AT + HOUR })
    expect(mixed.status).toBe(404)
    expect(mixed.json.error.message).toMatch(/NOPE-2/)
    expect(mixed.json.error.message).not.toMatch(/NO-SUCH-CONTROL/)
  })

  it('a bad evaluation time: 400 naming the field', async () => {
    for (const at of ['yesterday', -5, 1.5, true]) {
      const res = await c.post('/v1/controls/evaluate', { controls: ['DQ-VOLUME'], at })
      expect(res.status, `${JSON.stringify(at)}: ${res.text}`).toBe(400)
      expect(res.json.error.message).toMatch(/^at: /)
    }
  })

  it('a malformed evaluate body: 400 naming the field', async () => {
    const unknownField = await c.post('/v1/controls/evaluate', { control: 'DQ-VOLUME' })
    expect(unknownField.status).toBe(400)
    expect(unknownField.json.error.message).toMatch(/control/)
    const emptyList = await c.post('/v1/controls/evaluate', { controls: [] })
    expect(emptyList.status).toBe(400)
    expect(emptyList.json.error.message).toMatch(/^controls: /)
    const notJson = await c.post('/v1/controls/evaluate', '{"controls": [', {})
    expect(notJson.status).toBe(400)
  })

  it('a key without the admin scope: 403 on evaluate, acknowledge and resolve, but it may read', async () => {
    const evaluate = await c.post('/v1/controls/evaluate', { controls: ['DQ-VOLUME'], at: AT + 2 * HOUR }, { key: readOnlyKey })
    expect(evaluate.status).toBe(403)
    expect(evaluate.json.error.message).toMatch(/admin/)
    for (const action of ['acknowledge', 'resolve']) {
      const res = await c.post(`/v1/alerts/${alertId}/${action}`, { by: 'mallory', note: 'not mine to change' }, { key: readOnlyKey })
      expect(res.status).toBe(403)
    }
    expect((await c.get('/v1/controls', { key: readOnlyKey })).status).toBe(200)
    expect((await c.get('/v1/evaluations', { key: readOnlyKey })).status).toBe(200)
    expect((await c.post('/v1/controls/evaluate', { controls: ['DQ-VOLUME'] }, { key: null })).status).toBe(401)
  })

  it('a bad evaluations query: 400 naming the parameter', async () => {
    const outcome = await c.get('/v1/evaluations?outcome=nope')
    expect(outcome.status).toBe(400)
    expect(outcome.json.error.message).toMatch(/^outcome: /)
    const from = await c.get('/v1/evaluations?from=last-tuesday')
    expect(from.status).toBe(400)
    expect(from.json.error.message).toMatch(/^from: /)
    const limit = await c.get('/v1/evaluations?limit=0')
    expect(limit.status).toBe(400)
    expect(limit.json.error.message).toMatch(/^limit: /)
    expect((await c.get('/v1/evaluations/not-a-uuid')).status).toBe(400)
    expect((await c.get(`/v1/evaluations/${randomUUID()}`)).status).toBe(404)
  })

  it('the audit log: a bad query is 400 naming the parameter, a key without admin scope 403, and the log still verifies', async () => {
    const limit = await c.get('/v1/audit?limit=abc')
    expect(limit.status).toBe(400)
    expect(limit.json.error.message).toMatch(/^limit: /)
    const from = await c.get('/v1/audit?from=yesterday-ish')
    expect(from.status).toBe(400)
    expect(from.json.error.message).toMatch(/^from: /)
    const unknown = await c.get('/v1/audit?colour=red')
    expect(unknown.status).toBe(400)
    expect(unknown.json.error.message).toMatch(/colour/)
    expect((await c.get('/v1/audit', { key: readOnlyKey })).status).toBe(403)
    const entries = await c.get('/v1/audit')
    expect(entries.json.entries.map((e: { action: string }) => e.action)).toContain('api_key.created')
    const verify = await c.get('/v1/verify', { key: readOnlyKey })
    expect(verify.json.ok).toBe(true)
  })

  it('an unknown alert: 404; a malformed alert id: 400; a change without a note: 400', async () => {
    const unknown = randomUUID()
    const ack = await c.post(`/v1/alerts/${unknown}/acknowledge`, { by: 'dana', note: 'looking into it' })
    expect(ack.status).toBe(404)
    expect(ack.json.error.message).toMatch(unknown)
    expect((await c.post(`/v1/alerts/${unknown}/resolve`, { by: 'dana', note: 'fixed it' })).status).toBe(404)
    expect((await c.get(`/v1/alerts/${unknown}`)).status).toBe(404)
    const bad = await c.post('/v1/alerts/not-a-uuid/acknowledge', { by: 'dana', note: 'looking into it' })
    expect(bad.status).toBe(400)
    expect(bad.json.error.message).toMatch(/not-a-uuid/)
    expect((await c.get('/v1/alerts/not-a-uuid')).status).toBe(400)
    const noNote = await c.post(`/v1/alerts/${alertId}/acknowledge`, { by: 'dana' })
    expect(noNote.status).toBe(400)
    expect(noNote.json.error.message).toMatch(/note/)
    expect((await c.get('/v1/alerts?state=closed')).status).toBe(400)
  })

  it('none of these lost or added an evaluation, changed the alert, or broke the chain', async () => {
    const list = await c.get('/v1/evaluations')
    expect(list.json.evaluations).toHaveLength(1)
    expect(list.json.evaluations[0]).toMatchObject({ seq: 1, outcome: 'breach', control: { id: 'DQ-VOLUME' } })
    const verify = await c.get('/v1/evaluations/verify')
    expect(verify.json).toMatchObject({ ok: true, checked: 1, problems: [] })
    const alert = await c.get(`/v1/alerts/${alertId}`)
    expect(alert.json.alert).toMatchObject({ state: 'open', version: 1 })
    expect(alert.json.history.map((h: { change: string }) => h.change)).toEqual(['opened'])
  })
})

describe('a collector started without a policy', () => {
  let bare: SpawnedCollector
  let dataDir: string
  const KEY = 'no-policy-init-key-0123456789'

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'aims-no-policy-'))
    bare = await spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: KEY } })
  }, 90_000)

  afterAll(async () => {
    await bare?.stop()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('answers 409 on the governance routes, saying how to load one', async () => {
    const call = (method: string, urlPath: string, body?: unknown) => fetch(bare.url + urlPath, {
      method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000),
    })
    const controls = await call('GET', '/v1/controls')
    expect(controls.status).toBe(409)
    const body = (await controls.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('no_policy')
    expect(body.error.message).toMatch(/--policy/)
    expect((await call('POST', '/v1/controls/evaluate', {})).status).toBe(409)
    expect((await call('GET', '/v1/evaluations')).status).toBe(409)
    expect((await call('GET', '/v1/alerts')).status).toBe(409)
  })
})
