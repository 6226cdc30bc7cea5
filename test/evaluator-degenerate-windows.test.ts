// The evaluator on degenerate but legitimate windows: empty sides, a feature missing (NaN) in every
// row, constant features, one current row, ±Infinity, a feature recorded only from the current day
// on, categories all unseen in the reference, a fairness group of one member and one without a
// positive outcome, outcomes of one class, scores outside [0, 1] or NaN, and the histogram path
// (above EXACT_MAX_SAMPLE = 20,000 rows) beside the exact one. Every control must end as the value
// @aims-monitor/metrics computes in memory on the same (finite) values, or as insufficient_data with
// a reason naming the cause: never an error outcome. One store; each case reads its own rows through
// `scope.environment`, so that one predictions table holds them all.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ControlEvaluation } from '@aims-monitor/evaluator'
import {
  binCounts, brierScore, chiSquareDrift, fairnessMetrics, jensenShannonDistance, ksTest, logLoss, meanAbsoluteError,
  normedWassersteinDistance, psiFromBins, quantileEdges, rocAuc,
} from '@aims-monitor/metrics'
import { PredictionTables, attributeColumn, featureColumn, openStore, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { evaluateSpied } from './support/evaluate-spied.js'

const MODEL = 'degenerate'
const DAY = 86_400_000
const REF_FROM = Math.floor(Date.now() / DAY) * DAY - 3 * DAY
const CUR_FROM = REF_FROM + DAY
/** Beyond EXACT_MAX_SAMPLE: KS and Wasserstein read 4096-bin histograms. */
const BIG = 25_000

const dir = mkdtempSync(path.join(tmpdir(), 'aims-degenerate-'))
let store: Store
let table: string
let results: Map<string, ControlEvaluation>

interface Item { name: string; value: number | null; insufficient?: string; outcome: string; detail: Record<string, unknown> }
interface ControlSpec { id: string; kind: string; metric: string; env: string; features?: string[]; attribute?: string; params?: string; minSample?: number; reference?: boolean }

function control(c: ControlSpec): string {
  const selector = c.attribute ? `{ attribute: ${c.attribute} }` : `{ features: [${c.features!.join(', ')}] }`
  const reference = c.reference === false ? '' : ', reference: { window: { offset: 0, size: 1d } }'
  return `  - id: ${c.id}
    version: 1
    title: Degenerate ${c.id}
    status: active
    approval: { by: Test, at: 2026-11-27, reference: test/evaluator-degenerate-windows }
    references: { iso42001: [A.6.2.6, 9.1] }
    owner: { accountable: Test owner, responsible: Test team }
    scope: { model: ${MODEL}, environment: ${c.env} }
    metric: { kind: ${c.kind}, name: ${c.metric}${c.params ? `, params: ${c.params}` : ''} }
    selector: ${selector}
    window: { current: { type: tumbling, size: 1d }${reference} }
    thresholds: { breach: 0.5, rationale: "test thresholds, not a risk decision" }
    guard: { minSample: ${c.minSample ?? 1}, minPerGroup: 30 }
    schedule: { every: 1d }
    severity: medium
`
}

const u = (k: number) => `((cityHash64(number, ${k}) % 9007199254740992) + 0.5) / 9007199254740992`
const normal = `sqrt(-2 * log(${u(1)})) * cos(2 * pi() * ${u(2)})`

/** Inserts `n` rows of environment `env` spread over the day at `from`; columns as SQL over `number` (and `cur`). */
async function insert(env: string, from: number, n: number, columns: Record<string, string>): Promise<void> {
  if (n === 0) return
  const names = Object.keys(columns)
  await store.client.command({
    query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, ${names.map((c) => `\`${c}\``).join(', ')})
      SELECT generateUUIDv4(number), ts, ts, '1', {env:String}, 'ok', ${names.map((c) => columns[c]).join(', ')}
      FROM (SELECT number, {cur:UInt8} AS cur, fromUnixTimestamp64Milli(toInt64({from:Int64} + intDiv(number * 86400000, {n:UInt64}))) AS ts FROM numbers({n:UInt64}))`,
    query_params: { env, from, n, cur: from === CUR_FROM ? 1 : 0 },
  })
}

/** Outcomes for every prediction of `env`: label (and value) as SQL over the prediction's columns. */
async function outcomes(env: string, label: string, value = 'nan'): Promise<void> {
  await store.client.command({
    query: `INSERT INTO ${store.table('outcomes')} (project, model_id, prediction_id, ts, received, model_version, label, value)
      SELECT 'default', {model:String}, id, ts, ts, '1', ${label}, ${value} FROM ${table} WHERE environment = {env:String}`,
    query_params: { env, model: MODEL },
  })
}

async function rows<T>(env: string, from: number, select: string): Promise<T[]> {
  return (await store.client.query({
    query: `SELECT ${select} FROM ${table} AS p FINAL LEFT JOIN (SELECT prediction_id, label, value FROM ${store.table('outcomes_latest')} FINAL) AS o ON o.prediction_id = p.id
      WHERE p.environment = {env:String} AND p.ts >= fromUnixTimestamp64Milli({from:Int64}) AND p.ts < fromUnixTimestamp64Milli({to:Int64})`,
    query_params: { env, from, to: from + DAY },
    format: 'JSONEachRow',
  })).json<T>()
}

/** A Float64 read as toString (JSON writes ±∞ and NaN alike as null): 'inf', '-inf', 'nan' or digits. */
function num(v: number | string): number {
  if (typeof v === 'number') return v
  return ({ inf: Infinity, '+inf': Infinity, '-inf': -Infinity, nan: NaN } as Record<string, number>)[v.toLowerCase()] ?? Number(v)
}

/** The values but NaN of a numeric feature on one side. */
async function present(env: string, feature: string, from: number): Promise<number[]> {
  return (await rows<{ v: number | string }>(env, from, `toString(\`f:${feature}:num\`) AS v`)).map((r) => num(r.v)).filter((v) => !Number.isNaN(v))
}

/** The finite values of a numeric feature on one side. */
async function finite(env: string, feature: string, from: number): Promise<number[]> {
  return (await present(env, feature, from)).filter(Number.isFinite)
}

/** The in-memory metric of a feature of `env` (see inMemory). */
async function expected(metric: string, env: string, feature: string): Promise<number> {
  const [refAll, curAll] = await Promise.all([present(env, feature, REF_FROM), present(env, feature, CUR_FROM)])
  return inMemory(metric, refAll.filter(Number.isFinite), curAll.filter(Number.isFinite), refAll, curAll)
}

function record(id: string) {
  const result = results.get(id)
  expect(result?.status, id).toBe('evaluated')
  const r = result!.evaluation!.record
  expect(r.outcome, `${id}: ${r.reason}`).not.toBe('error')
  return r
}

function item(id: string, name?: string): Item {
  const items = (record(id).breakdown as { items: Item[] }).items
  const found = name === undefined ? items[0] : items.find((i) => i.name === name)
  expect(found, `${id} item ${name}`).toBeDefined()
  return found!
}

function expectInsufficient(id: string, name: string | undefined, cause: RegExp): void {
  const r = record(id)
  expect(r.outcome, r.reason).toBe('insufficient_data')
  expect(r.reason).toMatch(cause)
  if (name !== undefined) expect(item(id, name).insufficient).toMatch(cause)
}

function expectValue(id: string, name: string | undefined, expected: number, digits = 10): void {
  const got = item(id, name)
  expect(got.insufficient, `${id}: ${got.insufficient}`).toBeUndefined()
  expect(got.value, id).not.toBeNull()
  expect(got.value!).toBeCloseTo(expected, digits)
}

const DRIFT = ['psi', 'ks_statistic', 'wasserstein_normed', 'jensen_shannon']
const SMALL_FEATURES = ['x', 'allnan', 'const', 'constref', 'inf', 'newcol']

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(dir, 'store') }))
  const num = ['x', 'allnan', 'const', 'constref', 'inf', 'newcol'].map((f) => featureColumn(f, 'num'))
  const name = await new PredictionTables(store).ensure('default', MODEL, [...num, featureColumn('cat', 'str'), featureColumn('onecat', 'str'), attributeColumn('grp')])
  table = store.table(name)
  const feat = (_n: number): Record<string, string> => ({
    'f:x:num': `${normal} + if(cur, 0.3, 0)`,
    'f:allnan:num': `if(cur, nan, ${normal})`,
    'f:const:num': '5',
    'f:constref:num': `if(cur, ${normal}, 5)`,
    // Every 50th value is +∞, every 50th (shifted) −∞: the finite rest is compared.
    'f:inf:num': `multiIf(number % 50 = 0, inf, number % 50 = 25, -inf, ${normal} + if(cur, 0.5, 0))`,
    'f:newcol:num': `if(cur, ${normal}, nan)`,
    'f:cat:str': `if(cur, ['x', 'y'][1 + number % 2], ['a', 'b', 'c'][1 + number % 3])`,
    'f:onecat:str': `'k'`,
  })
  await insert('small', REF_FROM, 500, feat(500))
  await insert('small', CUR_FROM, 400, feat(400))
  await insert('big', REF_FROM, BIG, feat(BIG))
  await insert('big', CUR_FROM, BIG, feat(BIG))
  await insert('one', REF_FROM, 500, feat(500))
  await insert('one', CUR_FROM, 1, feat(1))
  await insert('nocur', REF_FROM, 500, feat(500))
  await insert('noref', CUR_FROM, 500, feat(500))
  // Performance: outcomes all positive; scores NaN, above 1, below 0, ∞ mixed in; regression values with NaN and ∞.
  const labels = { output_label: `if(number % 3 = 0, '0', '1')`, output_score: u(3) }
  await insert('oneclass', CUR_FROM, 300, labels)
  await insert('badscore', CUR_FROM, 300, { output_label: `if(${u(3)} > 0.5, '1', '0')`, output_score: `multiIf(number % 10 = 0, nan, number % 10 = 1, 1.5, number % 10 = 2, -0.2, number % 10 = 3, inf, ${u(3)})` })
  await insert('regression', CUR_FROM, 300, { output_value: `multiIf(number % 17 = 0, nan, number % 19 = 0, inf, toFloat64(number))` })
  // Fairness: A and B 200 each, C a single member, D 60 whose outcomes are all negative.
  await insert('fair', CUR_FROM, 461, {
    'a:grp': `multiIf(number < 200, 'A', number < 400, 'B', number = 400, 'C', 'D')`,
    output_label: `if(${u(4)} < if(number < 200, 0.6, 0.4), '1', '0')`,
  })
  await outcomes('oneclass', `'1'`)
  await outcomes('badscore', `if(cityHash64(id) % 3 = 0, '1', '0')`)
  await outcomes('regression', `'1'`, `toFloat64(cityHash64(id) % 7)`)
  await outcomes('fair', `if(\`a:grp\` = 'D', '0', if(cityHash64(id) % 2 = 0, '1', '0'))`)

  const specs: ControlSpec[] = []
  for (const metric of DRIFT) {
    specs.push({ id: `small.${metric}`, kind: 'drift', metric, env: 'small', features: SMALL_FEATURES })
    specs.push({ id: `big.${metric}`, kind: 'drift', metric, env: 'big', features: ['x', 'allnan', 'const', 'constref', 'inf'] })
    specs.push({ id: `one.${metric}`, kind: 'drift', metric, env: 'one', features: ['x'] })
    specs.push({ id: `nocur.${metric}`, kind: 'drift', metric, env: 'nocur', features: ['x'] })
    specs.push({ id: `noref.${metric}`, kind: 'drift', metric, env: 'noref', features: ['x'] })
  }
  specs.push(
    { id: 'small.chi_square', kind: 'drift', metric: 'chi_square', env: 'small', features: ['cat'] },
    { id: 'small.chi_one', kind: 'drift', metric: 'chi_square', env: 'small', features: ['onecat'] },
    { id: 'small.js_cat', kind: 'drift', metric: 'jensen_shannon', env: 'small', features: ['cat'] },
    { id: 'small.missing_rate', kind: 'data_quality', metric: 'missing_rate', env: 'small', features: ['allnan', 'newcol', 'x'] },
    { id: 'small.out_of_range_rate', kind: 'data_quality', metric: 'out_of_range_rate', env: 'small', features: ['constref', 'inf', 'newcol'] },
    { id: 'small.new_category_rate', kind: 'data_quality', metric: 'new_category_rate', env: 'small', features: ['cat'] },
    { id: 'nocur.volume', kind: 'data_quality', metric: 'volume', env: 'nocur', reference: false, features: ['x'] },
    { id: 'nocur.missing_rate', kind: 'data_quality', metric: 'missing_rate', env: 'nocur', reference: false, features: ['x'] },
    { id: 'oneclass.roc_auc', kind: 'performance', metric: 'roc_auc', env: 'oneclass', reference: false, features: ['x'] },
    { id: 'oneclass.accuracy', kind: 'performance', metric: 'accuracy', env: 'oneclass', reference: false, features: ['x'] },
    { id: 'badscore.roc_auc', kind: 'performance', metric: 'roc_auc', env: 'badscore', reference: false, features: ['x'] },
    { id: 'badscore.log_loss', kind: 'performance', metric: 'log_loss', env: 'badscore', reference: false, features: ['x'] },
    { id: 'badscore.brier', kind: 'performance', metric: 'brier', env: 'badscore', reference: false, features: ['x'] },
    { id: 'regression.mae', kind: 'performance', metric: 'mae', env: 'regression', reference: false, features: ['x'] },
    { id: 'fair.demographic_parity_difference', kind: 'fairness', metric: 'demographic_parity_difference', env: 'fair', reference: false, attribute: 'grp' },
    { id: 'fair.equalized_odds_difference', kind: 'fairness', metric: 'equalized_odds_difference', env: 'fair', reference: false, attribute: 'grp' },
  )
  const yaml = `apiVersion: aims-monitor/v1\nkind: ControlPolicy\nmetadata: { name: degenerate, version: 1 }\ncontrols:\n${specs.map(control).join('')}`
  results = (await evaluateSpied(store, yaml, 'degenerate', CUR_FROM + DAY + 60_000)).results
}, 120_000)

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The in-memory value of a numeric drift metric, as the runner defines it on finite values. */
// KS and Wasserstein compare the finite values; PSI-like bins are cut at the finite reference's
// quantiles and count ±∞ in their open outer bins (binCounts' convention): `refAll`/`curAll` are the
// values but NaN.
function inMemory(metric: string, ref: number[], cur: number[], refAll = ref, curAll = cur): number {
  if (metric === 'ks_statistic') return ksTest(ref, cur).statistic
  if (metric === 'wasserstein_normed') return normedWassersteinDistance(ref, cur)
  const edges = quantileEdges(ref, 10)
  const r = binCounts(refAll, edges).counts
  const c = binCounts(curAll, edges).counts
  if (metric === 'psi') return psiFromBins(r, c)
  const p = (a: ArrayLike<number>) => { const t = Array.from(a).reduce((s, v) => s + v, 0); return Array.from(a, (v) => v / t) }
  return jensenShannonDistance(p(r), p(c), 2)
}

it('no control of the batch ends in an error outcome', () => {
  const errors = [...results.values()].map((r) => r.evaluation?.record).filter((r) => r?.outcome === 'error').map((r) => `${r!.control.id}: ${r!.reason}`)
  expect(errors).toEqual([])
})

it('small windows (exact path): NaN-only, constant, ±∞, new columns match the in-memory metric or say why not', async () => {
  for (const metric of DRIFT) {
    const id = `small.${metric}`
    expect(item(id, 'allnan').insufficient, id).toMatch(/no current value/)
    expect(item(id, 'newcol').insufficient, id).toMatch(/no reference value/)
    for (const feature of ['x', 'const', 'constref', 'inf']) {
      expectValue(id, feature, await expected(metric, 'small', feature), 9)
    }
  }
  // Constant on both sides: no drift at all.
  expect(item('small.ks_statistic', 'const').value).toBe(0)
  expect(item('small.psi', 'const').value).toBeCloseTo(0, 12)
})

it('big windows (histogram path): the same degenerate features', async () => {
  for (const metric of DRIFT) {
    const id = `big.${metric}`
    expect(item(id, 'allnan').insufficient, id).toMatch(/no current value/)
    for (const feature of ['const', 'constref', 'inf']) {
      const want = await expected(metric, 'big', feature)
      const got = item(id, feature)
      expect(got.insufficient, `${id}/${feature}: ${got.insufficient}`).toBeUndefined()
      if (metric === 'ks_statistic') {
        const [lo, hi] = got.detail.statisticBracket as [number, number]
        expect(want, `${id}/${feature}`).toBeGreaterThanOrEqual(lo)
        expect(want, `${id}/${feature}`).toBeLessThanOrEqual(hi)
      } else if (metric === 'wasserstein_normed') {
        const [lo, hi] = got.detail.bracket as [number, number]
        expect(want, `${id}/${feature}`).toBeGreaterThanOrEqual(lo * (1 - 1e-9))
        expect(want, `${id}/${feature}`).toBeLessThanOrEqual(hi * (1 + 1e-9))
      } else expect(got.value!, `${id}/${feature}`).toBeCloseTo(want, 9)
    }
  }
  expect(item('big.ks_statistic', 'const').value).toBe(0)
})

it('a single current row is compared exactly; empty sides are insufficient and say which side', async () => {
  const [ref, cur] = await Promise.all([finite('one', 'x', REF_FROM), finite('one', 'x', CUR_FROM)])
  expect(cur).toHaveLength(1)
  for (const metric of DRIFT) {
    expectValue(`one.${metric}`, 'x', inMemory(metric, ref, cur), 9)
    // Caught by the sample guard before any item: the reason names the empty side.
    expectInsufficient(`nocur.${metric}`, undefined, /^0 predictions < minSample/)
    expectInsufficient(`noref.${metric}`, undefined, /^reference holds 0 values < minSample/)
  }
})

it('a string feature whose current categories are all unseen', () => {
  const chi = item('small.chi_square', 'cat')
  expect(chi.insufficient).toBeUndefined()
  expect(chi.value).toBeCloseTo(chiSquareDrift({ a: 167, b: 167, c: 166 }, { '(unseen in reference)': 400 }).pValue, 12)
  // scipy's statistic is +∞ there: recorded as text, the record being canonical JSON (no ∞).
  expect(chi.detail.statistic).toBe('Infinity')
  // Disjoint supports: the Jensen-Shannon distance (base 2) is 1.
  expectValue('small.js_cat', 'cat', 1, 12)
  expectValue('small.new_category_rate', 'cat', 1, 12)
})

it('data quality: rates of NaN-only and new columns, ranges of a constant or infinite reference, an empty window', async () => {
  expectValue('small.missing_rate', 'allnan', 1, 12)
  expectValue('small.missing_rate', 'newcol', 0, 12)
  expectValue('small.missing_rate', 'x', 0, 12)
  // A constant reference: its range is [5, 5], every current value but 5 is out of it.
  const cur = await finite('small', 'constref', CUR_FROM)
  expectValue('small.out_of_range_rate', 'constref', cur.filter((v) => v !== 5).length / cur.length, 12)
  // ±∞ of the current window lie outside any finite reference range.
  const [refInf, curInf] = await Promise.all([finite('small', 'inf', REF_FROM), (await rows<{ v: number | string }>('small', CUR_FROM, 'toString(`f:inf:num`) AS v')).map((r) => num(r.v))])
  const [lo, hi] = [Math.min(...refInf), Math.max(...refInf)]
  expectValue('small.out_of_range_rate', 'inf', curInf.filter((v) => v < lo || v > hi).length / curInf.length, 12)
  expect(item('small.out_of_range_rate', 'newcol').insufficient).toMatch(/reference has no value of newcol/)
  expect(record('nocur.volume').value).toBe(0)
  expectInsufficient('nocur.missing_rate', undefined, /0 predictions in the window < minSample/)
})

it('performance: one outcome class, scores outside [0, 1] or NaN, regression values with NaN and ∞', async () => {
  expectInsufficient('oneclass.roc_auc', undefined, /one class/)
  const one = await rows<{ y: string; p: string }>('oneclass', CUR_FROM, 'o.label AS y, p.output_label AS p')
  expect(record('oneclass.accuracy').value).toBeCloseTo(one.filter((r) => r.y === r.p).length / one.length, 12)
  const scored = (await rows<{ y: string; s: number | string }>('badscore', CUR_FROM, 'o.label AS y, toString(p.output_score) AS s'))
    .map((r) => ({ y: r.y, s: num(r.s) })).filter((r) => Number.isFinite(r.s) && r.s >= 0 && r.s <= 1)
  expect(scored.length).toBe(180)
  const y = scored.map((r) => r.y)
  const s = scored.map((r) => r.s)
  expect(record('badscore.roc_auc').value).toBeCloseTo(rocAuc(y, s, { positiveLabel: '1' })!, 12)
  expect(record('badscore.log_loss').value).toBeCloseTo(logLoss(y, s, { positiveLabel: '1' }), 10)
  expect(record('badscore.brier').value).toBeCloseTo(brierScore(y, s, { positiveLabel: '1' }), 12)
  expect(item('badscore.roc_auc').detail.excludedWithoutScore).toBe(120)
  const valued = (await rows<{ t: number | string; v: number | string }>('regression', CUR_FROM, 'toString(o.value) AS t, toString(p.output_value) AS v'))
    .map((r) => [num(r.t), num(r.v)] as const).filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v))
  expect(valued.length).toBeLessThan(300)
  expect(record('regression.mae').value).toBeCloseTo(meanAbsoluteError(valued.map((r) => r[0]), valued.map((r) => r[1])), 10)
})

it('fairness: a one-member group and a group without positive outcomes', async () => {
  const all = await rows<{ g: string; y: string; p: string }>('fair', CUR_FROM, '`a:grp` AS g, o.label AS y, p.output_label AS p')
  expect(all.filter((r) => r.g === 'C')).toHaveLength(1)
  expect(all.filter((r) => r.g === 'D' && r.y === '1')).toHaveLength(0)
  const report = fairnessMetrics({ yTrue: all.map((r) => r.y), yPred: all.map((r) => r.p), sensitive: all.map((r) => r.g), positiveLabel: '1', minGroupSize: 30 })
  const dp = record('fair.demographic_parity_difference')
  expect(dp.value).toBeCloseTo(report.demographicParityDifference!, 12)
  const eo = record('fair.equalized_odds_difference')
  expect(eo.value).toBeCloseTo(report.equalizedOddsDifference!, 12)
  // The one-member group is reported as left out, not compared.
  expect(eo.excludedGroups.map((g) => g.group)).toContain('C')
  expect(dp.excludedGroups.map((g) => g.group)).toContain('C')
})

it('chi-square of a string feature constant on both sides (one category): insufficient, naming the cause', () => {
  // The statistics' chiSquareDrift refuses one category (no degree of freedom; scipy's p is NaN): the
  // runner says so instead of failing the control as an error.
  expectInsufficient('small.chi_one', 'onecat', /onecat has one category \(\w+\) in both windows: chi-square has no degree of freedom/)
})
