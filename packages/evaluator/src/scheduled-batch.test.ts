// The schedule's runs as batches, on a real embedded store: the controls that fire for the same
// instant (all of them when the evaluator starts) are evaluated together, so two drift controls on
// the same model and windows share their scans as they do in `evaluate()`; a control whose
// evaluation throws leaves the others evaluated.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadPolicy } from '@aims-monitor/controls'
import { featureColumn, openStore, PredictionTables, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import type { EvaluationRecord } from './evaluation-record.js'
import { Evaluator } from './evaluator.js'
import { controlYaml } from './test-support/control-yaml.js'
import { logStatements } from './test-support/statement-log.js'

const DAY = 86_400_000
const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-scheduled-batch-'))
let store: Store
let statements: string[] = []

const control = (id: string, feature: string) => controlYaml(id, `    metric: { kind: drift, name: psi }
    selector: { features: [${feature}] }
    window: { current: { type: tumbling, size: 1d }, reference: { window: { offset: 0, size: 1d } } }
    thresholds: { breach: 0.25, rationale: Evidently's PSI convention. }
`, { title: `Drift of ${feature}` })

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
  const table = store.table(await new PredictionTables(store).ensure('default', 'm', [featureColumn('x', 'num'), featureColumn('y', 'num')]))
  // The two days before today (the windows the first run evaluates): 2,000 predictions each.
  const yesterday = Math.floor(Date.now() / DAY) * DAY - DAY
  for (const from of [yesterday - DAY, yesterday]) {
    await store.client.command({
      query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, \`f:x:num\`, \`f:y:num\`)
        SELECT generateUUIDv4(), fromUnixTimestamp64Milli(toInt64(${from} + number * 40000)), now64(3), '1', 'production', 'ok', 'yes',
          (cityHash64(number, 1) % 1000) / 100, (cityHash64(number, 2) % 1000) / 100 FROM numbers(2000)`,
    })
  }
  statements = logStatements(store)
}, 60_000)

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

it('evaluates the controls that fire together as one batch: every record, shared scans, policy order', async () => {
  const loaded = loadPolicy(`apiVersion: aims-monitor/v1\nkind: ControlPolicy\nmetadata: { name: scheduled, version: 1 }\ncontrols:\n${control('DRIFT-X', 'x')}${control('DRIFT-Y', 'y')}`)
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  const records: EvaluationRecord[] = []
  const evaluator = new Evaluator({ store, policy: loaded, observer: { evaluated: (record) => records.push(record), deliveryAttempt: () => undefined } })
  statements.length = 0
  evaluator.start()
  for (let i = 0; i < 200 && records.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  await evaluator.stop()
  expect(records.map((r) => r.control.id)).toEqual(['DRIFT-X', 'DRIFT-Y'])
  expect(records.every((r) => r.outcome === 'pass' && typeof r.value === 'number')).toBe(true)
  // One reference scan and one current scan for both features (each control alone reads both days itself).
  // (Column-profile statements: their aggregates are aliased c<column><part>_…; rollup reads are not.)
  const profileScans = statements.filter((q) => / AS c0[a-z]_/.test(q) && q.includes('`aims`.`predictions__'))
  expect(profileScans).toHaveLength(2)
  expect(profileScans.every((q) => q.includes('`f:x:num`') && q.includes('`f:y:num`'))).toBe(true)
})
