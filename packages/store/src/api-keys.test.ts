import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeyRepository, generateApiKey, sha256Hex } from './api-keys.js'
import { storeConfigFromEnv } from './config.js'
import { openStore, type Store } from './open-store.js'

// One embedded store for the whole file: chDB holds one data directory per process.
let dir: string
let store: Store

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aims-api-keys-'))
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
})

afterAll(async () => {
  await store?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function storedRows(): Promise<Array<Record<string, unknown>>> {
  const result = await store.client.query({ query: `SELECT *, toString(id) AS id FROM ${store.table('api_keys')} ORDER BY id, version`, format: 'JSONEachRow' })
  return result.json<Record<string, unknown>>()
}

describe('generateApiKey and sha256Hex', () => {
  it('makes distinct prefixed 256-bit keys and hex SHA-256 digests', () => {
    const a = generateApiKey()
    const b = generateApiKey()
    expect(a).not.toBe(b)
    expect(a).toMatch(/^aims_[A-Za-z0-9_-]{43}$/)
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})

describe('ApiKeyRepository against the store', () => {
  let repo: ApiKeyRepository

  beforeAll(async () => {
    repo = new ApiKeyRepository(store)
    await repo.load()
  })

  it('starts empty on a fresh store', () => {
    expect(repo.list()).toEqual([])
    expect(repo.authenticate('anything')).toBeUndefined()
  })

  it('creates a key whose secret authenticates, returned once, stored only as its digest', async () => {
    const created = await repo.create({ project: 'default', name: 'ci ingest', scopes: ['ingest', 'read', 'ingest'] })
    expect(created.key).toMatch(/^aims_/)
    expect(created.record).toMatchObject({ project: 'default', name: 'ci ingest', scopes: ['ingest', 'read'], revokedAt: null, keyPrefix: created.key.slice(0, 9) })
    expect(created.record).not.toHaveProperty('keySha256')
    expect(repo.authenticate(created.key)).toEqual(created.record)
    expect(repo.authenticate(created.key + 'x')).toBeUndefined()
    expect(repo.hasSecret(created.key)).toBe(true)

    const rows = await storedRows()
    const row = rows.find((r) => r.id === created.record.id)!
    expect(row.key_sha256).toBe(createHash('sha256').update(created.key).digest('hex'))
    expect(JSON.stringify(rows)).not.toContain(created.key)
  })

  it('creates a key with a given secret, and refuses the same secret twice', async () => {
    const secret = 'operator-chosen-secret-1'
    const created = await repo.create({ project: 'p2', name: 'init', scopes: ['admin', 'read', 'ingest'], secret })
    expect(created.key).toBe(secret)
    expect(created.record.scopes).toEqual(['admin', 'ingest', 'read'])
    expect(repo.authenticate(secret)?.project).toBe('p2')
    await expect(repo.create({ project: 'p3', name: 'again', scopes: ['read'], secret })).rejects.toThrow(/already exists/)
  })

  it('lists keys, per project or all, without secrets or digests', async () => {
    await repo.create({ project: 'p2', name: 'reader', scopes: ['read'] })
    expect(repo.list('p2').map((k) => k.name).sort()).toEqual(['init', 'reader'])
    expect(repo.list('default').map((k) => k.name)).toEqual(['ci ingest'])
    expect(repo.list()).toHaveLength(3)
    expect(repo.list('nobody')).toEqual([])
    const text = JSON.stringify(repo.list())
    expect(text).not.toMatch(/sha256|Sha256|operator-chosen-secret-1/)
  })

  it('revokes a key: it stops authenticating, stays listed with revokedAt; revoking twice is a no-op', async () => {
    const { key, record } = await repo.create({ project: 'default', name: 'to revoke', scopes: ['ingest'] })
    expect(repo.authenticate(key)).toBeDefined()
    const revoked = await repo.revoke(record.id)
    expect(revoked?.revokedAt).toEqual(expect.any(String))
    expect(Date.parse(revoked!.revokedAt!)).toBeGreaterThanOrEqual(Date.parse(record.createdAt))
    expect(repo.authenticate(key)).toBeUndefined()
    expect(repo.hasSecret(key)).toBe(true)
    expect(repo.list().find((k) => k.id === record.id)?.revokedAt).toBe(revoked!.revokedAt)
    expect(await repo.revoke(record.id)).toEqual(revoked)
    expect(await repo.revoke('00000000-0000-0000-0000-000000000000')).toBeUndefined()
  })

  it('reloads the same keys from the store in a new repository: revocations, scopes and times kept', async () => {
    const reloaded = new ApiKeyRepository(store)
    await reloaded.load()
    const byId = (list: ReturnType<ApiKeyRepository['list']>) => [...list].sort((a, b) => a.id.localeCompare(b.id))
    expect(byId(reloaded.list())).toEqual(byId(repo.list()))
    expect(reloaded.authenticate('operator-chosen-secret-1')?.name).toBe('init')
    const revoked = reloaded.list().find((k) => k.name === 'to revoke')!
    expect(revoked.revokedAt).not.toBeNull()
    // A revoked key's secret is still known, so it cannot be created again under another name.
    await expect(reloaded.create({ project: 'default', name: 'x', scopes: ['read'], secret: 'operator-chosen-secret-1' })).rejects.toThrow(/already exists/)
  })
})
