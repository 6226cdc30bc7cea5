import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'

/**
 * Authentication (Bearer keys, scopes, projects) and the keys API against a real collector.
 * One collector for the file (chDB: one data directory per process).
 */

let c: CollectorFixture

beforeAll(async () => {
  c = await startCollectorFixture()
})

afterAll(async () => {
  await c?.close()
})

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

function batch(modelId = 'auth-model'): { events: unknown[] } {
  return { events: [{ type: 'prediction', id: `auth-${Math.random()}`, timestamp: Date.now() - 1000, model: { id: modelId, version: '1' }, output: { label: 'ok' } }] }
}

/** Creates a key through the API with `adminKey` (the init key by default); returns the secret and record. */
async function createKey(body: Record<string, unknown>, adminKey?: string): Promise<{ key: string; record: { id: string; project: string; scopes: string[] } }> {
  const res = await c.post('/v1/keys', body, { key: adminKey ?? c.initKey })
  expect(res.status, res.text).toBe(201)
  return res.json
}

describe('authentication', () => {
  it('no Authorization header: 401 with WWW-Authenticate: Bearer', async () => {
    for (const res of [await c.post('/v1/events', batch(), { key: null }), await c.get('/v1/models', { key: null }), await c.get('/v1/keys', { key: null })]) {
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expect(res.json.error).toEqual({ code: 'unauthenticated', message: expect.stringMatching(/missing API key/) })
    }
  })

  it('a malformed Authorization header: 401', async () => {
    for (const header of [`Basic ${Buffer.from('u:p').toString('base64')}`, 'Bearer', 'Bearer ', `${c.initKey}`, `Bearer ${c.initKey} extra`, 'Token abc']) {
      const res = await c.post('/v1/events', batch(), { key: null, headers: { authorization: header } })
      expect(res.status, header).toBe(401)
      expect(res.headers.get('www-authenticate'), header).toMatch(/^Bearer/)
      expect(res.json.error.code).toBe('unauthenticated')
    }
  })

  it('an unknown key: 401 invalid_token', async () => {
    const res = await c.post('/v1/events', batch(), { key: 'aims_not-a-real-key' })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    expect(res.json.error.message).toMatch(/invalid or revoked/)
  })

  it('the Bearer scheme is case-insensitive and the init key works', async () => {
    const res = await c.post('/v1/events', batch(), { key: null, headers: { authorization: `bearer ${c.initKey}` } })
    expect(res.status, res.text).toBe(200)
  })

  it('a revoked key: 401', async () => {
    const { key, record } = await createKey({ name: 'short-lived', scopes: ['ingest'] })
    expect((await c.post('/v1/events', batch(), { key })).status).toBe(200)
    const del = await c.delete(`/v1/keys/${record.id}`)
    expect(del.status, del.text).toBe(200)
    expect(del.json.record).toMatchObject({ id: record.id, revokedAt: expect.any(String) })
    const res = await c.post('/v1/events', batch(), { key })
    expect(res.status).toBe(401)
    expect(res.json.error.message).toMatch(/invalid or revoked/)
  })
})

describe('scopes and projects', () => {
  let readOnly: string
  let ingestOnly: string

  beforeAll(async () => {
    readOnly = (await createKey({ name: 'dashboard', scopes: ['read'] })).key
    ingestOnly = (await createKey({ name: 'app', scopes: ['ingest'] })).key
  })

  it('a key without the ingest scope posting events: 403 naming the scope', async () => {
    const res = await c.post('/v1/events', batch(), { key: readOnly })
    expect(res.status).toBe(403)
    expect(res.json.error).toEqual({ code: 'forbidden', message: expect.stringMatching(/lacks the "ingest" scope \(it has: read\)/) })
  })

  it('a read-only key: GET /v1/models 200, POST /v1/events 403, keys API 403', async () => {
    const models = await c.get('/v1/models?wait=0', { key: readOnly })
    expect(models.status).toBe(200)
    expect(models.json.project).toBe('default')
    expect((await c.post('/v1/events', batch(), { key: readOnly })).status).toBe(403)
    expect((await c.get('/v1/keys', { key: readOnly })).status).toBe(403)
  })

  it('an ingest-only key: POST /v1/events 200, GET /v1/models 403, POST /v1/keys 403', async () => {
    expect((await c.post('/v1/events', batch(), { key: ingestOnly })).status).toBe(200)
    const models = await c.get('/v1/models?wait=0', { key: ingestOnly })
    expect(models.status).toBe(403)
    expect(models.json.error.message).toMatch(/"read" scope/)
    const create = await c.post('/v1/keys', { name: 'x', scopes: ['read'] }, { key: ingestOnly })
    expect(create.status).toBe(403)
    expect(create.json.error.message).toMatch(/"admin" scope/)
  })

  it('X-AIMS-Project or ?project= naming another project: 403; naming its own: allowed', async () => {
    const header = await c.post('/v1/events', batch(), { headers: { 'x-aims-project': 'other' } })
    expect(header.status).toBe(403)
    expect(header.json.error.message).toMatch(/belongs to project "default", not "other"/)
    const query = await c.post('/v1/events?project=other', batch())
    expect(query.status).toBe(403)
    expect((await c.get('/v1/models?wait=0&project=other', { key: readOnly })).status).toBe(403)
    expect((await c.post('/v1/events', batch(), { headers: { 'x-aims-project': 'default' } })).status).toBe(200)
    expect((await c.get('/v1/models?wait=0&project=default', { key: readOnly })).status).toBe(200)
  })

  it("a project's keys see only that project's models", async () => {
    const p2 = await createKey({ name: 'p2 all', scopes: ['ingest', 'read'], project: 'p2' })
    expect((await c.post('/v1/events', batch('p2-model'), { key: p2.key })).status).toBe(200)
    const p2Models = (await c.getModels(p2.key)).models.map((m) => m.id)
    const defaultModels = (await c.getModels()).models.map((m) => m.id)
    expect(p2Models).toEqual(['p2-model'])
    expect(defaultModels).toContain('auth-model')
    expect(defaultModels).not.toContain('p2-model')
  })
})

describe('keys API', () => {
  it('POST /v1/keys (admin) creates a key whose secret works, shown once', async () => {
    const res = await c.post('/v1/keys', { name: 'ci pipeline', scopes: ['ingest', 'read'] })
    expect(res.status).toBe(201)
    expect(res.json.key).toMatch(/^aims_/)
    expect(res.json.record).toEqual({
      id: expect.any(String),
      project: 'default',
      name: 'ci pipeline',
      keyPrefix: res.json.key.slice(0, 9),
      scopes: ['ingest', 'read'],
      createdAt: expect.any(String),
      revokedAt: null,
    })
    expect((await c.post('/v1/events', batch(), { key: res.json.key })).status).toBe(200)
    expect((await c.get('/v1/models?wait=0', { key: res.json.key })).status).toBe(200)
  })

  it('GET /v1/keys lists keys without secrets or digests', async () => {
    const { key, record } = await createKey({ name: 'listed', scopes: ['read'] })
    const res = await c.get('/v1/keys')
    expect(res.status).toBe(200)
    const listed = res.json.keys as Array<Record<string, unknown>>
    expect(listed.find((k) => k.id === record.id)).toMatchObject({ name: 'listed', project: 'default', scopes: ['read'], revokedAt: null })
    expect(listed.find((k) => k.name === 'AIMS_INIT_API_KEY')).toBeDefined()
    expect(listed.every((k) => k.project === 'default')).toBe(true)
    expect(res.text).not.toContain(key)
    expect(res.text).not.toContain(c.initKey)
    expect(res.text).not.toContain(sha256(key))
    expect(res.text).not.toMatch(/key_sha256|keySha256|secret/i)
    for (const k of listed) expect(Object.keys(k).sort()).toEqual(['createdAt', 'id', 'keyPrefix', 'name', 'project', 'revokedAt', 'scopes'])
  })

  it('DELETE /v1/keys/:id revokes (listed with revokedAt); an unknown id: 404', async () => {
    const { key, record } = await createKey({ name: 'to revoke', scopes: ['ingest'] })
    const del = await c.delete(`/v1/keys/${record.id}`)
    expect(del.status).toBe(200)
    expect((await c.post('/v1/events', batch(), { key })).status).toBe(401)
    const listed = (await c.get('/v1/keys')).json.keys as Array<{ id: string; revokedAt: string | null }>
    expect(listed.find((k) => k.id === record.id)?.revokedAt).toEqual(del.json.record.revokedAt)
    const missing = await c.delete('/v1/keys/00000000-0000-0000-0000-000000000000')
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('key_not_found')
  })

  it('an admin of project p2 manages p2 only: cannot create keys for p3 nor revoke a default key', async () => {
    const p2Admin = await createKey({ name: 'p2 admin', scopes: ['admin'], project: 'p2' })
    expect(p2Admin.record.project).toBe('p2')
    const own = await c.post('/v1/keys', { name: 'p2 reader', scopes: ['read'] }, { key: p2Admin.key })
    expect(own.status, own.text).toBe(201)
    expect(own.json.record.project).toBe('p2')

    const forP3 = await c.post('/v1/keys', { name: 'sneaky', scopes: ['admin'], project: 'p3' }, { key: p2Admin.key })
    expect(forP3.status).toBe(403)
    expect(forP3.json.error.message).toMatch(/cannot create keys for project "p3"/)

    const defaultKey = await createKey({ name: 'default victim', scopes: ['ingest'] })
    const revoke = await c.delete(`/v1/keys/${defaultKey.record.id}`, { key: p2Admin.key })
    expect(revoke.status).toBe(403)
    expect((await c.post('/v1/events', batch(), { key: defaultKey.key })).status).toBe(200)

    // Its listing shows p2's keys only, even when asking for all.
    const list = await c.get('/v1/keys?all=true', { key: p2Admin.key })
    expect(list.status).toBe(200)
    const projects = new Set((list.json.keys as Array<{ project: string }>).map((k) => k.project))
    expect([...projects]).toEqual(['p2'])
    // The instance admin (project default) sees every project with ?all=true.
    const all = (await c.get('/v1/keys?all=true')).json.keys as Array<{ project: string }>
    expect(new Set(all.map((k) => k.project))).toEqual(new Set(['default', 'p2']))
  })

  it('a bad create body: 400 naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ scopes: ['read'] }, /name/],
      [{ name: '', scopes: ['read'] }, /name/],
      [{ name: 'x' }, /scopes/],
      [{ name: 'x', scopes: [] }, /scopes: give at least one scope/],
      [{ name: 'x', scopes: ['write'] }, /scopes\.0/],
      [{ name: 'x', scopes: 'read' }, /scopes/],
      [{ name: 'x', scopes: ['read'], project: 'no spaces allowed' }, /project/],
      [{ name: 'x', scopes: ['read'], expires: '2030-01-01' }, /expires/],
      [[{ name: 'x', scopes: ['read'] }], /body/],
    ]
    for (const [body, field] of cases) {
      const res = await c.post('/v1/keys', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.json.error).toEqual({ code: 'invalid_key_request', message: expect.stringMatching(field) })
    }
  })

  it('a malformed or oversized create body: 400 / 413, not a server error', async () => {
    const malformed = await c.post('/v1/keys', '{"name": "x",')
    expect(malformed.status, malformed.text).toBe(400)
    expect(malformed.json.error).toEqual({ code: 'malformed_json', message: expect.stringMatching(/JSON/) })
    const huge = await c.post('/v1/keys', { name: 'x'.repeat(20_000), scopes: ['read'] })
    expect(huge.status, huge.text).toBe(413)
    expect(huge.json.error.code).toBe('payload_too_large')
  })

  it('keys are stored hashed: the secret is nowhere in api_keys, key_sha256 is its SHA-256', async () => {
    const { key, record } = await createKey({ name: 'hashed', scopes: ['read'] })
    const store = c.collector.store
    const rows = await (
      await store.client.query({ query: `SELECT *, toString(id) AS id FROM ${store.table('api_keys')}`, format: 'JSONEachRow' })
    ).json<Record<string, unknown>>()
    const text = JSON.stringify(rows)
    expect(text).not.toContain(key)
    expect(text).not.toContain(c.initKey)
    const row = rows.find((r) => r.id === record.id)
    expect(row?.key_sha256).toBe(sha256(key))
    expect(rows.find((r) => r.name === 'AIMS_INIT_API_KEY')?.key_sha256).toBe(sha256(c.initKey))
    // And a search by digest finds exactly that key.
    const found = await (
      await store.client.query({
        query: `SELECT toString(id) AS id FROM ${store.table('api_keys')} FINAL WHERE key_sha256 = {digest:FixedString(64)}`,
        query_params: { digest: sha256(key) },
        format: 'JSONEachRow',
      })
    ).json<{ id: string }>()
    expect(found).toEqual([{ id: record.id }])
  })
})
