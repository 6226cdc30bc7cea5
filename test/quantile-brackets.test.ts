// Exact quantiles from value runs (packages/metrics/src/sql/quantile-brackets.ts) against the engine's own
// `quantilesExactInclusive` and `binCountsQuery` on the same rows, in one embedded store: whatever the runs
// (well placed, misplaced, over ties), the reader returns the engine's numbers bit for bit or says it
// cannot (null); it never returns another number.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import {
  binCountsFromRows, binCountsQuery, bracketedBinCounts, bracketedQuantiles, bracketedValuesFromRow, columnProfilesFromRows, columnProfilesQuery,
  orderStatistic, quantileBracketItems, quantilesFromRows, quantilesQuery, runsForQuantiles, ParamBag, MAX_VALUE_RUNS,
  type CountedRun, type PredictionScope, type ValueRun,
} from '@aims-monitor/metrics'

const dir = mkdtempSync(path.join(tmpdir(), 'aims-quantile-brackets-'))
let store: Store
const FROM = Date.UTC(2026, 10, 1)
const window = { from: FROM, to: FROM + 86_400_000 }
let scope: PredictionScope
const N = 40_000
const LEVELS = Array.from({ length: 19 }, (_, i) => (i + 1) / 20)
/** Columns: a continuous mixture with NaN, ±∞, zeros and negatives; an integer with heavy ties; all NaN; a constant. */
const COLUMNS = ['f:mixed:num', 'f:ties:num', 'f:empty:num', 'f:constant:num'] as const
const values: Record<string, number[]> = {}

async function rows<T = Record<string, unknown>>(q: { query: string; params?: Record<string, unknown> }): Promise<T[]> {
  return (await (await store.client.query({ query: q.query, query_params: q.params ?? {}, format: 'JSONEachRow' })).json()) as T[]
}

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(dir, 'store') }))
  const table = store.table('qb_values')
  scope = { table, window, final: false }
  await store.client.command({ query: `CREATE TABLE ${table} (ts DateTime64(3), ${COLUMNS.map((c) => `\`${c}\` Float64`).join(', ')}) ENGINE = MergeTree ORDER BY ts` })
  const u = (k: number) => `((cityHash64(number, ${k}) % 9007199254740992) + 0.5) / 9007199254740992`
  const normal = (k: number) => `(sqrt(-2 * log(${u(k)})) * cos(2 * pi() * ${u(k + 100)}))`
  await store.client.command({
    query: `INSERT INTO ${table} SELECT fromUnixTimestamp64Milli(toInt64(${FROM} + number * 2000)),
      multiIf(${u(1)} < 0.02, nan, ${u(1)} < 0.025, inf, ${u(1)} < 0.03, -inf, ${u(1)} < 0.05, 0, ${u(1)} < 0.5, -exp(${normal(2)}), ${normal(3)} * 3),
      round(${normal(4)} * 4), nan, 7.25
      FROM numbers(${N})`,
  })
  // One row outside the window: never counted.
  await store.client.command({ query: `INSERT INTO ${table} VALUES (fromUnixTimestamp64Milli(${FROM - 1}), 1e300, 1e300, 1e300, 1e300)` })
  for (const column of COLUMNS) {
    // As text: JSON carries NaN and ±∞ as null.
    const r = await rows<{ v: string }>({ query: `SELECT toString(\`${column}\`) AS v FROM ${table} WHERE ts >= fromUnixTimestamp64Milli(${window.from}) AND ts < fromUnixTimestamp64Milli(${window.to})` })
    values[column] = r.map((x) => ({ inf: Infinity, '-inf': -Infinity, nan: NaN })[x.v as 'inf'] ?? Number(x.v))
  }
}, 120_000)

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Equal-width buckets over a sample's finite range (each [lo, hi), the last closed), with counts. */
function equalWidthBuckets(sample: readonly number[], count: number): CountedRun[] {
  const finite = sample.filter(Number.isFinite)
  const lo = Math.min(...finite)
  const hi = Math.max(...finite)
  const width = (hi - lo) / count
  const buckets: CountedRun[] = Array.from({ length: count }, (_, i) => ({ lo: lo + i * width, hi: i === count - 1 ? hi : lo + (i + 1) * width, loOpen: false, hiOpen: i !== count - 1, count: 0 }))
  for (const v of finite) {
    const i = buckets.findIndex((b) => (v >= b.lo || b.lo === lo) && (b.hiOpen ? v < b.hi : v <= b.hi))
    if (i >= 0) (buckets[i] as { count: number }).count++
  }
  return buckets.filter((b) => b.count > 0)
}

/** One bucket per integer value [v, v + 0.5), as the rollup keys it (a repeated value is its bucket's end). */
function integerBuckets(sample: readonly number[]): CountedRun[] {
  const counts = new Map<number, number>()
  for (const v of sample) if (Number.isFinite(v)) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts].sort((a, b) => a[0] - b[0]).map(([v, n]) => ({ lo: v, hi: v + 0.5, loOpen: false, hiOpen: true, count: n }))
}

async function exactQuantiles(column: string): Promise<number[]> {
  return quantilesFromRows(await rows(quantilesQuery({ scope, column, levels: LEVELS, method: 'exactInclusive' })), LEVELS).values
}

async function bracketed(column: string, runs: ValueRun[]) {
  const specs = [{ column, valueRuns: runs }]
  return columnProfilesFromRows(await rows(columnProfilesQuery({ scope, columns: specs })), specs)[0]!.bracketed!
}

function edgesOf(quantiles: readonly number[]): number[] {
  const edges = [-Infinity]
  for (const q of quantiles) if (q > edges[edges.length - 1]!) edges.push(q)
  edges.push(Infinity)
  return edges
}

describe('exact quantiles from value runs', () => {
  it('runs placed from a histogram of the same rows give the engine quantiles and bin counts bit for bit (NaN, ±∞, zeros, negatives)', async () => {
    const column = 'f:mixed:num'
    const runs = runsForQuantiles(equalWidthBuckets(values[column]!, 4096), LEVELS, 0, 100_000)
    expect(runs).not.toBeNull()
    const b = await bracketed(column, runs!)
    const exact = await exactQuantiles(column)
    const got = bracketedQuantiles(b, LEVELS)
    expect(got).not.toBeNull()
    got!.forEach((q, i) => expect(Object.is(q, exact[i]), `level ${LEVELS[i]}: ${q} vs ${exact[i]}`).toBe(true))
    const edges = edgesOf(exact)
    const engine = binCountsFromRows(await rows(binCountsQuery({ scope, column, edges })), edges)
    expect(bracketedBinCounts(b, edges)).toEqual(engine)
    // Far fewer values travel than the window holds.
    expect(b.values.reduce((s, v) => s + v.length, 0)).toBeLessThan(N / 20)
    expect(b.negativeInfinite).toBeGreaterThan(0)
  })

  it('a heavily tied integer column: one run per tied value, counted (all equal to its end), still exact', async () => {
    const column = 'f:ties:num'
    const runs = runsForQuantiles(integerBuckets(values[column]!), LEVELS, 5, 100_000, 1000)
    expect(runs!.some((r) => r.collect === false)).toBe(true)
    const b = await bracketed(column, runs!)
    expect(b.values.every((v, i) => (runs![i]!.collect === false ? v.length === 0 : true))).toBe(true)
    const exact = await exactQuantiles(column)
    expect(bracketedQuantiles(b, LEVELS)).toEqual(exact)
    const edges = edgesOf(exact)
    expect(bracketedBinCounts(b, edges)).toEqual(binCountsFromRows(await rows(binCountsQuery({ scope, column, edges })), edges))
  })

  it('misplaced runs (a histogram of other data) never give another number: exact or null', async () => {
    const column = 'f:mixed:num'
    const exact = await exactQuantiles(column)
    const edges = edgesOf(exact)
    const engine = binCountsFromRows(await rows(binCountsQuery({ scope, column, edges })), edges)
    let resolved = 0
    let refused = 0
    for (const shift of [0.001, 0.05, 0.5, 3]) {
      // The same buckets moved right by `shift` of their width: the ranks the runs were meant for move.
      const buckets = equalWidthBuckets(values[column]!, 512)
      const width = buckets[0]!.hi - buckets[0]!.lo
      const moved = buckets.map((x) => ({ ...x, lo: x.lo + shift * width, hi: x.hi + shift * width }))
      const runs = runsForQuantiles(moved, LEVELS, 0, 100_000)
      const b = await bracketed(column, runs!)
      const got = bracketedQuantiles(b, LEVELS)
      if (got === null) refused++
      else {
        resolved++
        expect(got).toEqual(exact)
      }
      const counts = bracketedBinCounts(b, edges)
      if (counts !== null) expect(counts).toEqual(engine)
      // Every order statistic it does report is the true one.
      const sorted = values[column]!.filter(Number.isFinite).sort((x, y) => x - y)
      for (const rank of [1, 100, 5000, sorted.length]) {
        const s = orderStatistic(b, rank)
        if (s !== null) expect(s).toBe(sorted[rank - 1])
      }
    }
    expect(resolved).toBeGreaterThan(0)
    expect(refused).toBeGreaterThan(0)
  })

  it('a column with no finite value gives NaN quantiles; a constant column its value', async () => {
    const empty = await bracketed('f:empty:num', [{ lo: 0, hi: 1, loOpen: false, hiOpen: false }])
    expect(empty.finite).toBe(0)
    expect(bracketedQuantiles(empty, [0.5])!.every(Number.isNaN)).toBe(true)
    const runs = runsForQuantiles([{ lo: 7.25, hi: 7.2578125, loOpen: false, hiOpen: true, count: N }], LEVELS, 0, 100_000, 1000)
    expect(runs).toEqual([{ lo: 7.25, hi: 7.2578125, loOpen: false, hiOpen: true, collect: false }])
    const constant = await bracketed('f:constant:num', runs!)
    expect(constant.stats[0]).toEqual({ count: N, min: 7.25, max: 7.25 })
    expect(bracketedQuantiles(constant, LEVELS)).toEqual(LEVELS.map(() => 7.25))
    // A run whose values are not all at one end is counted but not resolved: null, never a guess.
    const wide = await bracketed('f:constant:num', [{ lo: 7, hi: 8, loOpen: false, hiOpen: true, collect: false }])
    expect(wide.stats[0]!.count).toBe(N)
    expect(bracketedQuantiles(wide, LEVELS)).toBeNull()
  })
})

describe('run placement and checks', () => {
  const bucket = (lo: number, count: number): CountedRun => ({ lo, hi: lo + 1, loOpen: false, hiOpen: true, count })

  it('merges adjacent buckets into one run, keeps apart the ones with a gap, and refuses too many values', () => {
    const buckets = [bucket(0, 10), bucket(1, 10), bucket(2, 10), bucket(5, 10), bucket(6, 10)]
    // Median of 50 values: ranks 25 and 26, in bucket 2 (ranks 21–30); slack 6 reaches buckets 1..3.
    expect(runsForQuantiles(buckets, [0.5], 6, 1000)).toEqual([{ lo: 1, hi: 6, loOpen: false, hiOpen: true }])
    expect(runsForQuantiles(buckets, [0.1, 0.9], 0, 1000)).toEqual([{ lo: 0, hi: 1, loOpen: false, hiOpen: true }, { lo: 6, hi: 7, loOpen: false, hiOpen: true }])
    expect(runsForQuantiles(buckets, [0.5], 40, 30)).toBeNull()
    expect(runsForQuantiles([], [0.5], 0, 1000)).toBeNull()
  })

  it('rejects runs that overlap, are unordered, have infinite bounds or are too many', () => {
    const bag = new ParamBag()
    expect(() => quantileBracketItems('f:x:num', [], bag)).toThrow(/runs/)
    expect(() => quantileBracketItems('f:x:num', [{ lo: 0, hi: 2, loOpen: false, hiOpen: false }, { lo: 1, hi: 3, loOpen: false, hiOpen: false }], bag)).toThrow(/ascending and disjoint/)
    expect(() => quantileBracketItems('f:x:num', [{ lo: 0, hi: Infinity, loOpen: false, hiOpen: false }], bag)).toThrow(/finite/)
    const many = Array.from({ length: MAX_VALUE_RUNS + 1 }, (_, i) => ({ lo: i, hi: i + 0.5, loOpen: false, hiOpen: false }))
    expect(() => quantileBracketItems('f:x:num', many, bag)).toThrow(/runs/)
    expect(() => bracketedValuesFromRow({ finite: '1' }, [{ lo: 0, hi: 1, loOpen: false, hiOpen: false }])).toThrow(TypeError)
  })
})
