// "Each (control, window) is evaluated once, idempotently, even with several collectors": two
// collectors on one ClickHouse server (the HTTP fixture over chDB), the same policy, evaluating the
// same controls at the same moment. Exactly one record per (control, window) must exist, and the
// hash chain both appended to must verify.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectorConfigFromEnv, createLogger, startCollector, type RunningCollector } from '@aims-monitor/collector'
import { startClickHouseHttpFixture, type ClickHouseHttpFixture } from './support/clickhouse-http-fixture.js'
import { getModels, postEvents } from './support/spawn-collector.js'
import { volumeControlYaml } from './support/volume-control.js'

const KEY = 'replica-key-0123456789'
const HOUR = 3_600_000
const START = Date.parse('2026-11-20T00:00:00Z')
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-replicas-'))
let ch: ClickHouseHttpFixture
const collectors: RunningCollector[] = []

beforeAll(async () => {
  ch = await startClickHouseHttpFixture({ dataDir: path.join(root, 'clickhouse'), users: { default: '' } })
  const policyFile = path.join(root, 'policy.yaml')
  writeFileSync(policyFile, `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: replicas, version: 1 }
controls:${volumeControlYaml('VOLUME-A', 'replicated')}${volumeControlYaml('VOLUME-B', 'replicated')}`)
  for (const name of ['a', 'b']) {
    const dataDir = path.join(root, `spool-${name}`)
    mkdirSync(dataDir, { recursive: true })
    const config = collectorConfigFromEnv(
      { AIMS_CLICKHOUSE_URL: ch.url, AIMS_CLICKHOUSE_DATABASE: 'replicas' },
      { port: 0, sealAfterMs: 50, initApiKey: KEY, shutdownDrainMs: 2000, store: { dataDir }, policyFile, evaluatorSchedule: false },
    )
    collectors.push(await startCollector(config, { logger: createLogger(process.env.AIMS_LOG_LEVEL ?? 'silent') }))
  }
  const events = Array.from({ length: 120 }, (_, i) => ({
    type: 'prediction', id: `replica-${i}`, timestamp: START + (i % 6) * HOUR + 60_000,
    model: { id: 'replicated', version: '1' }, features: { x: i }, output: { label: 'yes' },
  }))
  expect((await postEvents(collectors[0]!.url, KEY, events)).status).toBe(200)
  expect((await getModels(collectors[0]!.url, KEY)).models[0]!.predictionCount).toBe(120)
}, 120_000)

afterAll(async () => {
  for (const c of collectors) await c.close()
  await ch?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('two collectors evaluating the same controls at once', () => {
  it('record each (control, window) once, and both extend one valid chain', async () => {
    const [a, b] = collectors.map((c) => c.evaluator!)
    // Six hourly windows × two controls, each requested by both collectors concurrently.
    const runs = []
    for (let h = 1; h <= 6; h++) {
      const at = START + h * HOUR
      runs.push(a!.evaluate({ at }), b!.evaluate({ at }))
    }
    const results = (await Promise.all(runs)).flat()
    const evaluated = results.filter((r) => r.status === 'evaluated')
    expect(evaluated).toHaveLength(12)
    for (const r of results.filter((r) => r.status !== 'evaluated')) expect(['already_evaluated', 'claimed_elsewhere']).toContain(r.status)
    const records = await a!.evaluations.list({ project: 'default', limit: 1000 })
    expect(records).toHaveLength(12)
    expect(new Set(records.map((r) => r.record.key)).size).toBe(12)
    expect(records.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    for (const r of records) expect(r.record).toMatchObject({ outcome: 'pass', value: 20 })
    const chain = await b!.evaluations.verifyChain()
    expect(chain).toMatchObject({ ok: true, checked: 12, problems: [] })
  })

  it('answers a repeated request with the stored record, from either collector', async () => {
    const again = await collectors[1]!.evaluator!.evaluate({ controls: ['VOLUME-A'], at: START + HOUR })
    expect(again[0]).toMatchObject({ status: 'already_evaluated', outcome: 'pass' })
    expect(again[0]!.evaluation!.seq).toBeLessThanOrEqual(12)
  })
})
