// The statistics package's ClickHouse builders against their TypeScript twins on adversarial doubles,
// on the real engine: values stored by their IEEE bits (−0, NaN, subnormals arrive exactly) in one
// model's predictions table (so the hourly feature rollup's view sees them too), then bin counts,
// quantiles, the numeric summary, quantile brackets, column profiles, fine histograms, the score
// histogram and the regression errors compared with what the package computes in memory.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  binCounts, binCountsFromRows, binCountsQuery, bracketedBinCounts, bracketedQuantiles, bracketedValuesFromRow, clickHouseQuantileExact,
  clickHouseQuantileExactInclusive, columnProfilesFromRows, columnProfilesQuery, fineGrid, fineHistogramFromRows, fineHistogramOf, fineHistogramQuery,
  float64Bits, labelledScoresFromRows, labelledScoresQuery, logLoss, logLossFromScores, brierScore, brierFromScores, missingRatesFromRows,
  missingRatesQuery, numericSummaryFromRows, numericSummaryQuery, ParamBag, populationStd, quantileBracketItems, quantileEdges, quantilesFromRows,
  quantilesQuery, regressionErrorsFromRows, regressionErrorsQuery, reliabilityBins, reliabilityFromScores, runsForQuantiles, scopeClause, scoreBinIndex,
  seededRandom, meanAbsoluteError, rootMeanSquaredError,
  type ColumnProfileSpec, type CountedRun, type PredictionScope, type SqlQuery, type ValueRun,
} from '@aims-monitor/metrics'
import { quantileSorted } from '../packages/metrics/src/shared/quantile.js'
import { bucketOfKeyValue, featureColumn, featureRollupNumbers, numericFeatureRollupName, openStore, PredictionTables, storeConfigFromEnv, type Store } from '@aims-monitor/store'

const dir = mkdtempSync(path.join(tmpdir(), 'aims-edge-values-'))
const DAY = Date.parse('2026-11-20T00:00:00Z')
const MODEL = 'edge-values'
const MAX = Number.MAX_VALUE
const MIN = Number.MIN_VALUE
const MIN_NORMAL = 2.2250738585072014e-308
let store: Store
let scope: PredictionScope
let tableName: string

/** The next double above (1) or below (−1) x. */
function step(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * MIN
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  view.setBigUint64(0, view.getBigUint64(0) + ((x > 0) === (dir > 0) ? 1n : -1n))
  return view.getFloat64(0)
}

const U = 2 ** -53
const random = seededRandom(2026)
/** One feature column per adversarial set (shorter ones padded with NaN, which is "missing" to both sides). */
const SETS: Record<string, number[]> = {
  edges: [NaN, Infinity, -Infinity, -1, step(-1, -1), step(-1, 1), -0, 0, MIN, -MIN, 1, step(1, -1), step(1, 1), 1.7e308, step(1.7e308, -1), MAX, -MAX, 0.5, 2, -3, MIN_NORMAL],
  huge: [-1.7e308, 1.7e308], // consecutive order statistics whose difference overflows
  hugeSum: [1.7e308, 1.7e308, 1.6e308], // the sum overflows, the spread does not
  wide: [-1e200, 1e200, 0, 3e199], // squares overflow, the values and their spread do not
  equal: [7.25, 7.25, 7.25, 7.25, 7.25],
  two: [3, -2],
  tiny: [MIN, -MIN, 1e-310, 0, -0, MIN_NORMAL, step(MIN_NORMAL, -1), -1e-320, 3 * MIN],
  zeros: [-0, 0, -0, -0, 0],
  special: [NaN, Infinity, -Infinity, Infinity, 1, 2, NaN, -Infinity],
  precise: Array.from({ length: 60 }, (_, i) => 1e9 + (i % 7) * 0.1 + (i % 3) * 1e-7), // naive Σx² − n·mean² cancels
  offset: [1e16, 1e16 + 2, 1e16 + 4, 1e16 + 2, 1e16 + 6], // spacing 2 at 1e16: 1e16 + 1 is not a double
  cancel: [1e16, ...new Array<number>(100).fill(1), -1e16], // a running sum loses every 1
  lerp: [-6.659239527873013, 5.214940055588306], // at level LERP_LEVEL numpy's two-sided lerp and a + t·(b − a) part by 4e6 ulps
  ties: Array.from({ length: 240 }, () => (random() < 0.05 ? NaN : Math.floor(random() * 6) - 2 + (random() < 0.1 ? 0.5 : 0))),
}
const N = Math.max(...Object.values(SETS).map((v) => v.length))
const column = (name: string) => `f:${name}:num`
const valuesOf = (name: string) => Array.from({ length: N }, (_, i) => SETS[name]![i] ?? NaN)
const finiteSorted = (values: readonly number[]) => Float64Array.from(values.filter(Number.isFinite)).sort()

/** Scores at the bin edges k/10 and their neighbours, ±0, subnormals, outside [0, 1], NaN; the rest random. */
const SCORES = [0, -0, 1, step(1, -1), step(1, 1), MIN, -MIN, NaN, Infinity, -Infinity, 0.5, step(0.5, -1), step(0.5, 1), 1e-310,
  ...[0.1, 0.2, 0.3, 0.7, 0.9, 0.001, 0.999].flatMap((e) => [e, step(e, -1), step(e, 1)])]
const scores = Array.from({ length: N }, (_, i) => SCORES[i] ?? random())
const labels = Array.from({ length: N }, (_, i) => (i * 7 + (i >> 2)) % 3 === 0 ? 1 : 0)
/** Regression pairs (prediction, outcome): overflowing differences and squares, non-finite, signed zeros, subnormals. */
const PAIRS: [number, number][] = [[1.7e308, -1.7e308], [1e200, -1e200], [NaN, 1], [1, NaN], [Infinity, 1], [1, -Infinity], [-0, 0], [MIN, -MIN], [1e16 + 2, 1e16]]
const pairs = Array.from({ length: N }, (_, i): [number, number] => PAIRS[i] ?? [random() * 100, random() * 100])

/** −0 read as 0 (x + 0 keeps every other value, NaN included). */
const plusZero = (x: number) => x + 0
const bitsArray = (values: readonly number[]) => `[${values.map(float64Bits).join(', ')}]::Array(UInt64)`

async function rows<T = Record<string, unknown>>(q: SqlQuery): Promise<T[]> {
  return (await (await store.client.query({ query: q.query, query_params: q.params, format: 'JSONEachRow' })).json()) as T[]
}

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
  const names = Object.keys(SETS)
  tableName = await new PredictionTables(store).ensure('default', MODEL, names.map((n) => featureColumn(n, 'num')))
  const table = store.table(tableName)
  scope = { table, window: { from: DAY, to: DAY + 3_600_000 } }
  const id = "toUUID(concat('00000000-0000-4000-8000-', leftPad(lower(hex(number)), 12, '0')))"
  const at = (values: readonly number[]) => `reinterpretAsFloat64(${bitsArray(values)}[number + 1])`
  await store.client.command({
    query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, output_score, output_value, ${names.map((n) => `\`${column(n)}\``).join(', ')})
      SELECT ${id}, fromUnixTimestamp64Milli(${DAY} + number), now64(3), '1', 'production', 'ok', 'x', ${at(scores)}, ${at(pairs.map((p) => p[0]))},
        ${names.map((n) => at(valuesOf(n))).join(', ')} FROM numbers(${N})`,
  })
  await store.client.command({
    query: `INSERT INTO ${store.table('outcomes')} (project, model_id, prediction_id, ts, received, label, value)
      SELECT 'default', '${MODEL}', ${id}, fromUnixTimestamp64Milli(${DAY} + number + 1), now64(3), toString([${labels.join(', ')}][number + 1]), ${at(pairs.map((p) => p[1]))} FROM numbers(${N})`,
  })
})

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

const EDGE_SETS: number[][] = [
  [-Infinity, -1, -0, MIN, 1, 1.7e308, Infinity],
  [-0, 1], // −0 as the first edge: 0 and −0 are in, −MIN below
  [0, MIN], // a subnormal bin, closed at MIN
  [-Infinity, Infinity],
  [-MAX, MAX],
  [1, Infinity],
  [-Infinity, -1.7e308],
  [step(-1, -1), -1, step(-1, 1), 7.25, 1e16, 1e16 + 2],
]

it('counts every column against edges at ±0, ±∞, subnormals and the values themselves as binCounts does', async () => {
  for (const name of Object.keys(SETS)) {
    const values = valuesOf(name)
    const edgeSets = [...EDGE_SETS, ...(finiteSorted(values).length ? [quantileEdges(values.filter((v) => Number.isFinite(v) || Number.isNaN(v)), 10)] : [])]
    for (const edges of edgeSets) {
      const sql = binCountsFromRows(await rows(binCountsQuery({ scope, column: column(name), edges })), edges)
      const { counts, below, above, nan } = binCounts(values, edges)
      expect({ counts: sql.counts, below: sql.below, above: sql.above, nan: sql.nan, total: sql.total }, `${name} on ${edges}`).toEqual({ counts, below, above, nan, total: N })
    }
  }
  // Edges that delimit no bins are refused by both: a repeated edge (−0 and 0 are one), NaN.
  for (const edges of [[0, 0, 1], [-0, 0], [0, NaN]]) {
    expect(() => binCountsQuery({ scope, column: column('edges'), edges })).toThrow(RangeError)
    expect(() => binCounts([1], edges)).toThrow()
  }
})

const LERP_LEVEL = 0.5608167166011164
const LEVELS = [0, MIN, 0.1, 0.25, 1 / 3, 0.5, LERP_LEVEL, 0.75, 0.9, step(1, -1), 1]

it('takes exact quantiles as ClickHouse\'s own arithmetic does, and as numpy\'s within u·|x[k+1] − x[k]|', async () => {
  for (const name of Object.keys(SETS)) {
    const values = valuesOf(name)
    const sorted = finiteSorted(values)
    for (const method of ['exactInclusive', 'exact'] as const) {
      const q = quantilesFromRows(await rows(quantilesQuery({ scope, column: column(name), levels: LEVELS, method })), LEVELS)
      expect([q.count, q.nan, q.infinite]).toEqual([sorted.length, values.filter(Number.isNaN).length, values.filter((v) => v === Infinity || v === -Infinity).length])
      const ts = LEVELS.map((l) => (sorted.length === 0 ? NaN : method === 'exact' ? clickHouseQuantileExact(sorted, l) : clickHouseQuantileExactInclusive(sorted, l)))
      // −0 and 0 are one value; which of them an order statistic returns is the sort's choice (numpy's too).
      expect(q.values.map(plusZero), `${method} quantiles of ${name}`).toEqual(ts.map(plusZero))
      if (method === 'exact' || sorted.length === 0) continue
      LEVELS.forEach((level, i) => {
        const numpy = quantileSorted(sorted, level)
        const a = sorted[Math.floor(level * (sorted.length - 1))]!
        const b = sorted[Math.min(Math.floor(level * (sorted.length - 1)) + 1, sorted.length - 1)]!
        if (!Number.isFinite(b - a)) return // both overflow (numpy warns)
        // numpy interpolates from the nearer end (b − (1 − t)·(b − a) for t ≥ ½): not the last bit of the result, but of b − a.
        expect(Math.abs(q.values[i]! - numpy), `${name} at ${level}: ${q.values[i]} vs numpy ${numpy}`).toBeLessThanOrEqual(2 * U * Math.abs(b - a))
      })
    }
  }
})

/** A finite double as an integer multiple of 2^−1074 (exact). */
function scaled(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const exponent = Number((bits >> 52n) & 0x7ffn)
  const fraction = bits & ((1n << 52n) - 1n)
  const magnitude = exponent === 0 ? fraction : (fraction | (1n << 52n)) << BigInt(exponent - 1)
  return bits >> 63n ? -magnitude : magnitude
}

/** p / q · 2^e (p ≥ 0, q > 0) as a double, to ~2^−60 relative (a reference, not a result). */
function toDouble(p: bigint, q: bigint, e: number): number {
  if (p === 0n) return 0
  let r = (p << 128n) / q
  e -= 128
  const excess = r.toString(2).length - 64
  if (excess > 0) {
    r >>= BigInt(excess)
    e += excess
  }
  let x = Number(r)
  while (e !== 0) {
    const k = Math.max(-900, Math.min(900, e))
    x *= 2 ** k
    e -= k
  }
  return x
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1)
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) return x
    x = y
  }
}

/** Mean and population standard deviation of finite doubles in exact rational arithmetic, rounded once. */
function exactMoments(finite: readonly number[]): { mean: number; std: number } {
  const n = BigInt(finite.length)
  const xs = finite.map(scaled)
  const s = xs.reduce((a, b) => a + b, 0n)
  const s2 = xs.reduce((a, b) => a + b * b, 0n)
  const mean = (s < 0n ? -1 : 1) * toDouble(s < 0n ? -s : s, n, -1074)
  // σ = sqrt((n·Σx² − (Σx)²) / n²) · 2^−1074, the root taken on integers scaled by 2^256.
  const std = toDouble(isqrt(((n * s2 - s * s) << 256n) / (n * n)), 1n, -1074 - 128)
  return { mean, std }
}


it('summarises every column: counts and range exactly, mean and std within the bounds of their methods', async () => {
  for (const name of Object.keys(SETS)) {
    const values = valuesOf(name)
    const finite = values.filter(Number.isFinite)
    const s = numericSummaryFromRows(await rows(numericSummaryQuery({ scope, column: column(name) })))
    const count = (p: (v: number) => boolean) => values.filter(p).length
    expect({ count: s.count, nan: s.nan, posInf: s.posInf, negInf: s.negInf, total: s.total }).toEqual({
      count: finite.length, nan: count(Number.isNaN), posInf: count((v) => v === Infinity), negInf: count((v) => v === -Infinity), total: N,
    })
    if (finite.length === 0) {
      expect([s.min, s.max, s.mean, s.std]).toEqual([NaN, NaN, NaN, NaN])
      continue
    }
    expect([s.min + 0, s.max + 0]).toEqual([Math.min(...finite) + 0, Math.max(...finite) + 0])
    const exact = exactMoments(finite)
    const tsStd = populationStd(finite)
    const n = finite.length
    const sumAbs = finite.reduce((a, v) => a + Math.abs(v), 0)
    if (!Number.isFinite(sumAbs) || !Number.isFinite(tsStd)) {
      // Sums or squares beyond the largest double: both forms overflow (numpy too) though the exact mean and σ
      // are finite; the SQL's inf or nan reads NaN (JSON writes both as null), the numpy form's is Infinity.
      expect(Number.isFinite(s.std), `${name}: std ${s.std} vs ${tsStd}`).toBe(false)
      continue
    }
    // Any summation order: |Σ̂ − Σ| ≤ (n − 1)·u·Σ|x|; then one division.
    expect(Math.abs(s.mean - exact.mean), `${name} mean ${s.mean} vs ${exact.mean}`).toBeLessThanOrEqual(n * U * (sumAbs / n) + U * Math.abs(exact.mean))
    // Welford (SQL) and the two-pass numpy form (TS) err by about n·u·(|mean| + σ) (the one-pass Σx² − n·mean²
    // would not hold this), plus the squares' underflow: each is off by up to MIN / 2, so σ by up to √(n·MIN)
    // (σ of the subnormal column: 0 in both, as numpy's, against 9.2e-309).
    const bound = 2 * n * U * (Math.abs(exact.mean) + exact.std) + Math.sqrt(n * MIN)
    expect(Math.abs(s.std - exact.std), `${name} std ${s.std} vs ${exact.std}`).toBeLessThanOrEqual(bound)
    expect(Math.abs(tsStd - exact.std), `${name} populationStd ${tsStd} vs ${exact.std}`).toBeLessThanOrEqual(bound)
  }
})

/** The finite buckets of a column in the hourly feature rollup (what the evaluator places runs from). */
async function rollupBuckets(name: string): Promise<CountedRun[]> {
  const feature = (await featureRollupNumbers(store, tableName))[column(name)]!
  const [row] = await rows<{ keys: number[]; counts: string[] }>({
    query: `SELECT groupArray(key) AS keys, groupArray(n) AS counts FROM (SELECT key, sum(n) AS n FROM ${store.table(numericFeatureRollupName(tableName))}
      WHERE feature = {feature:UInt16} AND isFinite(key) GROUP BY key ORDER BY key)`,
    params: { feature },
  })
  return row!.keys.map((key, i) => bucketOfKeyValue(key, Number(row!.counts[i])))
}

async function bracketed(name: string, runs: readonly ValueRun[]) {
  const bag = new ParamBag()
  const query = `SELECT ${quantileBracketItems(column(name), runs, bag).join(', ')}, count() AS total ${scopeClause(scope, bag)}`
  const [row] = await rows({ query, params: bag.values })
  return bracketedValuesFromRow(row!, runs)
}

it('reads the engine\'s exact quantiles and bin counts from runs placed by the rollup or at edge doubles, or says it cannot', async () => {
  const levels = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]
  for (const name of Object.keys(SETS)) {
    const buckets = await rollupBuckets(name)
    const n = finiteSorted(valuesOf(name)).length
    expect(buckets.reduce((a, b) => a + b.count, 0), `${name}: finite values in the rollup`).toBe(n)
    if (n === 0) continue
    const exact = quantilesFromRows(await rows(quantilesQuery({ scope, column: column(name), levels, method: 'exactInclusive' })), levels).values
    for (const heavy of [8192, 1]) {
      const runs = runsForQuantiles(buckets, levels, 0, 100_000, heavy)!
      const b = await bracketed(name, runs)
      const values = bracketedQuantiles(b, levels)
      // From an exact guide every collected run holds its ranks; counted runs resolve only when all their values equal an end.
      if (heavy === 8192) expect(values, `${name}: runs from the rollup`).not.toBeNull()
      if (values !== null) expect(values.map(plusZero), `${name}, heavy ${heavy}`).toEqual(exact.map(plusZero))
      const edges = [-Infinity, ...exact.filter((q, i) => Number.isFinite(q) && q > (exact[i - 1] ?? -Infinity)), Infinity]
      const counts = bracketedBinCounts(b, edges)
      if (counts !== null) expect(counts, `${name} bins from runs`).toEqual(binCountsFromRows(await rows(binCountsQuery({ scope, column: column(name), edges })), edges))
    }
  }
  // The rollup's outermost keys (the next key overflows) stand for values up to ±MAX_VALUE, closed;
  // their runs end there.
  const buckets = await rollupBuckets('edges')
  expect([buckets[0], buckets[buckets.length - 1]]).toMatchObject([{ lo: -MAX, loOpen: false }, { hi: MAX, hiOpen: false }])
  expect(buckets.every((b) => Number.isFinite(b.lo) && Number.isFinite(b.hi))).toBe(true)
  const outer = runsForQuantiles(buckets, [0, 1], 0, 100)!
  expect([outer[0], outer[outer.length - 1]]).toMatchObject([{ lo: -MAX, loOpen: false }, { hi: MAX, hiOpen: false }])
  // Runs with ends at edge doubles: the largest magnitude, −0 closing a run that 0 is in, the subnormals' open run.
  const runs: ValueRun[] = [
    { lo: -MAX, hi: -MAX, loOpen: false, hiOpen: false },
    { lo: step(-1, -1), hi: -0, loOpen: false, hiOpen: false },
    { lo: 0, hi: MIN_NORMAL, loOpen: true, hiOpen: true },
    { lo: 1, hi: MAX, loOpen: false, hiOpen: false },
  ]
  for (const name of ['edges', 'tiny', 'zeros']) {
    const b = await bracketed(name, runs)
    const exact = quantilesFromRows(await rows(quantilesQuery({ scope, column: column(name), levels, method: 'exactInclusive' })), levels).values
    const values = bracketedQuantiles(b, levels)
    if (values !== null) expect(values.map(plusZero)).toEqual(exact.map(plusZero))
    for (const edges of [[-Infinity, -0, MIN, 1, Infinity], [-Infinity, -1, Infinity], [-Infinity, step(1, 1), 1.7e308, Infinity]]) {
      const counts = bracketedBinCounts(b, edges)
      expect(counts, `${name}: edges inside the runs are known`).not.toBeNull()
      expect(counts).toEqual(binCountsFromRows(await rows(binCountsQuery({ scope, column: column(name), edges })), edges))
    }
  }
})

it('profiles several adversarial columns in one scan exactly as the single-column statements and fineHistogramOf', async () => {
  const names = ['edges', 'tiny', 'zeros', 'special', 'ties', 'equal', 'two', 'precise', 'wide']
  const levels = [0, 0.1, 0.5, 0.9, 1]
  const binEdges = [-Infinity, -1, -0, MIN, 1, Infinity]
  const specs: ColumnProfileSpec[] = []
  for (const name of names) {
    const sorted = finiteSorted(valuesOf(name))
    // A grid's span must be a finite double (fineGrid): the edges column's ±MAX_VALUE fall outside this one.
    const grid = name === 'edges' ? fineGrid(-3, 2, 64) : fineGrid(sorted[0]!, sorted[sorted.length - 1]!, 64)
    const runs = runsForQuantiles(await rollupBuckets(name), levels, 1, 100_000)!
    specs.push(
      { column: column(name), summary: { moments: true }, fineHistogram: grid, quantiles: { levels, method: 'exactInclusive' }, binEdges, valueRuns: runs, missing: 'num' },
      { column: column(name), summary: { moments: false }, quantiles: { levels, method: 'exact' } },
    )
  }
  // No grid spans these; their interpolations and moments overflow (read as ±Infinity or NaN alike on both paths).
  for (const name of ['huge', 'hugeSum']) specs.push({ column: column(name), summary: { moments: true }, quantiles: { levels: LEVELS, method: 'exactInclusive' } })
  const profiles = columnProfilesFromRows(await rows(columnProfilesQuery({ scope, columns: specs })), specs)
  for (const [i, spec] of specs.entries()) {
    const p = profiles[i]!
    const c = spec.column
    const summary = numericSummaryFromRows(await rows(numericSummaryQuery({ scope, column: c })))
    expect(p.summary, c).toEqual(spec.summary!.moments ? summary : { ...summary, mean: NaN, std: NaN })
    expect(p.quantiles, c).toEqual(quantilesFromRows(await rows(quantilesQuery({ scope, column: c, ...spec.quantiles! })), spec.quantiles!.levels))
    if (!spec.fineHistogram) continue
    const histogram = fineHistogramFromRows(await rows(fineHistogramQuery({ scope, column: c, grid: spec.fineHistogram })), spec.fineHistogram)
    expect(p.fineHistogram, c).toEqual(histogram)
    expect(histogram, `${c}: fineHistogramOf`).toEqual(fineHistogramOf(valuesOf(c.slice(2, -4)), spec.fineHistogram))
    expect(p.binCounts, c).toEqual(binCountsFromRows(await rows(binCountsQuery({ scope, column: c, edges: binEdges })), binEdges))
    expect(p.bracketed, c).toEqual(await bracketed(c.slice(2, -4), spec.valueRuns!))
    const missing = missingRatesFromRows(await rows(missingRatesQuery({ scope, columns: [{ column: c, kind: 'num' }] })), [{ column: c, kind: 'num' }])
    expect(p.missing, c).toEqual({ missing: missing.byColumn[c]!.missing, total: missing.total })
  }
})

it('bins scores at the edges k/B, ±0 and subnormals as scoreBinIndex and the calibration bins do; log loss and Brier as in memory', async () => {
  const scored = scores.map((p, i) => [p, labels[i]!] as const).filter(([p]) => Number.isFinite(p) && p >= 0 && p <= 1)
  const ps = scored.map(([p]) => p)
  const ys = scored.map(([, y]) => y)
  for (const scoreBins of [10, 1000]) {
    const options = { scope, latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: MODEL, positiveLabel: 'x', positiveOutcomeLabel: '1', scoreBins }
    const s = labelledScoresFromRows(await rows(labelledScoresQuery(options)), { scoreBins })
    expect([s.scored, s.unscored, s.positives]).toEqual([scored.length, N - scored.length, ys.filter((y) => y === 1).length])
    const positives = new Array<number>(scoreBins).fill(0)
    const negatives = new Array<number>(scoreBins).fill(0)
    for (const [p, y] of scored) (y === 1 ? positives : negatives)[scoreBinIndex(p, scoreBins)]!++
    expect(s.histogram.positives, `B = ${scoreBins}`).toEqual(positives)
    expect(s.histogram.negatives, `B = ${scoreBins}`).toEqual(negatives)
    for (const mode of ['top-label', 'positive-class'] as const) {
      const sql = reliabilityFromScores(s, { bins: 10, mode })
      const ts = reliabilityBins(ys, ps, { bins: 10, mode })
      expect(sql.map((b) => [b.count, b.accuracy]), `${mode}, B = ${scoreBins}`).toEqual(ts.map((b) => [b.count, b.accuracy]))
      sql.forEach((b, k) => expect(Math.abs((b.confidence ?? 0) - (ts[k]!.confidence ?? 0))).toBeLessThan(1e-12))
    }
    expect(logLossFromScores(s)).toBeCloseTo(logLoss(ys, ps), 12)
    expect(brierFromScores(s)).toBeCloseTo(brierScore(ys, ps), 12)
  }
})

it('uses every pair whose prediction and outcome are finite for MAE and RMSE, also one whose error overflows', async () => {
  const errorsOf = async (from: number) => {
    const window = { from: DAY + from, to: DAY + N } // row i is at DAY + i ms
    const sql = regressionErrorsFromRows(await rows(regressionErrorsQuery({ scope: { ...scope, window }, latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: MODEL })))
    const finite = pairs.slice(from).filter(([p, v]) => Number.isFinite(p) && Number.isFinite(v))
    expect([sql.predictions, sql.labelled, sql.count], `pairs from row ${from}`).toEqual([N - from, N - from, finite.length])
    return { sql, mae: meanAbsoluteError(finite.map((p) => p[1]), finite.map((p) => p[0])), rmse: rootMeanSquaredError(finite.map((p) => p[1]), finite.map((p) => p[0])) }
  }
  // Rows 0 and 1: an error beyond the largest double (1.7e308 − (−1.7e308)), a square beyond it (2e200²).
  const all = await errorsOf(0)
  expect([all.sql.mae, all.sql.rmse]).toEqual([NaN, NaN]) // Kahan sums of inf are nan; in memory: MAE NaN (Neumaier), RMSE inf
  expect([all.mae, all.rmse]).toEqual([NaN, Infinity])
  // Without them: ±0, subnormals, 1e16 + 2 − 1e16 and random pairs agree to the last digits.
  const rest = await errorsOf(2)
  expect(rest.sql.mae! / rest.mae).toBeCloseTo(1, 13)
  expect(rest.sql.rmse! / rest.rmse).toBeCloseTo(1, 13)
})
