// `aims up --policy` evaluates each control on its schedule; `aims reference import` and
// `aims evaluate` work through the running collector and, once it is stopped, directly on the store.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { killAllChildren, postEvents, runCli, spawnCollector } from './support/spawn-collector.js'

const ADMIN = 'cli-evaluate-admin-key-01'
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-cli-evaluate-'))

afterEach(killAllChildren)
afterAll(() => rmSync(root, { recursive: true, force: true }))

const header = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: cli, version: 1 }
controls:`
const common = `
    version: 1
    status: active
    approval: { by: Ops lead, at: 2026-10-01, reference: OPS-1 }
    references: { iso42001: [A.6.2.6], nistAiRmf: [MEASURE 2.4] }
    owner: { accountable: Head of ML, responsible: ML ops }
    scope: { model: cli-model }
    severity: low`

/** Volume every second (windows of one second: the schedule is seen to fire within the test). */
const POLICY = `${header}
  - id: HEARTBEAT
    title: Predictions keep flowing${common}
    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1s } }
    thresholds: { direction: below, breach: 1, rationale: A second without predictions is an outage in this test. }
    guard: { minSample: 1 }
    schedule: { every: 1s }
  - id: DRIFT-X
    title: Drift of x against the validation data${common}
    metric: { kind: drift, name: psi }
    selector: { features: [x] }
    window: { current: { type: tumbling, size: 1d }, reference: { dataset: validation } }
    thresholds: { warn: 0.1, breach: 0.25, rationale: PSI above 0.25 is a significant shift by the usual rule of thumb. }
    guard: { minSample: 50 }
    schedule: { every: 1d }
`

describe('aims up --policy, aims reference import, aims evaluate', () => {
  it('schedules evaluations, and evaluates on demand through the collector and directly', async () => {
    const dataDir = path.join(root, 'data')
    const policyFile = path.join(root, 'policy.yaml')
    writeFileSync(policyFile, POLICY)
    const collector = await spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: ADMIN }, extraArgs: ['--policy', policyFile] })

    // The schedule fires every second: evaluations of consecutive one-second windows accumulate.
    let heartbeats: { window: { from: string; to: string } }[] = []
    for (let i = 0; i < 100 && heartbeats.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      const res = await fetch(`${collector.url}/v1/evaluations?control=HEARTBEAT`, { headers: { authorization: `Bearer ${ADMIN}` } })
      heartbeats = ((await res.json()) as { evaluations: typeof heartbeats }).evaluations
    }
    expect(heartbeats.length).toBeGreaterThanOrEqual(3)
    expect(collector.stdout()).toMatch(/policy: cli v1 \(2 controls/)
    const windows = heartbeats.map((e) => Date.parse(e.window.to)).sort((a, b) => a - b)
    for (const to of windows) expect(to % 1000).toBe(0)
    expect(new Set(windows).size).toBe(windows.length)

    // A day of predictions of x, and the reference they are compared with (same distribution). The
    // day before yesterday: yesterday's window was evaluated (empty) when the collector started.
    const dayBefore = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000
    const at = String(dayBefore + 86_400_000)
    const events = Array.from({ length: 400 }, (_, i) => ({
      type: 'prediction', id: `x-${i}`, timestamp: dayBefore + i * 1000, model: { id: 'cli-model', version: '1' }, features: { x: i % 100 }, output: { label: 'a' },
    }))
    expect((await postEvents(collector.url, ADMIN, events)).status).toBe(200)
    // The import reads the model's columns from the store: wait until the spool has drained them.
    const drained = await fetch(`${collector.url}/v1/models?wait=30000`, { headers: { authorization: `Bearer ${ADMIN}` } })
    expect(((await drained.json()) as { pendingEvents: number }).pendingEvents).toBe(0)
    const csv = path.join(root, 'validation.csv')
    writeFileSync(csv, 'x,ignored\n' + Array.from({ length: 300 }, (_, i) => `${(i * 7) % 100},z`).join('\n') + '\n')
    const imported = await runCli(['reference', 'import', '--model', 'cli-model', '--file', csv, '--id', 'validation', '--data', dataDir, '--json'], { env: { AIMS_API_KEY: ADMIN } })
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(JSON.parse(imported.stdout)).toMatchObject({ id: 'validation', rowCount: 300, profile: { ignoredColumns: ['ignored'] } })

    const viaCollector = await runCli(['evaluate', '--control', 'DRIFT-X', '--at', at, '--data', dataDir, '--json'], { env: { AIMS_API_KEY: ADMIN } })
    expect(viaCollector.stderr).toBe('')
    const [drift] = JSON.parse(viaCollector.stdout)
    expect(drift).toMatchObject({ control: 'DRIFT-X', status: 'evaluated', outcome: 'pass' })
    expect(viaCollector.code).toBe(0)

    const noKey = await runCli(['evaluate', '--data', dataDir], { env: { AIMS_API_KEY: undefined } })
    expect(noKey.code).not.toBe(0)
    expect(noKey.stderr).toMatch(/--api-key or AIMS_API_KEY/)

    expect((await collector.stop()).code).toBe(0)

    // Stopped: the CLI opens the store itself, with the policy; the same window is not evaluated twice.
    const direct = await runCli(['evaluate', '--control', 'DRIFT-X', '--at', at, '--data', dataDir, '--policy', policyFile, '--json'])
    expect(direct.stderr).toBe('')
    expect(JSON.parse(direct.stdout)[0]).toMatchObject({ control: 'DRIFT-X', status: 'already_evaluated', outcome: 'pass' })
    const withoutPolicy = await runCli(['evaluate', '--data', dataDir], { env: { AIMS_POLICY_FILE: undefined } })
    expect(withoutPolicy.code).not.toBe(0)
    expect(withoutPolicy.stderr).toMatch(/--policy/)
  })

  it('refuses to start on an invalid policy, naming the problem and its line', async () => {
    const bad = path.join(root, 'bad.yaml')
    writeFileSync(bad, POLICY.replace('iso42001: [A.6.2.6]', 'iso42001: [A.7.7]'))
    const result = await runCli(['up', '--port', '0', '--data', path.join(root, 'bad-data'), '--policy', bad])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/bad\.yaml:\d+:\d+: .*A\.7\.7/)
  })
})
