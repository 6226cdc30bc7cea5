// The exact ROC AUC of outcomeCellsQuery (Mann–Whitney's U counted over sorted score keys) on the
// real engine, against the statistics package's rocAuc (2U counted in memory, one division: the
// same double) and ClickHouse's arrayROCAUC: continuous scores, heavy ties (one decimal), the two
// zeros (−0 and +0 are one score), scores outside [0, 1] and NaN left out, and one class only (no
// AUC: null, as arrayROCAUC's NaN arrives).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { outcomeCellsFromRows, outcomeCellsQuery, rocAuc, seededRandom } from '@aims-monitor/metrics'
import { openStore, PredictionTables, storeConfigFromEnv, type Store } from '@aims-monitor/store'

const dir = mkdtempSync(path.join(tmpdir(), 'aims-roc-auc-'))
const DAY = Date.parse('2026-11-25T00:00:00Z')
let store: Store
let models = 0

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
})

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Stores the scored predictions and their outcomes as a model of their own; returns the cells' AUC and arrayROCAUC's. */
async function aucOf(scores: readonly number[], labels: readonly number[]): Promise<{ cells: number | null; engine: number }> {
  const model = `auc-${++models}`
  const table = store.table(await new PredictionTables(store).ensure('default', model, []))
  // Literal arrays indexed by row number: the scores as written (−0 kept), NaN as nan.
  const literal = (x: number) => (Number.isNaN(x) ? 'nan' : Object.is(x, -0) ? '-0.' : String(x))
  const id = "toUUID(concat('00000000-0000-4000-8000-', leftPad(lower(hex(number)), 12, '0')))"
  await store.client.command({
    query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, output_score)
      SELECT ${id}, fromUnixTimestamp64Milli(${DAY} + number), now64(3), '1', 'production', 'ok', 'x', [${scores.map(literal).join(', ')}][number + 1] FROM numbers(${scores.length})`,
  })
  await store.client.command({
    query: `INSERT INTO ${store.table('outcomes')} (project, model_id, prediction_id, ts, received, label)
      SELECT 'default', '${model}', ${id}, fromUnixTimestamp64Milli(${DAY} + number + 1), now64(3), toString([${labels.join(', ')}][number + 1]) FROM numbers(${labels.length})`,
  })
  const scope = { table, window: { from: DAY, to: DAY + 86_400_000 } }
  const query = outcomeCellsQuery({ scope, latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: model, attributes: [], positiveLabel: 'x', positiveOutcomeLabel: '1', rocAuc: true })
  const cells = outcomeCellsFromRows(await (await store.client.query({ query: query.query, query_params: query.params, format: 'JSONEachRow' })).json(), []).rocAuc
  const kept = scores.map((s, i) => [s, labels[i]!] as const).filter(([s]) => Number.isFinite(s) && s >= 0 && s <= 1)
  const engine = (await (await store.client.query({
    query: `SELECT arrayROCAUC([${kept.map(([s]) => literal(s)).join(', ')}], [${kept.map(([, y]) => y).join(', ')}]) AS auc`,
    format: 'JSONEachRow',
  })).json<{ auc: number }>())[0]!.auc
  return { cells, engine }
}

it('is the exact U / (P·N) on continuous scores and on heavy ties', async () => {
  const random = seededRandom(7)
  const n = 3000
  const labels = Array.from({ length: n }, () => (random() < 0.4 ? 1 : 0))
  const continuous = labels.map((y) => Math.min(1, Math.max(0, 0.35 + 0.2 * y + 0.3 * (random() - 0.5))))
  const tied = continuous.map((s) => Math.round(s * 10) / 10)
  for (const scores of [continuous, tied]) {
    const { cells, engine } = await aucOf(scores, labels)
    expect(cells).toBe(rocAuc(labels, scores))
    expect(cells).toBeCloseTo(engine, 12)
  }
})

it('takes −0 and +0 as one score, leaves out NaN and scores outside [0, 1], and has no AUC for one class', async () => {
  // Pairs (positive, negative): (0.5, −0) 1; (−0, +0) ½; (0.5, 0.5) ½; (+0, −0) ½; (0.5, +0) 1 — and so on, checked against rocAuc.
  const scores = [-0, 0, 0.5, 0.5, 0, 1.5, NaN, -0.25, 1]
  const labels = [0, 1, 1, 0, 0, 1, 0, 1, 1]
  const kept = scores.map((s, i) => [s, labels[i]!] as const).filter(([s]) => Number.isFinite(s) && s >= 0 && s <= 1)
  const { cells } = await aucOf(scores, labels)
  expect(cells).toBe(rocAuc(kept.map(([, y]) => y), kept.map(([s]) => s)))
  const single = await aucOf([0.2, 0.4, 0.9], [1, 1, 1])
  expect(single.cells).toBeNull()
})
