import {
  binCountsFromRows, binCountsQuery, categoryCountsFromRows, categoryCountsQuery, quantilesFromRows, quantilesQuery,
  type PredictionScope, type QuantileMethod,
} from '@aims-monitor/metrics'
import { REFERENCE_ALL_TIME, type Evaluator, type ReferenceDataset, type ReferenceDatasets } from '@aims-monitor/evaluator'
import { featureColumnName, type FeatureKind, type Store } from '@aims-monitor/store'
import { HttpError } from '../http/http-error.js'
import type { DashboardModel } from './model-catalog.js'
import { queryRows } from './query-rows.js'
import type { TimeRange } from './time-range.js'

/** Numeric features: ten bins at deciles. */
const DECILES = Array.from({ length: 9 }, (_, i) => (i + 1) / 10)
/** Categorical features: the categories kept by name; the rest are OTHER. */
export const TOP_CATEGORIES = 20
const OTHER = '(other)'

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
  /** Values of the feature in the range, and rows where it was missing. */
  readonly current: { count: number; missing: number }
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
 * @throws {HttpError} 404 when the model has no such feature.
 */
export async function featureDistribution(store: Store, model: DashboardModel, feature: string, range: TimeRange, reference: ReferenceDataset | null): Promise<Distribution> {
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
  const current: PredictionScope = { table: model.table, window: range }
  const referenceScope: PredictionScope | null = reference && inReference(kind) ? { table: store.table(reference.rowsTable), window: REFERENCE_ALL_TIME } : null
  const sides = { current, reference: referenceScope }
  const { bins, count, missing } = kind === 'str' ? await categoricalBins(store, column, sides) : await numericBins(store, column, sides, kind === 'bool')
  return {
    feature,
    kind,
    reference: referenceScope && reference ? { id: reference.id, rows: reference.rowCount } : null,
    current: { count, missing },
    bins,
  }
}

interface Sides {
  readonly current: PredictionScope
  readonly reference: PredictionScope | null
}

interface Binned {
  readonly bins: DistributionBin[]
  readonly count: number
  readonly missing: number
}

async function numericBins(store: Store, column: string, sides: Sides, isBool: boolean): Promise<Binned> {
  let edges: number[]
  if (isBool) edges = [0, 0.5, 1] // bins [0, 0.5) and [0.5, 1] (the last bin is closed): false (0) and true (1)
  else {
    // The reference is a fixed sample, sorted exactly; the range may hold millions of rows, sampled beyond 8192.
    const [scope, method]: [PredictionScope, QuantileMethod] = sides.reference ? [sides.reference, 'exactInclusive'] : [sides.current, 'approximate']
    const quantiles = quantilesFromRows(await queryRows(store, quantilesQuery({ scope, column, levels: DECILES, method })), DECILES)
    edges = [-Infinity]
    for (const q of quantiles.values) if (Number.isFinite(q) && q > edges[edges.length - 1]!) edges.push(q)
    edges.push(Infinity)
  }
  const count = async (scope: PredictionScope) => binCountsFromRows(await queryRows(store, binCountsQuery({ scope, column, edges })), edges)
  const [cur, ref] = await Promise.all([count(sides.current), sides.reference ? count(sides.reference) : Promise.resolve(null)])
  const curShares = shares(cur.counts)
  const refShares = ref ? shares(ref.counts) : null
  const bins = cur.counts.map((_, i): DistributionBin => {
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
  return { bins, count: cur.total - cur.nan, missing: cur.nan }
}

async function categoricalBins(store: Store, column: string, sides: Sides): Promise<Binned> {
  const top = async (scope: PredictionScope) => categoryCountsFromRows(await queryRows(store, categoryCountsQuery({ scope, column, topK: TOP_CATEGORIES })))
  const [curTop, refTop] = await Promise.all([top(sides.current), sides.reference ? top(sides.reference) : Promise.resolve(null)])
  const candidates = [...new Set([...Object.keys(curTop.counts), ...Object.keys(refTop?.counts ?? {})])]
  let cur = curTop
  let ref = refTop
  if (refTop && candidates.length > 0) {
    // Each side's count of every candidate, so that a category frequent on one side only is compared too.
    const against = async (scope: PredictionScope) => categoryCountsFromRows(await queryRows(store, categoryCountsQuery({ scope, column, categories: candidates })), candidates)
    ;[cur, ref] = await Promise.all([against(sides.current), against(sides.reference!)])
  }
  const curTotal = cur.total - cur.missing
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
  return { bins, count: curTotal, missing: cur.missing }
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
