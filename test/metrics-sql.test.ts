import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  OUTCOME_COLUMNS,
  RowBinaryWriter,
  addColumnsSql,
  attributeColumn,
  compilePredictionEncoder,
  createPredictionsTableSql,
  encodeOutcome,
  featureColumn,
  openStore,
  predictionsTableName,
  storeConfigFromEnv,
  BASE_PREDICTION_COLUMNS,
  type ColumnSpec,
  type OutcomeRecord,
  type PredictionRecord,
  type Store,
} from '@aims-monitor/store'
import {
  binCounts,
  binCountsFromRows,
  binCountsQuery,
  categoryCountsFromRows,
  categoryCountsQuery,
  clickHouseQuantileExact,
  columnProfilesFromRows,
  columnProfilesQuery,
  confusionOfCells,
  outcomeCellsFromRows,
  outcomeCellsQuery,
  TOO_MANY_CELLS_CODE,
  outcomeJoin,
  ParamBag,
  type ColumnProfileSpec,
  clickHouseQuantileExactInclusive,
  confusionByGroupFromRows,
  confusionByGroupQuery,
  fairnessGroupsOf,
  fairnessMetrics,
  fairnessMetricsFromCounts,
  fineGrid,
  fineHistogramFromRows,
  fineHistogramOf,
  fineHistogramQuery,
  ksFromFineHistograms,
  ksTest,
  missingRatesFromRows,
  missingRatesQuery,
  numericSummaryFromRows,
  numericSummaryQuery,
  psiCountsOf,
  psiFromBins,
  quantileEdges,
  quantilesFromRows,
  quantilesQuery,
  volumeFromRows,
  volumeQuery,
  wassersteinDistance,
  wassersteinFromFineHistograms,
  type PredictionScope,
  type SqlQuery, seededRandom } from '@aims-monitor/metrics'

// The TypeScript path and the ClickHouse path on the same rows, in ONE embedded store for the file
// (chDB: one data directory per process). The rows are written exactly as the collector writes them
// (the store's DDL, RowBinary through file()), so the SQL runs against the real layout: typed feature
// columns with NaN / '' for missing, outcomes in their own table.

const DAY = 86_400_000
const dir = mkdtempSync(path.join(tmpdir(), 'aims-metrics-sql-'))
let store: Store
let table: string
let dupTable: string
const refFrom = Math.floor(Date.now() / DAY) * DAY - 4 * DAY
const curFrom = refFrom + DAY
const ref = { from: refFrom, to: curFrom }
const cur = { from: curFrom, to: curFrom + DAY }

// --- deterministic data ------------------------------------------------------------------------
const mulberry32 = seededRandom
const random = mulberry32(4242)
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
const pick = <T>(items: readonly T[], weights: readonly number[]): T => {
  let u = random() * weights.reduce((a, b) => a + b, 0)
  for (let i = 0; i < items.length; i++) if ((u -= weights[i]!) < 0) return items[i]!
  return items[items.length - 1]!
}
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`

const EDGES = [-1, -0.5, 0, 0.5, 1] // values sit exactly on these (x is rounded to 3 decimals)
const REGIONS = ['north', 'south', 'east', 'west', 'centre']
const predictions: PredictionRecord[] = []
const outcomes: OutcomeRecord[] = []

function generate(): void {
  const windows = [
    { from: refFrom - 2 * DAY, count: 300, shift: 3 }, // outside both windows: must never be counted
    { from: refFrom, count: 6000, shift: 0 },
    { from: curFrom, count: 6000, shift: 0.3 },
  ]
  let n = 0
  for (const w of windows) {
    for (let i = 0; i < w.count; i++) {
      const ts = w.from + Math.floor(random() * DAY)
      const x = random() < 0.02 ? NaN : Math.round((w.shift + normal()) * 1000) / 1000
      const y = random() < 0.05 ? NaN : random() < 0.01 ? (random() < 0.5 ? Infinity : -Infinity) : normal() * 10
      const regions = w.shift > 0 ? [...REGIONS, 'atlantis'] : REGIONS
      const region = random() < 0.03 ? '' : pick(regions, regions.map((_, k) => k + 1 + (w.shift > 0 && k === 0 ? 4 : 0)))
      const sex = random() < 0.01 ? '' : pick(['f', 'm', 'x'], [48, 48, 4])
      const score = random()
      const features: Record<string, number | string> = { region }
      if (!Number.isNaN(x)) features.x = x // absent, as on the wire: the encoder writes NaN
      features.y = y
      const record: PredictionRecord = {
        id: uuid(++n), timestampMs: ts, receivedMs: ts + 5, modelId: 'sql-test', modelVersion: random() < 0.8 ? '1' : '2',
        environment: random() < 0.9 ? 'production' : 'staging', status: random() < 0.02 ? 'error' : 'ok', errorType: '',
        outputLabel: score >= 0.5 ? 'approve' : 'deny', outputScore: score, outputValue: NaN, latencyMs: 3, streamItems: NaN,
        traceId: '', spanId: '', features, attributes: sex === '' ? { channel: 'web' } : { sex, channel: random() < 0.5 ? 'web' : 'app' },
      }
      predictions.push(record)
      // 70% get an outcome; some are corrected later; some are retried with the same ts and a later receipt.
      if (random() < 0.7) {
        const base = { predictionId: record.id, modelId: 'sql-test', modelVersion: record.modelVersion, value: NaN }
        const label = () => (random() < (sex === 'x' ? 0.4 : 0.6) ? 'repaid' : 'default')
        const first = { ...base, timestampMs: ts + 1000, receivedMs: ts + 2000, label: label() }
        outcomes.push(first)
        const u = random()
        if (u < 0.1) outcomes.push({ ...base, timestampMs: ts + 5000, receivedMs: ts + 6000, label: label() })
        else if (u < 0.15) outcomes.push({ ...first, receivedMs: first.receivedMs + 1, label: label() })
      }
      // Another model's outcome for the same prediction id: the project/model filter must drop it.
      if (random() < 0.05) outcomes.push({ predictionId: record.id, modelId: 'other-model', modelVersion: '1', value: NaN, timestampMs: ts + 9000, receivedMs: ts + 9000, label: 'repaid' })
    }
  }
}

const PREDICTION_COLUMNS: ColumnSpec[] = [
  ...BASE_PREDICTION_COLUMNS,
  featureColumn('x', 'num'),
  featureColumn('y', 'num'),
  featureColumn('region', 'str'),
  attributeColumn('sex'),
  attributeColumn('channel'),
]

async function insertPredictions(name: string, records: readonly PredictionRecord[], token: string): Promise<void> {
  const writer = new RowBinaryWriter()
  const encode = compilePredictionEncoder(PREDICTION_COLUMNS)
  for (const r of records) encode(writer, r)
  const file = path.join(dir, `${token}.rows`)
  writeFileSync(file, writer.view())
  await store.insertRowBinaryFile({ table: name, columns: PREDICTION_COLUMNS, file, dedupToken: token })
}

async function rows({ query, params }: SqlQuery): Promise<Record<string, unknown>[]> {
  return (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json()
}

beforeAll(async () => {
  generate()
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(dir, 'store') }))
  const context = { database: store.config.database, retentionDays: store.config.retentionDays }
  const name = predictionsTableName('default', 'sql-test')
  const dupName = predictionsTableName('default', 'sql-test-duplicates')
  for (const t of [name, dupName]) {
    await store.client.command({ query: createPredictionsTableSql(t, context) })
    await store.client.command({ query: addColumnsSql(t, PREDICTION_COLUMNS.slice(BASE_PREDICTION_COLUMNS.length), context) })
  }
  await insertPredictions(name, predictions, 'predictions')
  const writer = new RowBinaryWriter()
  for (const o of outcomes) encodeOutcome(writer, 'default', o)
  const file = path.join(dir, 'outcomes.rows')
  writeFileSync(file, writer.view())
  await store.insertRowBinaryFile({ table: 'outcomes', columns: OUTCOME_COLUMNS, file, dedupToken: 'outcomes' })
  // The duplicates table: 500 rows, 100 of them sent twice (a retried batch) in a second insert.
  const few = predictions.slice(300, 800)
  await insertPredictions(dupName, few, 'dup-first')
  await insertPredictions(dupName, few.slice(0, 100).map((r) => ({ ...r, receivedMs: r.receivedMs + 1 })), 'dup-retry')
  table = store.table(name)
  dupTable = store.table(dupName)
})

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

// --- the TypeScript side: the same rows filtered in memory ---------------------------------------
interface ScopeFilter {
  window: { from: number; to: number }
  modelVersion?: string
  environment?: string
  attributes?: Record<string, string>
}
const inScope = (s: ScopeFilter) => (r: PredictionRecord) =>
  r.timestampMs >= s.window.from && r.timestampMs < s.window.to &&
  (s.modelVersion === undefined || r.modelVersion === s.modelVersion) &&
  (s.environment === undefined || r.environment === s.environment) &&
  Object.entries(s.attributes ?? {}).every(([k, v]) => (r.attributes[k] ?? '') === v)
const scoped = (s: ScopeFilter) => predictions.filter(inScope(s))
const numeric = (rs: readonly PredictionRecord[], f: string) => Float64Array.from(rs, (r) => (typeof r.features[f] === 'number' ? (r.features[f] as number) : NaN))
const finite = (values: Float64Array) => values.filter((v) => Number.isFinite(v))
const sqlScope = (s: ScopeFilter, final = false): PredictionScope => ({ table, ...s, final })

describe('bin counts and PSI', () => {
  const filters: ScopeFilter[] = [
    { window: ref },
    { window: cur, modelVersion: '1', environment: 'production' },
    { window: cur, attributes: { sex: 'f', channel: 'app' } },
  ]
  it('counts each bin, NaN, below and above exactly as binCounts does, values on edges included', async () => {
    for (const s of filters) {
      for (const [column, feature, edges] of [['f:x:num', 'x', EDGES], ['f:y:num', 'y', [-Infinity, -5, 0, 5, Infinity]]] as const) {
        const values = numeric(scoped(s), feature)
        const expected = binCounts(values, edges)
        const got = binCountsFromRows(await rows(binCountsQuery({ scope: sqlScope(s), column, edges })), edges)
        expect(got).toEqual({ ...expected, edges, total: values.length })
      }
    }
    // The data really has values on the edges and outside them, or the comparison proves little.
    const xs = numeric(scoped({ window: ref }), 'x')
    expect(EDGES.every((e) => xs.includes(e))).toBe(true)
    expect(binCounts(xs, EDGES).below).toBeGreaterThan(0)
  })

  it('gives the same PSI from the pushed-down counts as from the values, on reference quantile edges', async () => {
    const refValues = finite(numeric(scoped({ window: ref }), 'x'))
    const curValues = finite(numeric(scoped({ window: cur }), 'x'))
    const edges = quantileEdges(refValues, 20) // open outer edges: nothing falls outside
    const sqlRef = binCountsFromRows(await rows(binCountsQuery({ scope: sqlScope({ window: ref }), column: 'f:x:num', edges })), edges)
    const sqlCur = binCountsFromRows(await rows(binCountsQuery({ scope: sqlScope({ window: cur }), column: 'f:x:num', edges })), edges)
    const tsPsi = psiFromBins(binCounts(refValues, edges).counts, binCounts(curValues, edges).counts)
    const sqlPsi = psiFromBins(psiCountsOf(sqlRef), psiCountsOf(sqlCur))
    expect(sqlPsi).toBeGreaterThan(0.05) // the current window is shifted by 0.3 sd
    expect(Math.abs(sqlPsi - tsPsi)).toBeLessThanOrEqual(1e-12)
    expect(() => psiCountsOf({ ...sqlRef, above: 1 })).toThrow(RangeError)
  })
})

describe('category counts', () => {
  // Top-K in JS with the query's tie rule: count desc, then byte-wise ascending (these are ASCII).
  function topK(values: string[], k: number) {
    const counts = new Map<string, number>()
    for (const v of values) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1)
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    const kept = ranked.slice(0, k)
    const rest = ranked.slice(k)
    return {
      counts: Object.fromEntries(kept), other: rest.reduce((s, [, n]) => s + n, 0), otherCategories: rest.length,
      missing: values.filter((v) => v === '').length, total: values.length,
    }
  }
  const regions = (s: ScopeFilter) => scoped(s).map((r) => r.features.region as string)

  it('keeps the top K categories, folds the rest into other and counts empty strings as missing', async () => {
    for (const k of [1, 3, 10]) {
      const got = categoryCountsFromRows(await rows(categoryCountsQuery({ scope: sqlScope({ window: cur }), column: 'f:region:str', topK: k })))
      expect(got).toEqual(topK(regions({ window: cur }), k))
    }
  })

  it('counts against reference categories, unseen ones as other and absent ones as 0', async () => {
    const categories = [...REGIONS, 'nowhere']
    const got = categoryCountsFromRows(await rows(categoryCountsQuery({ scope: sqlScope({ window: cur }), column: 'f:region:str', categories })), categories)
    const values = regions({ window: cur })
    expect(got.counts).toEqual(Object.fromEntries(categories.map((c) => [c, values.filter((v) => v === c).length])))
    expect(got.other).toBe(values.filter((v) => v === 'atlantis').length)
    expect(got.otherCategories).toBe(1)
    expect(got.missing).toBe(values.filter((v) => v === '').length)
  })
})

describe('confusion matrices per group', () => {
  // The latest outcome of each prediction of this model: by outcome ts, then by receipt.
  function latestOutcomes(): Map<string, string> {
    const latest = new Map<string, OutcomeRecord>()
    for (const o of outcomes) {
      if (o.modelId !== 'sql-test') continue
      const seen = latest.get(o.predictionId)
      if (!seen || o.timestampMs > seen.timestampMs || (o.timestampMs === seen.timestampMs && o.receivedMs > seen.receivedMs)) latest.set(o.predictionId, o)
    }
    return new Map([...latest].map(([id, o]) => [id, o.label]))
  }

  it('equals counting in JS, with label coverage, and feeds the fairness report unchanged', async () => {
    const s: ScopeFilter = { window: cur, environment: 'production' }
    const query = confusionByGroupQuery({
      scope: sqlScope(s), outcomesTable: store.table('outcomes'), project: 'default', modelId: 'sql-test',
      groupBy: 'sex', positiveLabel: 'approve', positiveOutcomeLabel: 'repaid',
    })
    expect(query.query).not.toMatch(/approve|repaid|production|sql-test/) // values are bound, never in the text
    const got = confusionByGroupFromRows(await rows(query))

    const labels = latestOutcomes()
    const expected: Record<string, { tp: number; fp: number; tn: number; fn: number; predictions: number; labelled: number; coverage: number }> = {}
    const yTrue: boolean[] = []
    const yPred: boolean[] = []
    const sensitive: string[] = []
    for (const r of scoped(s)) {
      const group = String(r.attributes.sex ?? '')
      const cell = (expected[group] ??= { tp: 0, fp: 0, tn: 0, fn: 0, predictions: 0, labelled: 0, coverage: 0 })
      cell.predictions++
      const label = labels.get(r.id)
      if (label === undefined) continue
      cell.labelled++
      const predicted = r.outputLabel === 'approve'
      const actual = label === 'repaid'
      cell[predicted ? (actual ? 'tp' : 'fp') : actual ? 'fn' : 'tn']++
      if (group !== '') {
        yTrue.push(actual)
        yPred.push(predicted)
        sensitive.push(group)
      }
    }
    for (const cell of Object.values(expected)) cell.coverage = cell.labelled / cell.predictions
    expect(got.byGroup).toEqual(expected)
    expect(Object.keys(got.byGroup).sort()).toEqual(['', 'f', 'm', 'x'])
    expect(got.overall.coverage).toBeGreaterThan(0.6)
    expect(got.overall.coverage).toBeLessThan(0.8)
    expect(fairnessMetricsFromCounts({ groups: fairnessGroupsOf(got) })).toEqual(fairnessMetrics({ yTrue, yPred, sensitive, positiveLabel: true }))
  })

  it('predicts from the score with a threshold and groups everything as one without groupBy', async () => {
    const s: ScopeFilter = { window: ref, modelVersion: '2' }
    const got = confusionByGroupFromRows(await rows(confusionByGroupQuery({
      scope: sqlScope(s), outcomesTable: store.table('outcomes'), project: 'default', modelId: 'sql-test',
      positiveLabel: 'approve', positiveOutcomeLabel: 'repaid', scoreThreshold: 0.8, preFilterOutcomes: false,
    })))
    const labels = latestOutcomes()
    const cells = { tp: 0, fp: 0, tn: 0, fn: 0 }
    for (const r of scoped(s)) {
      const label = labels.get(r.id)
      if (label === undefined) continue
      const predicted = r.outputScore >= 0.8
      const actual = label === 'repaid'
      cells[predicted ? (actual ? 'tp' : 'fp') : actual ? 'fn' : 'tn']++
    }
    expect(Object.keys(got.byGroup)).toEqual([''])
    expect(got.overall).toMatchObject({ ...cells, predictions: scoped(s).length })
  })
})

describe('fine histograms for KS and Wasserstein', () => {
  it('bins exactly like the TypeScript grid, and the KS statistic lies within the bound of the exact ksTest', async () => {
    const summaries = await Promise.all([ref, cur].map(async (window) => numericSummaryFromRows(await rows(numericSummaryQuery({ scope: sqlScope({ window }), column: 'f:x:num' })))))
    const [refValues, curValues] = [ref, cur].map((window) => numeric(scoped({ window }), 'x'))
    expect(summaries[0]).toMatchObject({ count: finite(refValues!).length, nan: refValues!.length - finite(refValues!).length, min: Math.min(...finite(refValues!)) })
    for (const bins of [64, 4096]) {
      const grid = fineGrid(Math.min(summaries[0]!.min, summaries[1]!.min), Math.max(summaries[0]!.max, summaries[1]!.max), bins)
      const [a, b] = await Promise.all([ref, cur].map(async (window) => fineHistogramFromRows(await rows(fineHistogramQuery({ scope: sqlScope({ window }), column: 'f:x:num', grid })), grid)))
      expect(a).toEqual(fineHistogramOf(refValues!, grid))
      expect(b).toEqual(fineHistogramOf(curValues!, grid))

      const exact = ksTest(finite(refValues!), finite(curValues!), { method: 'asymp' }).statistic
      const ks = ksFromFineHistograms(a!, b!)
      expect(exact).toBeGreaterThanOrEqual(ks.lower - 1e-15)
      expect(exact).toBeLessThanOrEqual(ks.upper + 1e-15)
      expect(Math.abs(ks.value - exact)).toBeLessThanOrEqual(ks.maxError + 1e-15)
      expect(ks.maxError).toBeLessThanOrEqual(ks.sharedMassBound + 1e-15)
      expect(ks.pValueAtUpper).toBeLessThanOrEqual(ks.pValue)

      const w = wassersteinFromFineHistograms(a!, b!)
      const exactW = wassersteinDistance(finite(refValues!), finite(curValues!))
      expect(exactW).toBeGreaterThanOrEqual(w.lower - 1e-12)
      expect(exactW).toBeLessThanOrEqual(w.upper + 1e-12)
      expect(w.maxError).toBeLessThanOrEqual((2 * (grid.hi - grid.lo)) / bins + 1e-12)
    }
  })

  it('keeps values outside the grid apart, and refuses Wasserstein then', async () => {
    const grid = fineGrid(-1, 1, 16)
    const values = numeric(scoped({ window: cur }), 'x')
    const hist = fineHistogramFromRows(await rows(fineHistogramQuery({ scope: sqlScope({ window: cur }), column: 'f:x:num', grid })), grid)
    expect(hist).toEqual(fineHistogramOf(values, grid))
    expect(hist.underflow).toBeGreaterThan(0)
    expect(hist.overflow).toBeGreaterThan(0)
    const ks = ksFromFineHistograms(hist, fineHistogramOf(numeric(scoped({ window: ref }), 'x'), grid))
    expect(ks.lower).toBeLessThanOrEqual(ks.upper)
    expect(() => wassersteinFromFineHistograms(hist, hist)).toThrow(RangeError)
  })
})

describe('quantiles', () => {
  const levels = [0, 0.01, 0.05, 0.1, 0.25, 0.29, 0.5, 0.7, 0.9, 0.95, 0.99, 1]
  it("'exact' is ClickHouse's quantileExact: the element at floor(q·n) of the sorted values", async () => {
    for (const s of [{ window: ref }, { window: cur, modelVersion: '2' }] as ScopeFilter[]) {
      const sorted = finite(numeric(scoped(s), 'x')).sort()
      const got = quantilesFromRows(await rows(quantilesQuery({ scope: sqlScope(s), column: 'f:x:num', levels, method: 'exact' })), levels)
      expect(got.count).toBe(sorted.length)
      expect(got.values).toEqual(levels.map((q) => clickHouseQuantileExact(sorted, q)))
      expect(got.values).toEqual(levels.map((q) => sorted[q < 1 ? Math.floor(q * sorted.length) : sorted.length - 1]))
    }
  })

  it("'exactInclusive' is numpy's linear quantile; 'approximate' equals it while n <= 8192", async () => {
    const s: ScopeFilter = { window: ref }
    const sorted = finite(numeric(scoped(s), 'x')).sort()
    expect(sorted.length).toBeLessThanOrEqual(8192)
    const inclusive = quantilesFromRows(await rows(quantilesQuery({ scope: sqlScope(s), column: 'f:x:num', levels, method: 'exactInclusive' })), levels)
    expect(inclusive.values).toEqual(levels.map((q) => clickHouseQuantileExactInclusive(sorted, q)))
    // quantileEdges is numpy's np.quantile; the interior edges agree to rounding.
    const numpyEdges = quantileEdges(sorted, 20, { openEnds: false })
    const twenty = Array.from({ length: 21 }, (_, i) => i / 20)
    const chEdges = quantilesFromRows(await rows(quantilesQuery({ scope: sqlScope(s), column: 'f:x:num', levels: twenty, method: 'exactInclusive' })), twenty)
    const dedup = chEdges.values.filter((v, i, all) => i === 0 || v > all[i - 1]!)
    expect(dedup.length).toBe(numpyEdges.length)
    dedup.forEach((v, i) => expect(Math.abs(v - numpyEdges[i]!)).toBeLessThanOrEqual(1e-12))
    const approximate = quantilesFromRows(await rows(quantilesQuery({ scope: sqlScope(s), column: 'f:x:num', levels, method: 'approximate' })), levels)
    approximate.values.forEach((v, i) => expect(Math.abs(v - inclusive.values[i]!)).toBeLessThanOrEqual(1e-12))
  })

  it('leaves NaN and infinities out, and counts them', async () => {
    const values = numeric(scoped({ window: ref }), 'y')
    const got = quantilesFromRows(await rows(quantilesQuery({ scope: sqlScope({ window: ref }), column: 'f:y:num', levels: [0, 1] })), [0, 1])
    const f = finite(values)
    expect(got).toMatchObject({ count: f.length, nan: values.filter(Number.isNaN).length, infinite: values.filter((v) => v === Infinity || v === -Infinity).length })
    expect(got.values).toEqual([Math.min(...f), Math.max(...f)])
  })
})

describe('missing rates, volume and FINAL', () => {
  it('counts NaN and empty strings as missing', async () => {
    const columns = [{ column: 'f:x:num', kind: 'num' }, { column: 'f:region:str', kind: 'str' }, { column: 'a:sex', kind: 'str' }] as const
    const got = missingRatesFromRows(await rows(missingRatesQuery({ scope: sqlScope({ window: cur }), columns })), columns)
    const rs = scoped({ window: cur })
    expect(got.total).toBe(rs.length)
    expect(got.byColumn['f:x:num']!.missing).toBe(rs.filter((r) => r.features.x === undefined).length)
    expect(got.byColumn['f:region:str']!.missing).toBe(rs.filter((r) => r.features.region === '').length)
    expect(got.byColumn['a:sex']).toEqual({ missing: rs.filter((r) => r.attributes.sex === undefined).length, rate: rs.filter((r) => r.attributes.sex === undefined).length / rs.length })
  })

  it('counts predictions and errors per bucket, empty buckets included', async () => {
    const bucketMs = 3 * 3_600_000
    const window = { from: refFrom - 2 * DAY, to: curFrom + DAY }
    const got = volumeFromRows(await rows(volumeQuery({ scope: sqlScope({ window }), bucketMs })), window, bucketMs)
    expect(got).toHaveLength(Math.ceil((window.to - window.from) / bucketMs))
    for (const bucket of got) {
      const inBucket = predictions.filter((r) => r.timestampMs >= bucket.start && r.timestampMs < bucket.start + bucketMs)
      expect(bucket).toEqual({ start: bucket.start, predictions: inBucket.length, errors: inBucket.filter((r) => r.status === 'error').length })
    }
    expect(got.some((b) => b.predictions === 0)).toBe(true) // the day between the old rows and the reference
  })

  it('collapses a retried batch with final: true', async () => {
    const window = { from: refFrom - 3 * DAY, to: curFrom + DAY }
    const unique = predictions.slice(300, 800)
    const edges = [-Infinity, Infinity]
    const withFinal = binCountsFromRows(await rows(binCountsQuery({ scope: { table: dupTable, window, final: true }, column: 'f:x:num', edges })), edges)
    expect(withFinal.total).toBe(unique.length)
    const without = binCountsFromRows(await rows(binCountsQuery({ scope: { table: dupTable, window }, column: 'f:x:num', edges })), edges)
    expect(without.total).toBeGreaterThanOrEqual(unique.length) // 600 until a background merge collapses them
  })
})

describe('one scan for several columns, one join for several outcome metrics', () => {
  it('profiles columns in one statement with the values of the single-column statements', async () => {
    for (const s of [{ window: ref }, { window: cur, environment: 'production' }] as ScopeFilter[]) {
      for (const final of [false, true]) {
        const scope = sqlScope(s, final)
        const summaries = await Promise.all(['f:x:num', 'f:y:num'].map(async (column) => numericSummaryFromRows(await rows(numericSummaryQuery({ scope, column })))))
        const grid = fineGrid(summaries[0]!.min, summaries[0]!.max)
        const levels = [0.1, 0.25, 0.5, 0.75, 0.9]
        const edges = [-Infinity, ...EDGES, Infinity]
        const specs: ColumnProfileSpec[] = [
          { column: 'f:x:num', summary: { moments: true }, quantiles: { levels, method: 'exactInclusive' }, fineHistogram: grid, binEdges: edges },
          { column: 'f:y:num', summary: { moments: false }, binEdges: EDGES },
          { column: 'f:y:num', quantiles: { levels: [0.5] } },
        ]
        const [x, y, yq] = columnProfilesFromRows(await rows(columnProfilesQuery({ scope, columns: specs })), specs)
        const summaryX = summaries[0]!
        expect(x!.summary!.count).toBe(summaryX.count)
        // min, max and the counts are exact; mean and std are sums whose order follows the engine's threads.
        expect({ ...x!.summary!, mean: 0, std: 0 }).toEqual({ ...summaryX, mean: 0, std: 0 })
        expect(x!.summary!.std).toBeCloseTo(summaryX.std, 12)
        expect(x!.quantiles).toEqual(quantilesFromRows(await rows(quantilesQuery({ scope, column: 'f:x:num', levels, method: 'exactInclusive' })), levels))
        expect(x!.fineHistogram).toEqual(fineHistogramFromRows(await rows(fineHistogramQuery({ scope, column: 'f:x:num', grid })), grid))
        expect(x!.binCounts).toEqual(binCountsFromRows(await rows(binCountsQuery({ scope, column: 'f:x:num', edges })), edges))
        const summaryY = summaries[1]!
        expect(y!.summary).toEqual({ ...summaryY, mean: NaN, std: NaN }) // no moments asked: left out
        expect(summaryY.posInf + summaryY.negInf).toBeGreaterThan(0) // ±Infinity reach the histogram's outer bins
        expect(y!.binCounts).toEqual(binCountsFromRows(await rows(binCountsQuery({ scope, column: 'f:y:num', edges: EDGES })), EDGES))
        expect(yq!.quantiles).toEqual(quantilesFromRows(await rows(quantilesQuery({ scope, column: 'f:y:num', levels: [0.5] })), [0.5]))
      }
    }
    // Missing counts, of numeric and string columns (a string column may ask for nothing else), as missingRatesQuery counts them.
    for (const final of [false, true]) {
      const scope = sqlScope({ window: cur }, final)
      const columns = [{ column: 'f:x:num', kind: 'num' }, { column: 'f:region:str', kind: 'str' }] as const
      const rates = missingRatesFromRows(await rows(missingRatesQuery({ scope, columns })), columns)
      const specs: ColumnProfileSpec[] = [{ column: 'f:x:num', summary: { moments: false }, missing: 'num' }, { column: 'f:region:str', missing: 'str' }]
      const [mx, mr] = columnProfilesFromRows(await rows(columnProfilesQuery({ scope, columns: specs })), specs)
      expect([mx!.missing, mr!.missing]).toEqual(columns.map(({ column }) => ({ missing: rates.byColumn[column]!.missing, total: rates.total })))
      expect(rates.byColumn['f:x:num']!.missing + rates.byColumn['f:region:str']!.missing).toBeGreaterThan(0)
    }
    expect(() => columnProfilesQuery({ scope: sqlScope({ window: cur }), columns: [{ column: 'f:x:num', missing: 'bool' as 'num' }] })).toThrow(/missing: expected 'num' or 'str'/)
    // The grid over y's whole range holds its infinities apart, as fineHistogramQuery does.
    const scope = sqlScope({ window: cur })
    const summary = numericSummaryFromRows(await rows(numericSummaryQuery({ scope, column: 'f:y:num' })))
    const grid = fineGrid(summary.min, summary.max, 64)
    const [h] = columnProfilesFromRows(await rows(columnProfilesQuery({ scope, columns: [{ column: 'f:y:num', fineHistogram: grid }] })), [{ column: 'f:y:num', fineHistogram: grid }])
    expect(h!.fineHistogram).toEqual(fineHistogramFromRows(await rows(fineHistogramQuery({ scope, column: 'f:y:num', grid })), grid))
    expect(h!.fineHistogram!.underflow + h!.fineHistogram!.overflow).toBe(summary.posInf + summary.negInf)
  })

  it('gives each attribute\'s confusion matrices and the exact ROC AUC from one join', async () => {
    const s: ScopeFilter = { window: cur, environment: 'production' }
    const join = { scope: sqlScope(s, true), latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: 'sql-test' }
    const labels = { positiveLabel: 'approve', positiveOutcomeLabel: 'repaid' }
    const attributes = ['channel', 'sex']
    const query = outcomeCellsQuery({ ...join, ...labels, attributes, rocAuc: true })
    expect(query.query).not.toMatch(/approve|repaid|production|sql-test/)
    const cells = outcomeCellsFromRows(await rows(query), attributes)
    for (const attribute of attributes) {
      const single = confusionByGroupFromRows(await rows(confusionByGroupQuery({ ...join, ...labels, groupBy: attribute })))
      expect(confusionOfCells(cells, attribute)).toEqual(single)
      expect(Object.keys(confusionOfCells(cells, attribute).byGroup)).toEqual(Object.keys(single.byGroup)) // the same group order
    }
    expect(confusionOfCells(cells, null)).toEqual(confusionByGroupFromRows(await rows(confusionByGroupQuery({ ...join, ...labels }))))
    // The AUC of the single statement (the scores in the join's order) and of the cells' flattened scores.
    const bag = new ParamBag()
    const j = outcomeJoin(join, bag, { predictions: ['output_score AS score'], outcome: [`CAST(label = ${bag.bind('p', 'String', 'repaid')} AS UInt8) AS actual`] })
    const scored = 'o.matched AND isFinite(p.score) AND p.score >= 0 AND p.score <= 1'
    const [direct] = await rows({ query: `SELECT arrayROCAUC(groupArrayIf(p.score, ${scored}), groupArrayIf(o.actual, ${scored})) AS auc, countIf(${scored}) AS n FROM ${j.from} ${j.settings}`, params: bag.values })
    expect(cells.rocAuc).toBe(direct!.auc)
    expect(cells.cells.reduce((n, c) => n + c.scored, 0)).toBe(Number(direct!.n))
    expect(outcomeCellsFromRows(await rows(outcomeCellsQuery({ ...join, ...labels, attributes: [] })), []).rocAuc).toBeNull()
  })

  it('stops with TOO_MANY_ROWS when the cells would pass maxCells, and answers within it', async () => {
    const join = { scope: sqlScope({ window: cur }, true), latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: 'sql-test' }
    const labels = { positiveLabel: 'approve', positiveOutcomeLabel: 'repaid' }
    const attributes = ['channel', 'sex']
    const all = outcomeCellsFromRows(await rows(outcomeCellsQuery({ ...join, ...labels, attributes })), attributes)
    expect(all.cells.length).toBeGreaterThan(2)
    const refused = rows(outcomeCellsQuery({ ...join, ...labels, attributes, maxCells: 2 }))
    await expect(refused).rejects.toMatchObject({ code: TOO_MANY_CELLS_CODE })
    const within = outcomeCellsFromRows(await rows(outcomeCellsQuery({ ...join, ...labels, attributes, maxCells: all.cells.length })), attributes)
    expect(within.cells.length).toBe(all.cells.length)
    expect(() => outcomeCellsQuery({ ...join, ...labels, attributes, maxCells: 0 })).toThrow(/maxCells/)
  })
})

describe('builders', () => {
  const scope = { table: '`aims`.`t`', window: ref }
  it('reject bad input with the argument named', () => {
    expect(() => binCountsQuery({ scope, column: 'f:x:num', edges: [1, 1] })).toThrow(/edges/)
    expect(() => binCountsQuery({ scope, column: 'f:x:num', edges: [0, NaN] })).toThrow(RangeError)
    expect(() => binCountsQuery({ scope: { ...scope, table: 't; DROP TABLE x' }, column: 'f:x:num', edges: [0, 1] })).toThrow(/scope.table/)
    expect(() => binCountsQuery({ scope: { ...scope, window: { from: cur.to, to: cur.from } }, column: 'f:x:num', edges: [0, 1] })).toThrow(/window/)
    expect(() => binCountsQuery({ scope, column: 'a\nb', edges: [0, 1] })).toThrow(/control character/)
    expect(() => categoryCountsQuery({ scope, column: 'a:sex' })).toThrow(/exactly one/)
    expect(() => categoryCountsQuery({ scope, column: 'a:sex', categories: ['a', ''] })).toThrow(/missing/)
    expect(() => quantilesQuery({ scope, column: 'f:x:num', levels: [1.5] })).toThrow(/levels\[0\]/)
    expect(() => fineGrid(1, 0)).toThrow(RangeError)
    expect(() => volumeQuery({ scope, bucketMs: 1 })).toThrow(/buckets/)
  })

  it('quote identifiers and bind every value', () => {
    const { query, params } = binCountsQuery({
      scope: { ...scope, modelVersion: "1' OR 1=1 --", attributes: { 'we`ird': 'x' } }, column: 'f:a`b:num', edges: [0.1, 0.2],
    })
    expect(query).toContain('`f:a\\`b:num`')
    expect(query).toContain('`a:we\\`ird`')
    expect(query).not.toContain('OR 1=1')
    expect(query).not.toContain('0.1')
    expect(Object.values(params)).toContain("1' OR 1=1 --")
  })
})
