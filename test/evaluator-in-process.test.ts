// Two evaluators in one process on one embedded store (the collector's scheduler and an on-demand
// request, say), evaluating the same controls for the same windows at the same moment: the store's
// in-process claim ledger gives each (control, window) to one of them, so each is computed and
// recorded once, and the chain both appended to verifies.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadPolicy } from '@aims-monitor/controls'
import { featureColumn, openStore, PredictionTables, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { Evaluator } from '@aims-monitor/evaluator'
import { volumeControlYaml } from './support/volume-control.js'

const HOUR = 3_600_000
const START = Date.parse('2026-11-20T00:00:00Z')
const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-in-process-evaluators-'))
let store: Store

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir, retentionDays: 3650 }))
  const table = store.table(await new PredictionTables(store).ensure('default', 'm', [featureColumn('x', 'num')]))
  await store.client.command({
    query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, \`f:x:num\`)
      SELECT generateUUIDv4(), fromUnixTimestamp64Milli(toInt64(${START} + (number % 6) * ${HOUR} + 60000)), now64(3), '1', 'production', 'ok', 'yes', number FROM numbers(120)`,
  })
}, 60_000)

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

it('records each (control, window) once when two evaluators of one process race for it', async () => {
  const loaded = loadPolicy(`apiVersion: aims-monitor/v1\nkind: ControlPolicy\nmetadata: { name: in-process, version: 1 }\ncontrols:${volumeControlYaml('VOLUME-A', 'm')}${volumeControlYaml('VOLUME-B', 'm')}`)
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  const [a, b] = [new Evaluator({ store, policy: loaded }), new Evaluator({ store, policy: loaded })]
  // Each hour's volume computed once: one statement per hour, shared by the batch's two controls
  // (a claim lost means the metric is not computed at all; without claims it was computed twice).
  const computed: string[] = []
  const query = store.client.query.bind(store.client)
  store.client.query = ((params: { query: string }) => {
    if (params.query.startsWith('SELECT count() AS n FROM')) computed.push(params.query)
    return query(params as Parameters<typeof query>[0])
  }) as typeof store.client.query
  const runs = []
  for (let h = 1; h <= 6; h++) runs.push(a.evaluate({ at: START + h * HOUR }), b.evaluate({ at: START + h * HOUR }))
  const results = (await Promise.all(runs)).flat()
  expect(results.filter((r) => r.status === 'evaluated')).toHaveLength(12)
  for (const r of results.filter((r) => r.status !== 'evaluated')) expect(['already_evaluated', 'claimed_elsewhere']).toContain(r.status)
  const records = await a.evaluations.list({ project: 'default', limit: 100 })
  expect(records).toHaveLength(12)
  expect(new Set(records.map((r) => r.record.key)).size).toBe(12)
  for (const r of records) expect(r.record).toMatchObject({ outcome: 'pass', value: 20 })
  expect(await b.evaluations.verifyChain()).toMatchObject({ ok: true, checked: 12 })
  expect(computed).toHaveLength(6)
  await Promise.all([a.stop(), b.stop()])
})
