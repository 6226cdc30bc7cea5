// The audit log and the policy history end to end, through child collectors on one data directory:
// administrative actions are recorded with who did them; a changed policy is recorded with its diff
// and an unchanged restart is not; `aims verify` passes on an intact store and, after one audit row
// or one evaluation row is edited in the store, fails naming the table and the first broken record.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { killAllChildren, queryStoreInChild, runCli, spawnCollector } from './support/spawn-collector.js'

const ADMIN = 'audit-verify-admin-key-01'
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-audit-'))
afterEach(killAllChildren)
afterAll(() => rmSync(root, { recursive: true, force: true }))

const policy = (threshold: number) => `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: audited, version: ${threshold} }
controls:
  - id: VOLUME
    version: ${threshold}
    title: Predictions keep flowing
    status: active
    approval: { by: Ops lead, at: 2026-10-0${threshold}, reference: OPS-${threshold} }
    references: { iso42001: [A.6.2.6] }
    owner: { accountable: Head of ML, responsible: ML ops }
    scope: { model: audited-model }
    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1h } }
    thresholds: { direction: below, breach: ${threshold}, rationale: An hour without predictions is an outage. }
    guard: { minSample: 1 }
    schedule: { every: 1h }
    severity: low
`

async function api(url: string, method: string, route: string, body?: unknown) {
  const res = await fetch(url + route, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : null,
  })
  return { status: res.status, json: (await res.json()) as any }
}

describe('audit log, policy history and aims verify', () => {
  it('record who did what and which policy was in force, and detect an edit of either chain', async () => {
    const dataDir = path.join(root, 'data')
    const policyFile = path.join(root, 'policy.yaml')
    writeFileSync(policyFile, policy(1))
    const env = { AIMS_INIT_API_KEY: ADMIN }
    let collector = await spawnCollector({ dataDir, env, extraArgs: ['--policy', policyFile, '--no-schedule'] })
    const created = await api(collector.url, 'POST', '/v1/keys', { name: 'reporting', scopes: ['read'] })
    expect(created.status).toBe(201)
    expect((await api(collector.url, 'DELETE', `/v1/keys/${created.json.record.id}`)).status).toBe(200)
    const evaluated = await api(collector.url, 'POST', '/v1/controls/evaluate', {})
    expect(evaluated.json.results[0].outcome).toBe('insufficient_data') // the model never sent a prediction: recorded, not a pass
    const audit = await api(collector.url, 'GET', '/v1/audit')
    const actions = audit.json.entries.map((e: { action: string }) => e.action).reverse()
    expect(actions).toEqual(['policy.loaded', 'api_key.created', 'api_key.created', 'api_key.revoked'])
    expect(audit.json.entries[0]).toMatchObject({ action: 'api_key.revoked', actor: expect.stringMatching(/^AIMS_INIT_API_KEY \(key /), target: created.json.record.id })
    const readOnly = await fetch(`${collector.url}/v1/audit`, { headers: { authorization: `Bearer ${ADMIN}x` } })
    expect(readOnly.status).toBe(401)
    expect((await collector.stop()).code).toBe(0)

    // Same file again: no new version. A changed file: a new version with its diff.
    collector = await spawnCollector({ dataDir, env, extraArgs: ['--policy', policyFile, '--no-schedule'] })
    expect((await api(collector.url, 'GET', '/v1/controls/history')).json.versions).toHaveLength(1)
    expect((await collector.stop()).code).toBe(0)
    writeFileSync(policyFile, policy(2))
    collector = await spawnCollector({ dataDir, env, extraArgs: ['--policy', policyFile, '--no-schedule'] })
    const history = (await api(collector.url, 'GET', '/v1/controls/history')).json.versions
    expect(history).toHaveLength(2)
    expect(history[1]).toMatchObject({ version: '2', previousSha256: history[0].sha256, controls: [{ id: 'VOLUME', version: 2, approval: { reference: 'OPS-2' } }] })
    expect(history[1].diff).toMatch(/-    thresholds: \{ direction: below, breach: 1,/)
    expect(history[1].diff).toMatch(/\+    thresholds: \{ direction: below, breach: 2,/)
    const throughCollector = await runCli(['verify', '--data', dataDir], { env: { AIMS_API_KEY: ADMIN } })
    expect(throughCollector.stdout).toMatch(/evaluations: ok, 1 records/)
    expect(throughCollector.code).toBe(0)
    expect((await collector.stop()).code).toBe(0)

    // Directly on the stopped store.
    const intact = await runCli(['verify', '--data', dataDir])
    expect(intact.stdout).toMatch(/audit_log: ok, 5 records/)
    expect(intact.code).toBe(0)

    await queryStoreInChild(dataDir, [{ query: "ALTER TABLE aims.audit_log UPDATE record = replaceOne(record, 'api_key.revoked', 'api_key.rotated') WHERE seq = 4 SETTINGS mutations_sync = 1" }])
    const tamperedAudit = await runCli(['verify', '--data', dataDir, '--json'])
    expect(tamperedAudit.code).toBe(5)
    const report = JSON.parse(tamperedAudit.stdout)
    expect(report.ok).toBe(false)
    expect(report.chains.find((c: { table: string }) => c.table === 'audit_log')).toMatchObject({ ok: false, firstBroken: 4 })
    expect(report.chains.find((c: { table: string }) => c.table === 'evaluations')).toMatchObject({ ok: true })

    await queryStoreInChild(dataDir, [{ query: "ALTER TABLE aims.evaluations UPDATE outcome = 'pass' WHERE seq = 1 SETTINGS mutations_sync = 1" }])
    const tamperedEvaluation = await runCli(['verify', '--data', dataDir])
    expect(tamperedEvaluation.code).toBe(5)
    expect(tamperedEvaluation.stdout).toMatch(/evaluations: BROKEN at record #1/)
    expect(tamperedEvaluation.stdout).toMatch(/column outcome \(pass\) differs from the record \(insufficient_data\)/)
    expect(tamperedEvaluation.stdout).toMatch(/audit_log: BROKEN at record #4/)
  })
})
