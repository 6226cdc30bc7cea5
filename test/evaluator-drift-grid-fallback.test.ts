// The drift evaluator's guided path when the rollup's range is wrong: a current-day value far above
// every other was left out of the hourly rollup (its entry deleted, as a rollup written before a
// restore or by an older view could lack it). The guided scans count the histograms on the grid the
// rollup gives and, having a grid, read no min or max (drift-profiles.ts); the value lands in the
// overflow cell, so that grid is dropped, and the runner must read both windows' ranges and count
// the histograms on the true range. Checked: no error outcome, the KS statistic of the exact values
// inside the reported bracket, the normed Wasserstein in its bracket, and the fallback statements run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ControlEvaluation } from '@aims-monitor/evaluator'
import { ksTest, normedWassersteinDistance } from '@aims-monitor/metrics'
import { PredictionTables, featureColumn, numericFeatureRollupName, openStore, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { evaluateSpied } from './support/evaluate-spied.js'

const MODEL = 'drift-grid-fallback'
const DAY = 86_400_000
/** Rows per day: above EXACT_MAX_SAMPLE (20,000), so KS and Wasserstein read fine histograms. */
const N = 25_000
const REF_FROM = Math.floor(Date.now() / DAY) * DAY - 3 * DAY
const CUR_FROM = REF_FROM + DAY
const OUTLIER = 1000

const dir = mkdtempSync(path.join(tmpdir(), 'aims-drift-grid-'))
let store: Store
let table: string
let queries: string[] = []
let results: Map<string, ControlEvaluation>

function control(metric: string): string {
  return `  - id: grid.${metric}
    version: 1
    title: Grid fallback ${metric}
    status: active
    approval: { by: Test, at: 2026-11-27, reference: test/evaluator-drift-grid-fallback }
    references: { iso42001: [A.6.2.6, 9.1] }
    owner: { accountable: Test owner, responsible: Test team }
    scope: { model: ${MODEL} }
    metric: { kind: drift, name: ${metric} }
    selector: { features: [x] }
    window: { current: { type: tumbling, size: 1d }, reference: { window: { offset: 0, size: 1d } } }
    thresholds: { breach: 0.25, rationale: "test thresholds, not a risk decision" }
    schedule: { every: 1d }
    severity: medium
`
}

async function values(from: number): Promise<Float64Array> {
  const got = await (await store.client.query({
    query: `SELECT \`f:x:num\` AS v FROM ${table} FINAL WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64}) AND isFinite(v)`,
    query_params: { from, to: from + DAY },
    format: 'JSONEachRow',
  })).json<{ v: number }>()
  return Float64Array.from(got, (r) => r.v)
}

function item(id: string): { value: number | null; detail: Record<string, unknown> } {
  const result = results.get(id)
  expect(result?.status, id).toBe('evaluated')
  const record = result!.evaluation!.record
  expect(record.outcome, `${id}: ${record.reason}`).not.toBe('error')
  return (record.breakdown as { items: { value: number | null; detail: Record<string, unknown> }[] }).items[0]!
}

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(dir, 'store') }))
  expect(store.config.featureRollups).toBe('on')
  const name = await new PredictionTables(store).ensure('default', MODEL, [featureColumn('x', 'num')])
  table = store.table(name)
  const u = (k: number) => `((cityHash64(number, ${k}) % 9007199254740992) + 0.5) / 9007199254740992`
  await store.client.command({
    query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, \`f:x:num\`)
      SELECT toUUID(concat('00000000-0000-4000-8000-', leftPad(lower(hex(number)), 12, '0'))), ts, ts, '1', 'production', 'ok', '0',
        if(number = {n:UInt64} + 7, {outlier:Float64}, sqrt(-2 * log(${u(1)})) * cos(2 * pi() * ${u(2)}) + if(cur, 0.3, 0))
      FROM (SELECT number, number >= {n:UInt64} AS cur,
        fromUnixTimestamp64Milli(toInt64(if(cur, {curFrom:Int64}, {refFrom:Int64}) + intDiv((number % {n:UInt64}) * 86400000, {n:UInt64}))) AS ts
        FROM numbers({rows:UInt64}))`,
    query_params: { n: N, rows: 2 * N, refFrom: REF_FROM, curFrom: CUR_FROM, outlier: OUTLIER },
  })
  // The outlier's rollup entry goes: the rollup's range for x now ends near 5, the data's at 1000.
  const rollup = store.table(numericFeatureRollupName(name))
  await store.client.command({ query: `ALTER TABLE ${rollup} DELETE WHERE feature > 0 AND key > 100 SETTINGS mutations_sync = 2` })
  const [left] = await (await store.client.query({ query: `SELECT count() AS n FROM ${rollup} WHERE feature > 0 AND key > 100`, format: 'JSONEachRow' })).json<{ n: string }>()
  expect(Number(left!.n)).toBe(0)

  const run = await evaluateSpied(store, `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: grid-fallback, version: 1 }
controls:
${control('ks_statistic')}${control('wasserstein_normed')}`, 'grid-fallback', CUR_FROM + DAY + 60_000)
  queries = run.queries
  results = run.results
}, 120_000)

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

it('drops the grid a value fell outside of, reads both ranges, and brackets the exact KS statistic and normed Wasserstein', async () => {
  const [ref, cur] = await Promise.all([values(REF_FROM), values(CUR_FROM)])
  expect(Math.max(...cur)).toBe(OUTLIER)
  const ks = item('grid.ks_statistic')
  const exactKs = ksTest(ref, cur).statistic
  const [ksLo, ksHi] = ks.detail.statisticBracket as [number, number]
  expect(exactKs).toBeGreaterThanOrEqual(ksLo)
  expect(exactKs).toBeLessThanOrEqual(ksHi)
  const w = item('grid.wasserstein_normed')
  const exactW = normedWassersteinDistance(ref, cur)
  const [wLo, wHi] = w.detail.bracket as [number, number]
  expect(exactW).toBeGreaterThanOrEqual(wLo * (1 - 1e-12))
  expect(exactW).toBeLessThanOrEqual(wHi * (1 + 1e-12))
})

it('took the guided scans first, then the per-statement ranges and histograms', () => {
  expect(queries.some((q) => q.includes('rollup_num_'))).toBe(true)
  // The guided scans counted x's histogram and left out its min and max…
  const guided = queries.filter((q) => q.includes('countResample') && q.includes('`f:x:num`'))
  expect(guided).toHaveLength(2)
  for (const q of guided) expect(q).not.toMatch(/minIf\(`f:x:num`/)
  // …and the dropped grid made the runner read each side's range, then count on the true one.
  expect(queries.filter((q) => /minIf\(`f:x:num`/.test(q) && !q.includes('countResample'))).toHaveLength(2)
  expect(queries.filter((q) => /GROUP BY bin/.test(q))).toHaveLength(2)
})
