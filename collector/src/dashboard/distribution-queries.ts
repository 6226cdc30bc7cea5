import {
  binCountsFromRows, binCountsQuery, categoryCountsFromRows, categoryCountsQuery, quantilesFromRows, quantilesQuery,
  type PredictionScope,
} from '@aims-monitor/metrics'
import { REFERENCE_ALL_TIME, type Evaluator, type ReferenceDataset, type ReferenceDatasets } from '@aims-monitor/evaluator'
import { featureColumnName, type FeatureKind, type Store } from '@aims-monitor/store'
import { HttpError } from '../http/http-error.js'
import { numericHistogram, rowCount, stringCounts } from './feature-rollup-scan.js'
import { binHistogram, histogramQuantiles } from './histogram-bins.js'
import type { DashboardModel } from './model-catalog.js'
import { referenceBinsCache, type ReferenceBins } from './reference-bins-cache.js'
import { queryRows } from './query-rows.js'
import type { TimeRange } from './time-range.js'

/** Numeric features: ten bins at deciles. */
const DECILES = Array.from({ length: 9 }, (_, i) => (i + 1) / 10)
/** Categorical features: the categories kept by name; the rest are OTHER. */
export const TOP_CATEGORIES = 20
const OTHER = '(other)'
/**
 * Up to this many predictions in the range, a numeric feature whose histogram buckets an edge cuts
 * is counted exactly from the raw rows instead (measured ~30 ms for 0.86M rows on the bench);
 * beyond, the shares come from the histogram with their error bound.
 */
export const EXACT_SCAN_MAX_ROWS = 1_000_000

export interface DistributionBin {
  readonly label: string
  /** Bin bounds of a numeric feature, null where the bin is open (and for categories). */
  readonly lower: number | null
  readonly upper: number | null
  /** Share of the reference's values in the bin (absent without a reference). */
  readonly reference?: number | null
  /** Share of the range's values in the bin; null when the range has none. */
  readonly current: number | null
}

export interface Distribution {
  readonly feature: string
  readonly kind: FeatureKind
  readonly reference: { id: string; rows: number } | null
  /**
   * Values of the feature in the range, and rows where it was missing; `approximate` when the
   * current shares come from the rollup's histogram with edges inside its buckets, each share then
   * within `maxError` (absolute) of the exact one.
   */
  readonly current: { count: number; missing: number; approximate: boolean; maxError: number }
  readonly bins: DistributionBin[]
}

/**
 * The reference a distribution is compared with: the requested data set; by default the first one
 * a drift control of the model cites, else the model's most recent data set; null when it has none.
 * @throws {HttpError} 404 for a requested id the model does not have.
 */
export async function chooseReference(references: ReferenceDatasets, evaluator: Evaluator | undefined, project: string, modelId: string, requested: string | undefined): Promise<ReferenceDataset | null> {
  if (requested !== undefined) {
    const found = await references.get(project, modelId, requested)
    if (!found) throw new HttpError(404, 'unknown_reference', `model "${modelId}" has no reference data set "${requested}" (GET /v1/models/${encodeURIComponent(modelId)}/references lists them)`)
    return found
  }
  const all = await references.list(project, modelId)
  for (const control of evaluator?.policy.policy.controls ?? []) {
    const declared = control.window.reference
    if (control.scope.project !== project || control.scope.model !== modelId || control.metric.kind !== 'drift' || !declared || !('dataset' in declared)) continue
    const cited = all.find((d) => d.id === declared.dataset)
    if (cited) return cited
  }
  return all[all.length - 1] ?? null
}

/**
 * Reference versus current distribution of one feature, as proportions per bin, every count an
 * aggregate in ClickHouse:
 * - numeric: ten bins at the reference's deciles (the range's without a reference), ties merged,
 *   outer bins open; shares of the non-missing values;
 * - boolean: false and true;
 * - categorical: the 20 categories with the largest share on either side, the rest as "(other)";
 *   shares of the non-missing values.
 * The current side comes from the hourly feature rollups, not from every prediction (a week of the
 * bench's 6M predictions: 0.36–0.56 s scanned, 0.04–0.1 s rolled up; BENCHMARKS.md, run D). Exact
 * except for a numeric feature whose histogram buckets an edge cuts, over more than
 * `exactScanMaxRows` predictions: then `current.approximate` and the bound `maxError`
 * (docs/dashboard-api.md).
 * @throws {HttpError} 404 when the model has no such feature.
 */
export async function featureDistribution(store: Store, model: DashboardModel, feature: string, range: TimeRange, reference: ReferenceDataset | null, options: { exactScanMaxRows?: number } = {}): Promise<Distribution> {
  const kinds = model.features.filter((f) => f.name === feature).map((f) => f.kind)
  if (kinds.length === 0) {
    const names = [...new Set(model.features.map((f) => f.name))]
    throw new HttpError(404, 'unknown_feature', `model "${model.id}" has no feature "${feature}" (its features: ${names.join(', ') || 'none'})`)
  }
  // A feature sent with several kinds: the one the reference holds, else numbers before booleans before strings.
  const order: FeatureKind[] = ['num', 'bool', 'str']
  const inReference = (kind: FeatureKind) => reference?.profile.columns[featureColumnName(feature, kind)] !== undefined
  const kind = order.find((k) => kinds.includes(k) && inReference(k)) ?? order.find((k) => kinds.includes(k))!
  const column = featureColumnName(feature, kind)
  const referenceScope: PredictionScope | null = reference && inReference(kind) ? { table: store.table(reference.rowsTable), window: REFERENCE_ALL_TIME } : null
  // Without the feature rollups every count comes from the raw rows, so it may as well be exact.
  const exactScanMaxRows = store.config.featureRollups === 'off' ? Infinity : (options.exactScanMaxRows ?? EXACT_SCAN_MAX_ROWS)
  const current: Current = { store, model, column, range, exactScanMaxRows }
  const binned = kind === 'str'
    ? await categoricalBins(current, referenceScope)
    : await numericBins(current, referenceScope && reference ? { scope: referenceScope, dataset: reference } : null, kind === 'bool')
  return {
    feature,
    kind,
    reference: referenceScope && reference ? { id: reference.id, rows: reference.rowCount } : null,
    current: { count: binned.count, missing: binned.missing, approximate: binned.maxError > 0, maxError: binned.maxError },
    bins: binned.bins,
  }
}

/** The range's side, read from the hourly feature rollups (feature-rollup-scan.ts). */
interface Current {
  readonly store: Store
  readonly model: DashboardModel
  readonly column: string
  readonly range: TimeRange
  /** Up to this many predictions, numeric bins are counted from the raw rows (EXACT_SCAN_MAX_ROWS). */
  readonly exactScanMaxRows: number
}

interface Binned {
  readonly bins: DistributionBin[]
  readonly count: number
  readonly missing: number
  /** Largest absolute error of a current share (0: exact). */
  readonly maxError: number
}

async function numericBins(current: Current, reference: { scope: PredictionScope; dataset: ReferenceDataset } | null, isBool: boolean): Promise<Binned> {
  const { store, column } = current
  // Booleans are 0 or 1 (the encoder writes nothing else): bins (−∞, 0.5) and [0.5, ∞], false and
  // true; open at both ends, so that no histogram bucket (1's is [1, 1.004)) straddles an edge.
  const boolEdges = [-Infinity, 0.5, Infinity]
  const binsAt = async (scope: PredictionScope, edges: readonly number[]) => binCountsFromRows(await queryRows(store, binCountsQuery({ scope, column, edges })), edges).counts
  // The reference is a fixed sample, sorted exactly, and never changes: its side is computed once.
  const referenceSide = (r: NonNullable<typeof reference>): Promise<ReferenceBins> => referenceBinsCache.get(r.dataset, `${column}${isBool ? ' bool' : ''}`, async () => {
    const edges = isBool ? boolEdges : edgesAt(quantilesFromRows(await queryRows(store, quantilesQuery({ scope: r.scope, column, levels: DECILES, method: 'exactInclusive' })), DECILES).values)
    return { edges, counts: await binsAt(r.scope, edges) }
  })
  const [histogram, ref] = await Promise.all([numericHistogram(store, current.model, column, current.range), reference ? referenceSide(reference) : Promise.resolve(null)])
  const raw: PredictionScope = { table: current.model.table, window: current.range }
  const small = histogram.rows <= current.exactScanMaxRows
  // Without a reference, the range's own deciles: ClickHouse's `quantiles` over a small range
  // (sampled beyond 8192 values); over a large one, from the histogram, each at the lower end of
  // its bucket so that no edge cuts a bucket.
  const edges = isBool ? boolEdges
    : ref ? [...ref.edges]
      : small ? edgesAt(quantilesFromRows(await queryRows(store, quantilesQuery({ scope: raw, column, levels: DECILES, method: 'approximate' })), DECILES).values)
        : edgesAt(histogramQuantiles(histogram.buckets, DECILES))
  const fromHistogram = binHistogram(histogram.buckets, edges)
  let curCounts = fromHistogram.counts
  let errors = fromHistogram.errors
  if (fromHistogram.approximate && small) {
    // Few rows: the exact count is cheap, so an edge inside a bucket costs no precision.
    curCounts = await binsAt(raw, edges)
    errors = errors.map(() => 0)
  }
  const curShares = shares(curCounts)
  const refShares = ref ? shares(ref.counts) : null
  const curTotal = curCounts.reduce((s, n) => s + n, 0)
  const bins = curCounts.map((_, i): DistributionBin => {
    const lower = edges[i]!
    const upper = edges[i + 1]!
    const label = isBool ? (i === 0 ? 'false' : 'true') : numericLabel(lower, upper)
    return {
      label,
      lower: isBool || !Number.isFinite(lower) ? null : lower,
      upper: isBool || !Number.isFinite(upper) ? null : upper,
      ...(refShares ? { reference: refShares[i]! } : {}),
      current: curShares[i]!,
    }
  })
  const maxError = curTotal > 0 ? Math.max(0, ...errors.map((e) => e / curTotal)) : 0
  return { bins, count: fromHistogram.total, missing: histogram.rows - fromHistogram.total, maxError: roundUp(maxError) }
}

async function categoricalBins(current: Current, reference: PredictionScope | null): Promise<Binned> {
  const { store, model, column, range } = current
  const refTopOf = async (scope: PredictionScope) => categoryCountsFromRows(await queryRows(store, categoryCountsQuery({ scope, column, topK: TOP_CATEGORIES })))
  const [curTop, refTop, rows] = await Promise.all([
    stringCounts(store, model, column, range, { topK: TOP_CATEGORIES }),
    reference ? refTopOf(reference) : Promise.resolve(null),
    rowCount(store, model, range),
  ])
  const candidates = [...new Set([...Object.keys(curTop.counts), ...Object.keys(refTop?.counts ?? {})])]
  let cur = curTop
  let ref = refTop
  if (refTop && candidates.length > 0) {
    // Each side's count of every candidate, so that a category frequent on one side only is compared too.
    ;[cur, ref] = await Promise.all([
      stringCounts(store, model, column, range, { categories: candidates }),
      (async () => categoryCountsFromRows(await queryRows(store, categoryCountsQuery({ scope: reference!, column, categories: candidates })), candidates))(),
    ])
  }
  const curTotal = cur.values
  const refTotal = ref ? ref.total - ref.missing : 0
  const share = (n: number, total: number) => (total > 0 ? n / total : null)
  const score = (c: string) => Math.max(share(cur.counts[c] ?? 0, curTotal) ?? 0, ref ? (share(ref.counts[c] ?? 0, refTotal) ?? 0) : 0)
  const kept = candidates.sort((a, b) => score(b) - score(a) || (a < b ? -1 : a > b ? 1 : 0)).slice(0, TOP_CATEGORIES)
  const bin = (label: string, curN: number, refN: number): DistributionBin => ({
    label, lower: null, upper: null,
    ...(ref ? { reference: share(refN, refTotal) } : {}),
    current: share(curN, curTotal),
  })
  const bins = kept.map((c) => bin(c, cur.counts[c] ?? 0, ref?.counts[c] ?? 0))
  const curOther = curTotal - kept.reduce((s, c) => s + (cur.counts[c] ?? 0), 0)
  const refOther = ref ? refTotal - kept.reduce((s, c) => s + (ref!.counts[c] ?? 0), 0) : 0
  if (curOther > 0 || refOther > 0) bins.push(bin(OTHER, curOther, refOther))
  // Categories are counted exactly (the rollup keeps every value per hour).
  return { bins, count: curTotal, missing: rows - curTotal, maxError: 0 }
}

/** An error bound rounded up to 3 significant digits (rounding must not make it smaller). */
function roundUp(x: number): number {
  if (x === 0) return 0
  const scale = 10 ** (Math.floor(Math.log10(x)) - 2)
  return Math.ceil(x / scale) * scale
}

/** Bin edges at quantiles: finite ones, strictly increasing (ties merged), outer bins open. */
function edgesAt(quantiles: readonly number[]): number[] {
  const edges = [-Infinity]
  for (const q of quantiles) if (Number.isFinite(q) && q > edges[edges.length - 1]!) edges.push(q)
  edges.push(Infinity)
  return edges
}

function shares(counts: readonly number[]): (number | null)[] {
  const total = counts.reduce((s, n) => s + n, 0)
  return counts.map((n) => (total > 0 ? n / total : null))
}

function numericLabel(lower: number, upper: number): string {
  const f = (x: number) => String(Number(x.toPrecision(6)))
  if (!Number.isFinite(lower) && !Number.isFinite(upper)) return 'all values'
  if (!Number.isFinite(lower)) return `< ${f(upper)}`
  if (!Number.isFinite(upper)) return `≥ ${f(lower)}`
  return `[${f(lower)}, ${f(upper)})`
}
