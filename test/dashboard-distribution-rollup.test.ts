// The dashboard's reference-versus-current distribution read from the hourly feature rollups
// (packages/store/src/rollup-table-ddl.ts, collector/src/dashboard/feature-rollup-scan.ts,
// histogram-bins.ts) against the same numbers computed from the raw rows (binCountsQuery and plain
// SQL over the predictions table): exact for discrete features and categories, within the stated
// bound for continuous ones, over ranges that cut hours, for a feature added later (ALTER TABLE ADD
// COLUMN: the views pick it up) and for a table older than the rollups (backfilled on open).
// One embedded store for the whole file (chDB: one data directory per process).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReferenceDatasets, type ReferenceDataset } from '@aims-monitor/evaluator'
import { binCountsFromRows, binCountsQuery } from '@aims-monitor/metrics'
import {
  PredictionTables, applyRetention, backfillFeatureRollupsSql, createFeatureRollupTablesSql, createFeatureRollupViewsSql, featureColumn,
  featureHistogramKeySql, featureRollupViewNames, numericFeatureRollupName, openStore, storeConfigFromEnv, stringFeatureRollupName, tableTtl,
  type Store,
} from '@aims-monitor/store'
import { featureDistribution, type Distribution } from '../collector/src/dashboard/distribution-queries.js'
import { binHistogram, bucketOfKey, histogramQuantiles, nextUp } from '../collector/src/dashboard/histogram-bins.js'
import { findModel, type DashboardModel } from '../collector/src/dashboard/model-catalog.js'
import type { TimeRange } from '../collector/src/dashboard/time-range.js'

const HOUR = 3_600_000
const T0 = Date.parse('2026-11-23T00:00:00Z')
const N = 40_000 // one prediction every 3.6 s over 40 hours
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-dist-rollup-'))
let store: Store
let table: string
let reference: ReferenceDataset
const FROM_ROLLUP = { exactScanMaxRows: 0 } // always the rollup path (the default scans ≤ 1M rows exactly)

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()
}

/** Rows `first`..`first+n-1`: a continuous `income` (NaN every 11th), an integer `age`, a flag, a `region`; one every 3.6 s. */
async function insert(first: number, n: number, extra = ''): Promise<void> {
  await store.client.command({
    query: `INSERT INTO ${store.table(table)} (id, ts, received, model_version, environment, status, \`f:income:num\`, \`f:age:num\`, \`f:flag:bool\`, \`f:region:str\`${extra ? ', ' + extra.split('|')[0] : ''})
      SELECT generateUUIDv4(), fromUnixTimestamp64Milli(toInt64(${T0} + number * 3600)), now64(3), '1', 'prod', 'ok',
        if(number % 11 = 0, nan, exp(10 + sin(number) * 1.5) - 20000), toFloat64(18 + number % 53), toFloat64(number % 4 = 0),
        if(number % 13 = 0, '', ['north', 'south', 'east', 'west', 'far-north'][1 + (number * 7) % 5])${extra ? ', ' + extra.split('|')[1] : ''}
      FROM numbers(${first}, ${n})`,
  })
}

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: root }))
  table = await new PredictionTables(store).ensure('default', 'm', [featureColumn('income', 'num'), featureColumn('age', 'num'), featureColumn('flag', 'bool'), featureColumn('region', 'str')])
  await insert(0, N / 2)
  await insert(N / 2, N / 2)
  const csv = path.join(root, 'reference.csv')
  writeFileSync(csv, 'income,age,region\n' + Array.from({ length: 2000 }, (_, j) => `${Math.exp(10 + Math.cos(j) * 1.4) - 20000},${20 + (j % 47)},${['north', 'south', 'east', 'central'][j % 4]}`).join('\n') + '\n')
  reference = await new ReferenceDatasets(store).import({ project: 'default', modelId: 'm', file: csv, id: 'ref', createdBy: 'test' })
})
afterAll(async () => {
  await store?.close()
  rmSync(root, { recursive: true, force: true })
})

/** The raw rows' answer: predictions, values and shares per bin at the response's own edges. */
async function rawNumeric(model: DashboardModel, column: string, range: TimeRange, d: Distribution, isBool = false) {
  const edges = isBool ? [-Infinity, 0.5, Infinity] : [-Infinity, ...d.bins.slice(1).map((b) => b.lower!), Infinity]
  const { query, params } = binCountsQuery({ scope: { table: model.table, window: range }, column, edges })
  const bins = binCountsFromRows(await rows(query, params), edges)
  const values = bins.total - bins.nan
  return { rows: bins.total, values, shares: bins.counts.map((c) => (values > 0 ? c / values : null)) }
}

async function rawCategories(model: DashboardModel, column: string, range: TimeRange) {
  const counted = await rows<{ value: string; n: string }>(
    `SELECT toString(\`${column}\`) AS value, count() AS n FROM ${model.table} WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64}) GROUP BY value`,
    { from: range.from, to: range.to },
  )
  const counts = Object.fromEntries(counted.map((r) => [r.value, Number(r.n)]))
  const rowsInRange = Object.values(counts).reduce((s, n) => s + n, 0)
  const missing = counts[''] ?? 0
  return { rows: rowsInRange, missing, values: rowsInRange - missing, counts }
}

const RANGES: [string, TimeRange][] = [
  ['cutting hours at both ends', { from: T0 + 1_234_567, to: T0 + 25 * HOUR + 789 }],
  ['whole hours', { from: T0 + 2 * HOUR, to: T0 + 30 * HOUR }],
  ['inside one hour', { from: T0 + 5 * HOUR + 100_000, to: T0 + 5 * HOUR + 2_000_000 }],
  ['everything', { from: T0 - HOUR, to: T0 + 48 * HOUR }],
]

describe('distribution from the hourly feature rollups', () => {
  it('integer and boolean features: exactly the raw shares, counts and missing, from the rollup', async () => {
    const model = await findModel(store, 'default', 'm')
    for (const [name, range] of RANGES) {
      const age = await featureDistribution(store, model, 'age', range, reference, FROM_ROLLUP)
      const raw = await rawNumeric(model, 'f:age:num', range, age)
      expect(age.current, name).toEqual({ count: raw.values, missing: raw.rows - raw.values, approximate: false, maxError: 0 })
      expect(age.bins.length, name).toBeGreaterThan(5)
      age.bins.forEach((b, i) => expect(b.current, `${name} ${b.label}`).toBeCloseTo(raw.shares[i]!, 12))

      const flag = await featureDistribution(store, model, 'flag', range, null, FROM_ROLLUP)
      const rawFlag = await rawNumeric(model, 'f:flag:bool', range, flag, true)
      expect(flag.current.approximate).toBe(false)
      expect(flag.bins.map((b) => b.current), name).toEqual(rawFlag.shares)
    }
  })

  it('a continuous feature: each share within the stated bound of the raw share; exact below the scan threshold', async () => {
    const model = await findModel(store, 'default', 'm')
    for (const [name, range] of RANGES) {
      const income = await featureDistribution(store, model, 'income', range, reference, FROM_ROLLUP)
      const raw = await rawNumeric(model, 'f:income:num', range, income)
      expect(income.current.count, name).toBe(raw.values)
      expect(income.current.missing, name).toBe(raw.rows - raw.values)
      expect(income.current.approximate, name).toBe(true)
      expect(income.current.maxError, name).toBeGreaterThan(0)
      expect(income.current.maxError, name).toBeLessThan(0.02)
      income.bins.forEach((b, i) => expect(Math.abs(b.current! - raw.shares[i]!), `${name} ${b.label}`).toBeLessThanOrEqual(income.current.maxError))

      // With the default threshold (≤ 1M rows are scanned), the same edges give the exact shares.
      const exact = await featureDistribution(store, model, 'income', range, reference)
      expect(exact.current).toMatchObject({ count: raw.values, approximate: false, maxError: 0 })
      exact.bins.forEach((b, i) => expect(b.current, `${name} ${b.label}`).toBeCloseTo(raw.shares[i]!, 12))
    }
  })

  it('without a reference: deciles from the histogram at bucket bounds, so the counts stay exact', async () => {
    const model = await findModel(store, 'default', 'm')
    const range = RANGES[0]![1]
    const income = await featureDistribution(store, model, 'income', range, null, FROM_ROLLUP)
    expect(income.reference).toBeNull()
    expect(income.bins).toHaveLength(10)
    expect(income.current.approximate).toBe(false)
    const raw = await rawNumeric(model, 'f:income:num', range, income)
    income.bins.forEach((b, i) => {
      expect(b.current).toBeCloseTo(raw.shares[i]!, 12)
      expect(b.current!).toBeGreaterThan(0.09) // deciles: about a tenth each
      expect(b.current!).toBeLessThan(0.11)
    })
  })

  it('categories: the same shares as the raw rows, (other) included', async () => {
    const model = await findModel(store, 'default', 'm')
    for (const [name, range] of RANGES) {
      for (const ref of [reference, null]) {
        const region = await featureDistribution(store, model, 'region', range, ref, FROM_ROLLUP)
        const raw = await rawCategories(model, 'f:region:str', range)
        expect(region.current, name).toEqual({ count: raw.values, missing: raw.missing, approximate: false, maxError: 0 })
        for (const b of region.bins) {
          if (b.label === '(other)') continue
          expect(b.current, `${name} ${b.label}`).toBeCloseTo((raw.counts[b.label] ?? 0) / raw.values, 12)
        }
        if (ref) expect(region.bins.find((b) => b.label === 'central')).toMatchObject({ reference: 0.25, current: 0 })
      }
    }
  })

  it('a feature added later is rolled up from its first insert; older rows count as missing', async () => {
    const tables = new PredictionTables(store)
    await tables.ensure('default', 'm', [featureColumn('late', 'num'), featureColumn('late_kind', 'str')])
    // Hours 40-43, where the new features exist: `late` is a third of a unit step, late_kind a letter.
    await insert(N, 4000, '`f:late:num`, `f:late_kind:str`|(number % 30) / 3, [\'a\', \'b\', \'c\'][1 + number % 3]')
    const model = await findModel(store, 'default', 'm')
    expect(model.features.map((f) => f.name)).toContain('late')
    const range = { from: T0 + 39 * HOUR + 1, to: T0 + 44 * HOUR - 1 }
    const late = await featureDistribution(store, model, 'late', range, null, FROM_ROLLUP)
    const raw = await rawNumeric(model, 'f:late:num', range, late)
    expect(late.current).toMatchObject({ count: raw.values, missing: raw.rows - raw.values })
    expect(late.current.missing).toBeGreaterThan(0) // hour 39's rows predate the column
    late.bins.forEach((b, i) => expect(Math.abs(b.current! - raw.shares[i]!)).toBeLessThanOrEqual(late.current.maxError + 1e-12))
    const kind = await featureDistribution(store, model, 'late_kind', range, null, FROM_ROLLUP)
    const rawKind = await rawCategories(model, 'f:late_kind:str', range)
    expect(kind.current).toMatchObject({ count: rawKind.values, missing: rawKind.missing })
    for (const b of kind.bins) expect(b.current).toBeCloseTo(rawKind.counts[b.label]! / rawKind.values, 12)
    // The old features keep their numbers in the rollups.
    const age = await featureDistribution(store, model, 'age', RANGES[3]![1], reference, FROM_ROLLUP)
    const rawAge = await rawNumeric(model, 'f:age:num', RANGES[3]![1], age)
    age.bins.forEach((b, i) => expect(b.current).toBeCloseTo(rawAge.shares[i]!, 12))
  })

  it('a table older than the feature rollups is backfilled once when the store opens', async () => {
    const before = await featureDistribution(store, await findModel(store, 'default', 'm'), 'income', RANGES[0]![1], reference, FROM_ROLLUP)
    for (const view of featureRollupViewNames(table)) await store.client.command({ query: `DROP VIEW ${store.table(view)}` })
    for (const t of [numericFeatureRollupName(table), stringFeatureRollupName(table)]) await store.client.command({ query: `DROP TABLE ${store.table(t)}` })
    await new PredictionTables(store).ensureRollups() // what openStore runs
    await new PredictionTables(store).ensureRollups() // idempotent: not filled twice
    const after = await featureDistribution(store, await findModel(store, 'default', 'm'), 'income', RANGES[0]![1], reference, FROM_ROLLUP)
    expect(after).toEqual(before)
  })
})

describe('feature rollup tables', () => {
  it('keep their hours as long as the predictions, also when the retention changes', async () => {
    await applyRetention({ ...store, config: { ...store.config, retentionDays: 77 } })
    for (const name of [numericFeatureRollupName(table), stringFeatureRollupName(table)]) expect(await tableTtl(store, name)).toMatch(/hour \+ toIntervalDay\(77\)/)
    await applyRetention(store)
    expect(await tableTtl(store, numericFeatureRollupName(table))).toMatch(new RegExp(`hour \\+ toIntervalDay\\(${store.config.retentionDays}\\)`))
  })

  it('their DDL parses on a cluster (ON CLUSTER, Replicated engines), as ClickHouse reads it', async () => {
    const cluster = { database: 'aims', cluster: 'aims_cluster', retentionDays: 365 }
    const parse = async (sql: string) => (await rows<{ q: string }>('SELECT formatQuery({sql:String}) AS q', { sql }))[0]!.q
    for (const sql of createFeatureRollupTablesSql('predictions_x', cluster)) {
      expect(await parse(sql)).toMatch(/^CREATE TABLE IF NOT EXISTS aims\.rollup_(num|str)_predictions_x ON CLUSTER aims_cluster/)
      expect(sql).toMatch(/ReplicatedAggregatingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'\)/)
    }
    for (const sql of createFeatureRollupViewsSql('predictions_x', cluster)) expect(await parse(sql)).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS aims\.rollup_(num|str)_predictions_x_mv ON CLUSTER aims_cluster TO/)
    for (const sql of backfillFeatureRollupsSql('predictions_x', cluster)) expect(await parse(sql)).toMatch(/^INSERT INTO aims\.rollup_(num|str)_predictions_x/)
  })
})

describe('AIMS_FEATURE_ROLLUPS=off', () => {
  /** The same store, seen with the setting off (as a collector started with it would see it). */
  const withSetting = (featureRollups: 'on' | 'off'): Store => Object.create(store, { config: { value: { ...store.config, featureRollups } } }) as Store
  const tablesOf = async () => (await rows<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE {like:String} ORDER BY name', { db: store.config.database, like: `rollup_%${table}%` })).map((r) => r.name)

  it('drops the feature rollups, answers every distribution exactly from the raw rows, and rebuilds them when on again', async () => {
    const off = withSetting('off')
    await new PredictionTables(off).ensureRollups()
    // The minute rollup stays (the overview reads it); the feature rollups and their views are gone.
    expect(await tablesOf()).toEqual([`rollup_${table}`, `rollup_${table}_mv`])
    const model = await findModel(off, 'default', 'm')
    for (const [name, range] of RANGES) {
      const income = await featureDistribution(off, model, 'income', range, reference, FROM_ROLLUP)
      const raw = await rawNumeric(model, 'f:income:num', range, income)
      expect(income.current, name).toEqual({ count: raw.values, missing: raw.rows - raw.values, approximate: false, maxError: 0 })
      income.bins.forEach((b, i) => expect(b.current, `${name} ${b.label}`).toBeCloseTo(raw.shares[i]!, 12))
      const region = await featureDistribution(off, model, 'region', range, null)
      const rawRegion = await rawCategories(model, 'f:region:str', range)
      expect(region.current, name).toMatchObject({ count: rawRegion.values, missing: rawRegion.missing })
    }
    await new PredictionTables(withSetting('on')).ensureRollups()
    expect(await tablesOf()).toHaveLength(6)
    const age = await featureDistribution(store, model, 'age', RANGES[3]![1], reference, FROM_ROLLUP)
    const rawAge = await rawNumeric(model, 'f:age:num', RANGES[3]![1], age)
    expect(age.current.count).toBe(rawAge.values)
  })
})

describe('histogram keys and bins', () => {
  it('every value lies in the bucket of its key, as ClickHouse computes the key', async () => {
    const values = [0, -0, 1, -1, 40, 40.01, 1024, 1025, 0.3, -3.3, 1e-300, 5e-324, -5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, 123456.789, -0.000123]
    for (let i = 0; i < 200; i++) values.push((Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 20 - 8))
    const bits = values.map((v) => { const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, v); return b.getBigUint64(0).toString() })
    const keyed = await rows<{ i: number; key: string }>(
      `SELECT i, toString(reinterpretAsUInt64(${featureHistogramKeySql('v')})) AS key
       FROM (SELECT arrayJoin(arrayEnumerate({bits:Array(String)})) AS i, reinterpretAsFloat64(toUInt64({bits:Array(String)}[i])) AS v) ORDER BY i`,
      { bits },
    )
    expect(keyed).toHaveLength(values.length)
    for (const { i, key } of keyed) {
      const v = values[Number(i) - 1]!
      const b = bucketOfKey(key, 1)
      expect(b.loOpen ? v > b.lo : v >= b.lo, `${v} ≥ ${b.lo}`).toBe(true)
      expect(b.hiOpen ? v < b.hi : v <= b.hi, `${v} ≤ ${b.hi}`).toBe(true)
      if (Number.isFinite(b.hi - b.lo) && v !== 0 && Math.abs(v) >= 2.2250738585072014e-308) expect((b.hi - b.lo) / Math.abs(v)).toBeLessThanOrEqual(2 ** -9 * 1.0000001)
      // The far end of a normal key's bucket is the key's magnitude with one more step of the nine
      // kept mantissa bits, as the 64-bit sum of the bits gives it (±MAX_VALUE, closed, where that
      // sum overflows to ∞: the largest keys).
      const k = v > 0 ? b.lo : -b.hi
      if (Number.isFinite(v) && Math.abs(v) >= 2.2250738585072014e-308) {
        const view = new DataView(new ArrayBuffer(8))
        view.setBigUint64(0, BigInt(key) & ~(1n << 63n))
        expect(view.getFloat64(0)).toBe(k)
        view.setBigUint64(0, view.getBigUint64(0) + (1n << 43n))
        const far = view.getFloat64(0)
        expect(v > 0 ? b.hi : -b.lo).toBe(far === Infinity ? Number.MAX_VALUE : far)
        expect(v > 0 ? b.hiOpen : b.loOpen).toBe(far !== Infinity)
      }
    }
  })

  it('bins: whole buckets exactly, a cut bucket split with its count as the bound', () => {
    const buckets = [bucketOfKey(bitsOf(1), 10), bucketOfKey(bitsOf(2), 20), bucketOfKey(bitsOf(3), 30)]
    // Edge 2 is a bucket's lower end; edge 3.001 cuts [3, 3.00390625) (2^-9 of 2, the binade's bottom).
    const binned = binHistogram(buckets, [-Infinity, 2, 3.001, Infinity])
    expect(binned.approximate).toBe(true)
    expect(binned.counts[0]).toBe(10)
    expect(binned.counts[1]! + binned.counts[2]!).toBeCloseTo(50, 9)
    expect(binned.counts[1]).toBeCloseTo(20 + 30 * (0.001 / 0.00390625), 9)
    expect(binned.errors[0]).toBe(0)
    expect(binned.errors[1]).toBeCloseTo(30 - 30 * (0.001 / 0.00390625), 9)
    expect(binHistogram(buckets, [-Infinity, 2, 3, Infinity])).toMatchObject({ counts: [10, 20, 30], approximate: false })
    // Quantiles snap to bucket bounds: binning at them is exact.
    const q = histogramQuantiles(buckets, [0.1, 0.5, 0.9])
    expect(q).toEqual([1, 2, 3])
    expect(nextUp(-1)).toBeGreaterThan(-1)
    expect(binHistogram([bucketOfKey(bitsOf(-3.3), 5)], [-Infinity, -3.3, Infinity]).approximate).toBe(true)
  })
})

function bitsOf(x: number): string {
  const b = new DataView(new ArrayBuffer(8))
  b.setFloat64(0, x)
  return b.getBigUint64(0).toString()
}
