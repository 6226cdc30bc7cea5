import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { killAllChildren, postEvents, predictionEvent, runCli, spawnCollector } from './support/spawn-collector.js'

// `aims keys` on a data directory no one holds (store opened directly), then through a running
// collector's admin API (the embedded store allows one process per directory).
const ADMIN = 'cli-keys-admin-key-0001'
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-cli-keys-'))

afterEach(killAllChildren)
afterAll(() => rmSync(root, { recursive: true, force: true }))

interface CreatedKey {
  key: string
  record: { id: string; project: string; name: string; keyPrefix: string; scopes: string[]; revokedAt: string | null }
}

function parseCreated(stdout: string): CreatedKey {
  return JSON.parse(stdout) as CreatedKey
}

describe('aims keys', () => {
  it('creates and lists keys offline, then manages them through the running collector', async () => {
    const dataDir = path.join(root, 'data')

    // 1. No collector: the store is opened directly.
    const created = await runCli(['keys', 'create', '--data', dataDir, '--name', 'n', '--project', 'default', '--scopes', 'ingest,read', '--json'])
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    const offline = parseCreated(created.stdout)
    expect(offline.key).toMatch(/^aims_/)
    expect(offline.record).toMatchObject({ name: 'n', project: 'default', scopes: ['ingest', 'read'], revokedAt: null })

    const listed = await runCli(['keys', 'list', '--data', dataDir])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain(offline.record.id)
    expect(listed.stdout).toContain(offline.record.keyPrefix)
    expect(listed.stdout).not.toContain(offline.key)
    const listedJson = await runCli(['keys', 'list', '--data', dataDir, '--json'])
    expect(listedJson.code).toBe(0)
    expect(listedJson.stdout).not.toContain(offline.key)
    expect(JSON.parse(listedJson.stdout)).toEqual([expect.objectContaining({ id: offline.record.id, revokedAt: null })])
    // The offline command left the directory free.
    expect(existsSync(path.join(dataDir, 'aims.lock'))).toBe(false)

    // 2. The collector picks up the key created offline.
    const collector = await spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: ADMIN } })
    const withOffline = await postEvents(collector.url, offline.key, [predictionEvent('k-1', 'keys-model')])
    expect(withOffline.status).toBe(200)

    // 3. While it runs, keys go through its API with an admin key.
    const viaApi = await runCli(['keys', 'create', '--data', dataDir, '--name', 'via-api', '--scopes', 'ingest', '--json'], { env: { AIMS_API_KEY: ADMIN } })
    expect(viaApi.stderr).toBe('')
    expect(viaApi.code).toBe(0)
    const online = parseCreated(viaApi.stdout)
    expect(online.record).toMatchObject({ name: 'via-api', project: 'default', scopes: ['ingest'] })
    expect((await postEvents(collector.url, online.key, [predictionEvent('k-2', 'keys-model')])).status).toBe(200)

    // Without an admin key: a clear refusal naming what to pass.
    const noAdmin = await runCli(['keys', 'create', '--data', dataDir, '--name', 'x', '--scopes', 'ingest'])
    expect(noAdmin.code).not.toBe(0)
    expect(noAdmin.stderr).toContain(collector.url)
    expect(noAdmin.stderr).toContain('AIMS_API_KEY')
    // A key without the admin scope is refused by the collector.
    const notAdmin = await runCli(['keys', 'create', '--data', dataDir, '--name', 'x', '--scopes', 'ingest'], { env: { AIMS_API_KEY: offline.key } })
    expect(notAdmin.code).not.toBe(0)
    expect(notAdmin.stderr).toMatch(/403.*admin/)
    // The collector still holds the directory after these attempts.
    expect((await fetch(`${collector.url}/readyz`)).status).toBe(200)

    // 4. Revoking through the collector takes effect at once.
    const revoked = await runCli(['keys', 'revoke', offline.record.id, '--data', dataDir], { env: { AIMS_API_KEY: ADMIN } })
    expect(revoked.stderr).toBe('')
    expect(revoked.code).toBe(0)
    expect(revoked.stdout).toContain(offline.record.id)
    expect((await postEvents(collector.url, offline.key, [predictionEvent('k-3', 'keys-model')])).status).toBe(401)
    expect((await postEvents(collector.url, online.key, [predictionEvent('k-4', 'keys-model')])).status).toBe(200)
    const unknown = await runCli(['keys', 'revoke', '00000000-0000-0000-0000-000000000000', '--data', dataDir], { env: { AIMS_API_KEY: ADMIN } })
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain('no API key with id 00000000-0000-0000-0000-000000000000')

    expect(await collector.stop('SIGTERM')).toEqual({ code: 0, signal: null })

    // 5. The revocation is stored: offline listing shows it, and a restarted collector refuses the key.
    const after = await runCli(['keys', 'list', '--data', dataDir, '--json'])
    expect(after.code).toBe(0)
    const keys = JSON.parse(after.stdout) as CreatedKey['record'][]
    expect(keys.find((k) => k.id === offline.record.id)?.revokedAt).toEqual(expect.any(String))
    expect(keys.find((k) => k.id === online.record.id)?.revokedAt).toBeNull()
    const restarted = await spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: ADMIN } })
    expect((await postEvents(restarted.url, offline.key, [predictionEvent('k-5', 'keys-model')])).status).toBe(401)
    expect((await postEvents(restarted.url, online.key, [predictionEvent('k-6', 'keys-model')])).status).toBe(200)
    expect(await restarted.stop('SIGTERM')).toEqual({ code: 0, signal: null })
  })

  it('rejects an unknown scope before touching the data directory', async () => {
    const dataDir = path.join(root, 'untouched')
    const result = await runCli(['keys', 'create', '--data', dataDir, '--name', 'n', '--scopes', 'ingest,write'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('unknown scope write')
    expect(result.stderr).toContain('ingest, read, admin')
    expect(result.stdout).toBe('')
    expect(existsSync(dataDir)).toBe(false)
  })
})
