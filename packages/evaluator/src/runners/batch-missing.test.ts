// A batch's missing_rate counts taken from the drift profiles' current scan, on a real embedded
// store: with a drift control on the same predictions, the missing counts (of a numeric and a
// string feature) come from that scan and no statement of their own runs; evaluated alone, the
// control counts them itself. The record's numbers are the same either way and equal to the counts
// taken directly in SQL.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadPolicy } from '@aims-monitor/controls'
import { featureColumn, openStore, PredictionTables, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { Evaluator } from '../evaluator.js'
import { controlYaml } from '../test-support/control-yaml.js'
import { logStatements } from '../test-support/statement-log.js'

const DAY = 86_400_000
const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-batch-missing-'))
let store: Store
let table: string
let statements: string[] = []
const today = Math.floor(Date.now() / DAY) * DAY
const AT = today + 60_000

const drift = controlYaml('DRIFT-X', `    metric: { kind: drift, name: psi }
    selector: { features: [x] }
    window: { current: { type: tumbling, size: 1d }, reference: { window: { offset: 0, size: 1d } } }
    thresholds: { breach: 0.25, rationale: Evidently's PSI convention. }
`)
const missing = (version: number) => controlYaml('MISSING', `    metric: { kind: data_quality, name: missing_rate }
    selector: { features: [x, s] }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.5, rationale: Half the inputs missing makes predictions guesses. }
`, { version })
const policy = (controls: string) => {
  const loaded = loadPolicy(`apiVersion: aims-monitor/v1\nkind: ControlPolicy\nmetadata: { name: missing, version: 1 }\ncontrols:\n${controls}`)
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  return loaded
}

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
  table = store.table(await new PredictionTables(store).ensure('default', 'm', [featureColumn('x', 'num'), featureColumn('s', 'str')]))
  // The two days before today: 30,000 predictions each (beyond the drift runner's exact path), x
  // missing in 1 of 7 rows, s empty in 1 of 11.
  for (const from of [today - 2 * DAY, today - DAY]) {
    await store.client.command({
      query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, \`f:x:num\`, \`f:s:str\`)
        SELECT generateUUIDv4(), fromUnixTimestamp64Milli(toInt64(${from} + number * 2000)), now64(3), '1', 'production', 'ok', 'yes',
          if(number % 7 = 3, nan, (cityHash64(number, 1) % 1000) / 100), if(number % 11 = 5, '', 'v') FROM numbers(30000)`,
    })
  }
  statements = logStatements(store)
}, 60_000)

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

it("counts a batch's missing values in the drift scan of the same predictions, with the numbers its own statement gives", async () => {
  const rows = await (await store.client.query({
    query: `SELECT count() AS total, countIf(isNaN(\`f:x:num\`)) AS x, countIf(\`f:s:str\` = '') AS s FROM ${table} WHERE ts >= fromUnixTimestamp64Milli(${today - DAY}) AND ts < fromUnixTimestamp64Milli(${today})`,
    format: 'JSONEachRow',
  })).json<{ total: string; x: string; s: string }>()
  const total = Number(rows[0]!.total)
  const expected = [
    { name: 'x', value: Number(rows[0]!.x) / total, detail: { missing: Number(rows[0]!.x), total } },
    { name: 's', value: Number(rows[0]!.s) / total, detail: { missing: Number(rows[0]!.s), total } },
  ]
  expect(total).toBe(30_000)

  statements.length = 0
  const batch = await new Evaluator({ store, policy: policy(drift + missing(1)) }).evaluate({ at: AT })
  const shared = batch.find((r) => r.controlId === 'MISSING')!.evaluation!.record
  const itemsOf = (record: typeof shared) => (record.breakdown as { items: unknown[] }).items
  expect(itemsOf(shared)).toMatchObject(expected)
  expect(statements.filter((q) => / AS missing_0/.test(q))).toEqual([])
  expect(statements.some((q) => / AS c\d+m\b/.test(q) && q.includes('`f:s:str`'))).toBe(true)

  statements.length = 0
  const alone = await new Evaluator({ store, policy: policy(missing(2)) }).evaluate({ at: AT })
  const own = alone[0]!.evaluation!.record
  expect(statements.filter((q) => / AS missing_0/.test(q))).toHaveLength(1)
  expect(itemsOf(own)).toEqual(itemsOf(shared))
  expect([own.value, own.samples]).toEqual([shared.value, shared.samples])
})

it('leaves the counts to the missing_rate control when they would pass the scan\'s bound on columns', async () => {
  // 300 more features: the drift scan of x cannot carry 300 missing counts (MAX_PROFILE_COLUMNS, 256).
  const wide = Array.from({ length: 300 }, (_, i) => `w${i}`)
  const wideTable = store.table(await new PredictionTables(store).ensure('default', 'm', wide.map((w) => featureColumn(w, 'num'))))
  expect(wideTable).toBe(table)
  const many = controlYaml('MISSING-WIDE', `    metric: { kind: data_quality, name: missing_rate }
    selector: { features: [x, ${wide.join(', ')}] }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.5, rationale: Half the inputs missing makes predictions guesses. }
`)
  statements.length = 0
  const batch = await new Evaluator({ store, policy: policy(drift.replace('DRIFT-X', 'DRIFT-X2') + many) }).evaluate({ at: AT })
  const [driftResult, missingResult] = batch.map((r) => r.evaluation!.record)
  expect(driftResult!.outcome).not.toBe('error')
  expect(typeof driftResult!.value).toBe('number')
  // Rows inserted before the columns existed read as missing (NaN): every wide feature is missing in every row.
  const items = (missingResult!.breakdown as { items: { name: string; value: number }[] }).items
  expect(items).toHaveLength(301)
  expect(items.find((i) => i.name === 'w0')!.value).toBe(1)
  expect(statements.filter((q) => / AS missing_0/.test(q))).toHaveLength(1)
})
