// The drift evaluator's rollup-guided path (packages/evaluator/src/runners/drift-profiles.ts,
// `guidedProfiles`) against numbers computed here from exact SQL on the same rows, in one embedded
// store. The guide (the hourly feature rollup) only places the work; every number must still be the
// exact one: PSI, Jensen-Shannon and Hellinger bit for bit (same reference quantiles, same bin
// counts), the KS statistic inside its reported bracket (KS over the non-NaN values, ±∞ included:
// the histogram path counts ±∞ in its outer cells), the normed Wasserstein inside its bracket.
// The rows make the guide wrong on purpose: a batch of retried (duplicate) events in the reference
// day, which the rollup counts twice and the evaluator (FINAL) once.
// Windows: a tumbling day against the previous day (whole hours: the rollup alone guides), a rolling
// day ending at hh:17:23.456 (cut hours read from the raw rows), and a scope filtered by environment
// (no rollup applies: the per-statement path).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  binCountsFromRows, binCountsQuery, hellingerDistance, jensenShannonDistance, ksTest, normedWassersteinDistance, psiFromBins,
  quantilesFromRows, quantilesQuery, ParamBag, quoteIdentifier, scopeClause, type PredictionScope,
} from '@aims-monitor/metrics'
import { PredictionTables, attributeColumn, featureColumn, openStore, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { evaluateSpied, type SpiedEvaluation } from './support/evaluate-spied.js'

const MODEL = 'drift-guided'
const DAY = 86_400_000
const HOUR = 3_600_000
/** Rows per day: above EXACT_MAX_SAMPLE (20,000), so KS and Wasserstein read fine histograms. */
const N = 30_000
const REF_FROM = Math.floor(Date.now() / DAY) * DAY - 3 * DAY
const CUR_FROM = REF_FROM + DAY
/** Just after the current day: the tumbling window evaluated is [CUR_FROM, CUR_FROM + 1d). */
const AT_DAY = CUR_FROM + DAY + 60_000
/** A rolling day ending at 17:17:23.456 of the current day (step 1ms): no end on the hour. */
const AT_ROLLING = CUR_FROM + 17 * HOUR + 17 * 60_000 + 23_456

/**
 * - normal: continuous, shifted by 0.3 in the current day;
 * - ties: round(normal·10), heavy ties, shifted by 3;
 * - lognormal: positive and skewed, spread 1.2× wider;
 * - special: ~2 % NaN, ~0.15 % +∞ and −∞ each, ~59 % exact zeros (one value repeated more than the
 *   8192 times a run collects even in 12 hours: counted with min/max instead), negatives, and a
 *   shifted normal.
 */
const FEATURES = ['normal', 'ties', 'lognormal', 'special'] as const
type Feature = (typeof FEATURES)[number]
const col = (f: Feature) => `f:${f}:num`
const BINNED = ['psi', 'jensen_shannon', 'hellinger'] as const
type Binned = (typeof BINNED)[number]

const dir = mkdtempSync(path.join(tmpdir(), 'aims-drift-guided-'))
let store: Store
let table: string
/** Statements of each spied evaluation, and its results by control id. */
const runs: Record<string, SpiedEvaluation> = {}

// ── policy ─────────────────────────────────────────────────────────────────────────────────────────

function control(id: string, metric: string, feature: Feature, window: string, scopeExtra = ''): string {
  return `  - id: ${id}
    version: 1
    title: Guided drift ${id}
    status: active
    approval: { by: Test, at: 2026-11-26, reference: test/evaluator-drift-guided }
    references: { iso42001: [A.6.2.6, 9.1] }
    owner: { accountable: Test owner, responsible: Test team }
    scope: { model: ${MODEL}${scopeExtra} }
    metric: { kind: drift, name: ${metric} }
    selector: { features: [${feature}] }
    window: ${window}
    thresholds: { breach: 0.25, rationale: "test thresholds, not a risk decision" }
    schedule: { every: 1d }
    severity: medium
`
}

function policyText(name: string, controls: string[]): string {
  return `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: ${name}, version: 1 }
controls:
${controls.join('')}`
}

const TUMBLING = '{ current: { type: tumbling, size: 1d }, reference: { window: { offset: 0, size: 1d } } }'
const ROLLING = '{ current: { type: rolling, size: 1d, step: 1ms }, reference: { window: { offset: 0, size: 12h } } }'

/** Evaluates a policy at `at`, keeping every statement's text (runs[key]). */
async function evaluateRun(key: string, yaml: string, at: number): Promise<void> {
  runs[key] = await evaluateSpied(store, yaml, key, at)
}
interface Item {
  name: string
  value: number | null
  insufficient?: string
  detail: Record<string, unknown>
}

/** The one feature item of a control's record (every control here has one feature). */
function itemOf(key: string, id: string): Item {
  const result = runs[key]!.results.get(id)
  expect(result?.status, id).toBe('evaluated')
  const record = result!.evaluation!.record
  expect(record.outcome, `${id}: ${record.reason}`).not.toBe('error')
  const items = (record.breakdown as { items: Item[] }).items
  expect(items).toHaveLength(1)
  return items[0]!
}

// ── exact numbers, independently ────────────────────────────────────────────────────────────────────

async function rows<T = Record<string, unknown>>(q: { query: string; params?: Record<string, unknown> }): Promise<T[]> {
  return (await (await store.client.query({ query: q.query, query_params: q.params ?? {}, format: 'JSONEachRow' })).json()) as T[]
}

const proportions = (counts: number[]) => {
  const total = counts.reduce((a, b) => a + b, 0)
  return counts.map((c) => (total === 0 ? 0 : c / total))
}

/** PSI-like metrics over the reference's 10 exact (numpy linear) quantile bins with open outer edges. */
async function exactBinned(reference: PredictionScope, current: PredictionScope, column: string): Promise<Record<Binned, number> & { edges: number[]; ref: number[]; cur: number[] }> {
  const levels = Array.from({ length: 9 }, (_, i) => (i + 1) / 10)
  const quantiles = quantilesFromRows(await rows(quantilesQuery({ scope: reference, column, levels, method: 'exactInclusive' })), levels).values
  const edges = [-Infinity]
  for (const q of quantiles) if (q > edges[edges.length - 1]!) edges.push(q)
  edges.push(Infinity)
  const ref = binCountsFromRows(await rows(binCountsQuery({ scope: reference, column, edges })), edges).counts
  const cur = binCountsFromRows(await rows(binCountsQuery({ scope: current, column, edges })), edges).counts
  const p = proportions(ref)
  const q = proportions(cur)
  return { psi: psiFromBins(ref, cur), jensen_shannon: jensenShannonDistance(p, q, 2), hellinger: hellingerDistance(p, q), edges, ref, cur }
}

/**
 * A column's values in a scope as the evaluator reads them (FINAL): the finite ones, and the
 * non-NaN ones (±∞ included), which is the sample the histogram KS counts (its outer cells).
 */
async function samples(scope: PredictionScope, column: string): Promise<{ finite: Float64Array; nonNaN: Float64Array }> {
  const x = quoteIdentifier(column)
  const bag = new ParamBag()
  const got = await rows<{ v: number }>({ query: `SELECT ${x} AS v ${scopeClause(scope, bag)} AND isFinite(${x})`, params: bag.values })
  const finite = Float64Array.from(got, (r) => r.v)
  const infBag = new ParamBag()
  const [inf] = await rows<{ pos: string; neg: string }>({ query: `SELECT countIf(${x} = inf) AS pos, countIf(${x} = -inf) AS neg ${scopeClause(scope, infBag)}`, params: infBag.values })
  const infinities = [...Array<number>(Number(inf!.neg)).fill(-Infinity), ...Array<number>(Number(inf!.pos)).fill(Infinity)]
  return { finite, nonNaN: Float64Array.from([...infinities, ...finite]) }
}

/** The exact KS statistic lies in the item's bracket; its value is the bracket's lower end. */
function expectKsBracketed(item: Item, exact: number, what: string): void {
  const [lo, hi] = item.detail.statisticBracket as [number, number]
  expect(item.value, `${what}: value`).toBe(lo)
  expect(exact, `${what}: exact KS ${exact} in [${lo}, ${hi}]`).toBeGreaterThanOrEqual(lo)
  expect(exact, `${what}: exact KS ${exact} in [${lo}, ${hi}]`).toBeLessThanOrEqual(hi)
}

/** Every PSI-like item of a run equals the exact numbers: edges, both sides' counts, value bit for bit. */
async function expectBinnedExact(key: string, reference: PredictionScope, current: PredictionScope): Promise<void> {
  for (const f of FEATURES) {
    const exact = await exactBinned(reference, current, col(f))
    for (const m of BINNED) {
      const item = itemOf(key, `${key}.${m}.${f}`)
      expect(item.detail.edges, `${key} ${f} ${m}: edges`).toEqual(exact.edges.map(String))
      expect(item.detail.referenceCounts, `${key} ${f} ${m}: reference counts`).toEqual(exact.ref)
      expect(item.detail.currentCounts, `${key} ${f} ${m}: current counts`).toEqual(exact.cur)
      expect(item.value, `${key} ${f} ${m}`).toBe(exact[m])
    }
  }
}

/** Every KS item of a run brackets the exact statistic over the non-NaN values. */
async function expectKsExact(key: string, reference: PredictionScope, current: PredictionScope): Promise<void> {
  for (const f of FEATURES) {
    const [ref, cur] = await Promise.all([samples(reference, col(f)), samples(current, col(f))])
    // Over the finite values, as the exact path (small samples) and the histograms (±∞ set apart) compare them.
    expectKsBracketed(itemOf(key, `${key}.ks_statistic.${f}`), ksTest(ref.finite, cur.finite).statistic, `${key} ${f}`)
  }
}

const scopes = (window: { from: number; to: number }, reference: { from: number; to: number }, extra: Partial<PredictionScope> = {}) => ({
  current: { table, window, final: true, ...extra } as PredictionScope,
  reference: { table, window: reference, final: true, ...extra } as PredictionScope,
})

const TUMBLING_SCOPES = () => scopes({ from: CUR_FROM, to: CUR_FROM + DAY }, { from: REF_FROM, to: CUR_FROM })
const ROLLING_SCOPES = () => {
  const to = AT_ROLLING
  const from = to - DAY
  return scopes({ from, to }, { from: from - 12 * HOUR, to: from })
}

/** Statements of a run that read a column's exact quantiles (the per-statement path). */
const exactQuantileStatements = (key: string, f: Feature) => runs[key]!.queries.filter((q) => q.includes('quantilesExactInclusive') && q.includes(quoteIdentifier(col(f))))
/** Statements of a run that collected a column's values inside runs (quantile-brackets.ts). */
const collectingStatements = (key: string, f: Feature) => runs[key]!.queries.filter((q) => q.includes(`groupArrayIf(${quoteIdentifier(col(f))}`))
/** Statements of a run that counted a run of a column with min/max instead of collecting it (a heavy tie). */
const heavyRunStatements = (key: string, f: Feature) => {
  const upto = new RegExp(`countIf\\(${quoteIdentifier(col(f))} <=? reinterpretAsFloat64\\(\\{[^}]+\\}\\)\\) AS c\\d+r_upto_\\d+`)
  return runs[key]!.queries.filter((q) => upto.test(q))
}

// ── the store, the rows and the three evaluations ───────────────────────────────────────────────────

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(dir, 'store') }))
  expect(store.config.featureRollups).toBe('on')
  const predictions = await new PredictionTables(store).ensure('default', MODEL, [...FEATURES.map((f) => featureColumn(f, 'num')), attributeColumn('channel')])
  table = store.table(predictions)

  // Deterministic uniforms in (0, 1) and normals from the row number and a stream k.
  const u = (k: number) => `((cityHash64(number, ${k}) % 9007199254740992) + 0.5) / 9007199254740992`
  const normal = (k: number) => `(sqrt(-2 * log(${u(k)})) * cos(2 * pi() * ${u(k + 100)}))`
  const idOf = (n: string) => `toUUID(concat('00000000-0000-4000-8000-', leftPad(lower(hex(${n})), 12, '0')))`
  // Rows 0..N-1 are the reference day, N..2N-1 the current day, evenly spread over each day; one in
  // ten in environment staging (what the environment-filtered controls leave out).
  const select = (where: string) => `
    SELECT ${idOf('number')}, ts, ts, '1', if(${u(30)} < 0.9, 'production', 'staging'), 'ok', '0', 0.5,
      ${FEATURES.join(', ')}, if(${u(31)} < 0.5, 'web', 'app')
    FROM (
      SELECT number, number >= {n:UInt64} AS cur,
        fromUnixTimestamp64Milli(toInt64(if(cur, {curFrom:Int64}, {refFrom:Int64}) + intDiv((number % {n:UInt64}) * 86400000, {n:UInt64}))) AS ts,
        ${normal(0)} + if(cur, 0.3, 0) AS normal,
        round(${normal(1)} * 10 + if(cur, 3, 0)) AS ties,
        exp(${normal(2)} * if(cur, 1.2, 1)) AS lognormal,
        multiIf(${u(3)} < 0.02, nan, ${u(3)} < 0.0215, inf, ${u(3)} < 0.023, -inf, ${u(3)} < 0.61, 0,
          ${u(3)} < 0.75, -exp(${normal(4)}), ${normal(5)} * 3 + if(cur, 0.5, 0)) AS special
      FROM numbers({rows:UInt64}) ${where})`
  const columns = `(id, ts, received, model_version, environment, status, output_label, output_score, ${FEATURES.map((f) => quoteIdentifier(col(f))).join(', ')}, \`a:channel\`)`
  const params = { n: N, rows: 2 * N, refFrom: REF_FROM, curFrom: CUR_FROM }
  await store.client.command({ query: `INSERT INTO ${table} ${columns} ${select('')}`, query_params: params })
  // Retried events: reference rows again (same id, ts, values) in a separate insert, which the
  // rollup's view counts a second time and the predictions table collapses under FINAL:
  // - one in 200 reference rows, spread over the day: a guide a little off everywhere, within the
  //   slack the runs are placed with (the continuous features stay on the guided path);
  // - one in 20 of the first 5 hours' rows where `special` < 0: ~100 extra negatives below every
  //   order statistic of `special` above them in the whole day's rollup, far beyond the slack (16
  //   ranks here), so its runs miss and the per-statement path must take over. The rolling
  //   reference (from 05:17) holds none of them.
  await store.client.command({
    query: `INSERT INTO ${table} ${columns} ${select('WHERE number < {n:UInt64} AND (number % 200 = 7 OR (number < {n:UInt64} * 5 / 24 AND number % 20 = 3 AND special < 0))')}`,
    query_params: params,
  })
  const [counted] = await rows<{ raw: string; final: string }>({
    query: `SELECT (SELECT count() FROM ${table}) AS raw, (SELECT count() FROM ${table} FINAL) AS final`,
  })
  expect(Number(counted!.final)).toBe(2 * N)
  expect(Number(counted!.raw)).toBeGreaterThan(2 * N + 200)

  const perFeature = (metric: string, window: string, prefix: string, scopeExtra = '') => FEATURES.map((f) => control(`${prefix}.${metric}.${f}`, metric, f, window, scopeExtra))
  // 1-3: tumbling day against the previous day, whole hours.
  await evaluateRun('day', policyText('guided-day', [...BINNED, 'ks_statistic', 'wasserstein_normed'].flatMap((m) => perFeature(m, TUMBLING, 'day'))), AT_DAY)
  // 4: rolling day ending off the hour, against the 12 hours before it.
  await evaluateRun('rolling', policyText('guided-rolling', [...BINNED, 'ks_statistic'].flatMap((m) => perFeature(m, ROLLING, 'rolling'))), AT_ROLLING)
  // 5: the same day filtered by environment: the rollup has no environment, so no guide.
  await evaluateRun('env', policyText('guided-env', [...BINNED, 'ks_statistic'].flatMap((m) => perFeature(m, TUMBLING, 'env', ', environment: production'))), AT_DAY)
}, 120_000)

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

// ── tests ───────────────────────────────────────────────────────────────────────────────────────────

describe('drift over the rollup guide', () => {
  it('gives PSI, Jensen-Shannon and Hellinger bit for bit as the exact quantile bins, on every feature (tumbling day, retried events in the reference)', async () => {
    const { current, reference } = TUMBLING_SCOPES()
    await expectBinnedExact('day', reference, current)
  })

  it('brackets the exact KS statistic and the exact normed Wasserstein distance on every feature (finite values; ±∞ set apart)', async () => {
    const { current, reference } = TUMBLING_SCOPES()
    await expectKsExact('day', reference, current)
    for (const f of FEATURES) {
      const [ref, cur] = await Promise.all([samples(reference, col(f)), samples(current, col(f))])
      const w = itemOf('day', `day.wasserstein_normed.${f}`)
      const exact = normedWassersteinDistance(ref.finite, cur.finite)
      const [lo, hi] = w.detail.bracket as [number, number]
      // The bracket is divided by the engine's standard deviation, the exact value by numpy's: equal to ~1e-15.
      expect(exact, `${f}: exact normed Wasserstein ${exact} in [${lo}, ${hi}]`).toBeGreaterThanOrEqual(lo * (1 - 1e-12))
      expect(exact, `${f}: exact normed Wasserstein ${exact} in [${lo}, ${hi}]`).toBeLessThanOrEqual(hi * (1 + 1e-12))
    }
  })

  it('a feature with ±∞ values gets its normed Wasserstein distance (the infinities are set apart, not an evaluation error)', () => {
    const w = itemOf('day', 'day.wasserstein_normed.special')
    expect(Number.isFinite(w.value)).toBe(true)
  })

  it('uses the guide: the rollup is read, the continuous feature needs no exact-quantile statement, a contradicted guide falls back', () => {
    expect(runs.day!.queries.some((q) => q.includes('rollup_num_'))).toBe(true)
    expect(exactQuantileStatements('day', 'normal')).toEqual([])
    expect(collectingStatements('day', 'normal').length).toBeGreaterThan(0)
    // `special`'s runs were read and missed the order statistics (the retried negatives moved
    // them): its exact quantiles came from the per-statement path, and test 1 found them exact.
    expect(collectingStatements('day', 'special').length).toBeGreaterThan(0)
    expect(exactQuantileStatements('day', 'special')).toHaveLength(1)
  })

  it('gives the exact values on a rolling window whose ends are not on the hour (the cut hours read raw)', async () => {
    const { current, reference } = ROLLING_SCOPES()
    expect(current.window.to % HOUR).not.toBe(0)
    expect(reference.window.from % HOUR).not.toBe(0)
    await expectBinnedExact('rolling', reference, current)
    await expectKsExact('rolling', reference, current)
    // …and from the guide: the rollup read, no exact quantile for the continuous feature, and
    // `special`'s zeros (more than 8192 of one value) counted with min/max and resolved.
    expect(runs.rolling!.queries.some((q) => q.includes('rollup_num_'))).toBe(true)
    expect(exactQuantileStatements('rolling', 'normal')).toEqual([])
    expect(heavyRunStatements('rolling', 'special').length).toBeGreaterThan(0)
    expect(exactQuantileStatements('rolling', 'special')).toEqual([])
  })

  it('falls back to the per-statement path for a scope the rollup cannot filter (environment), with exact values', async () => {
    const { current, reference } = scopes({ from: CUR_FROM, to: CUR_FROM + DAY }, { from: REF_FROM, to: CUR_FROM }, { environment: 'production' })
    expect(runs.env!.queries.some((q) => q.includes('rollup_num_'))).toBe(false)
    expect(exactQuantileStatements('env', 'normal').length).toBeGreaterThan(0)
    await expectBinnedExact('env', reference, current)
    // The staging rows (one in ten) are left out.
    expect(itemOf('env', 'env.psi.normal').detail.referenceSize).toBeLessThan(N * 0.95)
    await expectKsExact('env', reference, current)
  })
})
