// The batch's shared outcome join against the per-attribute statements, on a real embedded store:
// keyed by both fairness attributes when their combinations fit the bound, and, when they do not,
// stopped by ClickHouse (TOO_MANY_ROWS) and replaced by each control's own join — the same
// confusion matrices either way.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadPolicy, type Control } from '@aims-monitor/controls'
import { confusionByGroupFromRows, confusionByGroupQuery, confusionOfCells } from '@aims-monitor/metrics'
import { attributeColumn, openStore, PredictionTables, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import type { MetricContext } from '../metric-context.js'
import { QueryCache } from '../query-cache.js'
import { currentWindow } from '../windows.js'
import { runFairness } from './fairness-runner.js'
import { outcomeCells, outcomeLabelsOf } from './outcome-profiles.js'

const DAY = Date.parse('2026-11-25T00:00:00Z')
const AT = Date.parse('2026-11-26T00:00:00Z')
const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-outcome-cells-'))
let store: Store
let table: string
let controls: Control[]

const control = (id: string, attribute: string, metric = "false_positive_rate_difference, params: { positiveLabel: 'yes', positiveOutcomeLabel: '1' }") => `  - id: ${id}
    version: 1
    title: FPR parity across ${attribute}
    status: active
    approval: { by: Risk committee, at: 2026-10-01, reference: RC-1 }
    references: { iso42001: [A.5.4] }
    owner: { accountable: CRO, responsible: Model Risk }
    scope: { model: m }
    metric: { kind: fairness, name: ${metric} }
    selector: { attribute: ${attribute} }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.5, rationale: Groups treated differently. }
    schedule: { every: 1d }
    severity: high
`

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
  table = store.table(await new PredictionTables(store).ensure('default', 'm', [attributeColumn('region'), attributeColumn('shop'), attributeColumn('customer')]))
  // 2,000 predictions: 20 regions × 37 shops (co-prime: 740 combinations), a third predicted yes, a fifth repaid.
  const id = "toUUID(concat('00000000-0000-4000-8000-', leftPad(lower(hex(number)), 12, '0')))"
  await store.client.command({
    query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, \`a:region\`, \`a:shop\`, \`a:customer\`)
      SELECT ${id}, fromUnixTimestamp64Milli(toInt64(${DAY} + number * 1000)), now64(3), '1', 'production', 'ok',
        if(number % 3 = 0, 'yes', 'no'), concat('r', toString(number % 20)), concat('s', toString(number % 37)), concat('c', toString(number)) FROM numbers(2000)`,
  })
  await store.client.command({
    query: `INSERT INTO ${store.table('outcomes')} (project, model_id, prediction_id, ts, received, label, value)
      SELECT 'default', 'm', ${id}, fromUnixTimestamp64Milli(toInt64(${DAY} + number * 1000 + 1)), now64(3), if(number % 5 = 0, '1', '0'), nan FROM numbers(1900)`,
  })
  const loaded = loadPolicy(`apiVersion: aims-monitor/v1\nkind: ControlPolicy\nmetadata: { name: cells, version: 1 }\ncontrols:\n${control('REGION', 'region')}${control('SHOP', 'shop')}${control('CUSTOMER', 'customer')}${control('SELECTION', 'shop', "demographic_parity_difference, params: { positiveLabel: 'yes', positiveOutcomeLabel: '1' }")}`)
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  controls = [...loaded.policy.controls]
}, 60_000)

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

/**
 * A context as the evaluator builds it for `own` in a batch (by default the region and shop
 * controls), with the evaluator's QueryCache, counting the statements it runs.
 */
function contextFor(own: Control, statements: string[], cache: QueryCache, batch: Control[] = controls.slice(0, 2)): MetricContext {
  const window = currentWindow(own, AT)
  return {
    store, control: own, project: 'default', modelId: 'm', reference: null,
    scope: { table, window },
    columns: new Set(['a:region', 'a:shop', 'a:customer', 'output_label']),
    batch: { controls: batch, at: AT },
    rows: (query) => {
      statements.push(query.query)
      return cache.rows(query)
    },
    shared: (key, compute) => cache.shared(key, compute),
  }
}

async function single(own: Control, attribute: string) {
  const { query, params } = confusionByGroupQuery({
    scope: { table, window: currentWindow(own, AT) }, latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: 'm',
    groupBy: attribute, positiveLabel: 'yes', positiveOutcomeLabel: '1',
  })
  return confusionByGroupFromRows(await (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json())
}

it('joins once for both attributes when their combinations fit, and each control reads its matrices from the cells', async () => {
  const statements: string[] = []
  const cache = new QueryCache(store, { controls: controls.slice(0, 2), at: AT })
  for (const [own, attribute] of [[controls[0]!, 'region'], [controls[1]!, 'shop']] as const) {
    const cells = await outcomeCells(contextFor(own, statements, cache), outcomeLabelsOf(own), { attribute })
    expect(cells.attributes).toEqual(['region', 'shop'])
    expect(confusionOfCells(cells, attribute)).toEqual(await single(own, attribute))
  }
  expect(statements).toHaveLength(1)
})

it('falls back to one join per attribute when the combinations pass the bound, with the same matrices', async () => {
  const statements: string[] = []
  const cache = new QueryCache(store, { controls: controls.slice(0, 2), at: AT })
  for (const [own, attribute] of [[controls[0]!, 'region'], [controls[1]!, 'shop']] as const) {
    // 740 combinations × up to 8 cells is far past 100.
    const cells = await outcomeCells(contextFor(own, statements, cache), outcomeLabelsOf(own), { attribute }, 100)
    expect(cells.attributes).toEqual([attribute])
    expect(confusionOfCells(cells, attribute)).toEqual(await single(own, attribute))
  }
  // The combined statement once (refused, and not tried again by the second control), then each control's own.
  expect(statements).toHaveLength(3)
  expect(statements[0]).toMatch(/max_rows_to_group_by = 100/)
  expect(statements[1]).not.toMatch(/max_rows_to_group_by/)
})

it("a selection-rate control reads the batch's outcome join when the batch makes one, and scans on its own otherwise: the same record", async () => {
  const selection = controls[3]!
  const region = controls[0]!
  const joined: string[] = []
  const withJoin = await runFairness(contextFor(selection, joined, new QueryCache(store, { controls: [region, selection], at: AT }), [region, selection]))
  // One statement: the join keyed by region and shop, which the region control reads too.
  expect(joined).toHaveLength(1)
  expect(joined[0]).toMatch(/JOIN/)
  const alone: string[] = []
  const own = await runFairness(contextFor(selection, alone, new QueryCache(store, { controls: [selection], at: AT }), [selection]))
  expect(alone).toHaveLength(1)
  expect(alone[0]).not.toMatch(/JOIN/)
  expect(withJoin.items).toEqual(own.items)
  expect(withJoin.currentSize).toBe(2000)
  expect(withJoin.items[0]!.value).toBe(own.items[0]!.value)
})

it('records a fairness control over an attribute with more than 1,000 values as insufficient data, saying why', async () => {
  const customer = controls[2]!
  await expect(runFairness(contextFor(customer, [], new QueryCache(store, { controls: [customer], at: AT }), [customer]))).rejects.toThrow(/customer has 2,000 values in the window; a fairness control compares at most 1,000 groups/)
})
