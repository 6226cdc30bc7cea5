import {
  binCountsFromRows,
  binCountsQuery,
  categoryCountsFromRows,
  categoryCountsQuery,
  numericSummaryFromRows,
  numericSummaryQuery,
  quantilesFromRows,
  quantilesQuery,
  type PredictionScope,
} from '@aims-monitor/metrics'
import type { Store } from '@aims-monitor/store'
import { REFERENCE_ALL_TIME, type CategoricalColumnProfile, type NumericColumnProfile, type ReferenceProfile } from './reference-dataset.js'
import { queryRows } from '@aims-monitor/store'

/** Decile levels 0.1 … 0.9: the inner edges of ten equal-frequency bins. */
export const REFERENCE_DECILES: readonly number[] = Array.from({ length: 9 }, (_, i) => (i + 1) / 10)

/** Categories kept by name in a profile; the rest are summed in `other`. */
export const REFERENCE_TOP_CATEGORIES = 10_000

/** A column of a reference rows table to profile: `num`/`bool` columns are Float64, `str` ones strings. */
export interface ProfiledColumn {
  readonly name: string
  readonly kind: 'num' | 'bool' | 'str'
}

/**
 * The profile of a reference rows table, computed in the engine with the metrics' SQL builders
 * over the whole table (window {@link REFERENCE_ALL_TIME}), so it is what a drift control reading
 * the same table with the same builders would see.
 * - numeric and boolean columns: count (finite values), missing (NaN), min, max, mean, population
 *   std, decile edges (numpy's linear quantiles, as the drift family's `quantileEdges(ref, 10)`:
 *   ties merged, outer edges open) and the count per bin;
 * - string columns: the 10,000 most frequent values, the rest as `other`, '' as missing.
 */
export async function profileReferenceTable(store: Store, table: string, columns: readonly ProfiledColumn[], ignoredColumns: readonly string[]): Promise<ReferenceProfile> {
  const scope: PredictionScope = { table: store.table(table), window: REFERENCE_ALL_TIME }
  const rows = Number((await queryRows<{ n: string }>(store, { query: `SELECT count() AS n FROM ${scope.table}` }))[0]?.n ?? 0)
  const profiles: Record<string, NumericColumnProfile | CategoricalColumnProfile> = {}
  for (const column of columns) {
    profiles[column.name] = column.kind === 'str' ? await categoricalProfile(store, scope, column.name) : await numericProfile(store, scope, column.name, column.kind)
  }
  return { rows, columns: profiles, ignoredColumns: [...ignoredColumns] }
}

async function numericProfile(store: Store, scope: PredictionScope, column: string, kind: 'num' | 'bool'): Promise<NumericColumnProfile> {
  const summary = numericSummaryFromRows(await queryRows(store, numericSummaryQuery({ scope, column })))
  const inner: number[] = []
  if (summary.count > 0) {
    const quantiles = quantilesFromRows(await queryRows(store, quantilesQuery({ scope, column, levels: REFERENCE_DECILES, method: 'exactInclusive' })), REFERENCE_DECILES)
    for (const q of quantiles.values) if (inner.length === 0 || q > inner[inner.length - 1]!) inner.push(q)
  }
  const edges = [-Infinity, ...inner, Infinity]
  const bins = binCountsFromRows(await queryRows(store, binCountsQuery({ scope, column, edges })), edges)
  const stat = (value: number) => (summary.count === 0 ? null : value)
  return {
    kind,
    count: summary.count,
    missing: summary.nan,
    min: stat(summary.min),
    max: stat(summary.max),
    mean: stat(summary.mean),
    std: stat(summary.std),
    binEdges: edges.map(edgeToJson),
    binCounts: bins.counts,
  }
}

async function categoricalProfile(store: Store, scope: PredictionScope, column: string): Promise<CategoricalColumnProfile> {
  const counts = categoryCountsFromRows(await queryRows(store, categoryCountsQuery({ scope, column, topK: REFERENCE_TOP_CATEGORIES })))
  return { kind: 'str', count: counts.total - counts.missing, missing: counts.missing, frequencies: counts.counts, other: counts.other }
}

/** JSON has no infinities: the open outer edges are kept as the strings '-Infinity' and '+Infinity'. */
function edgeToJson(edge: number): number | string {
  if (edge === Infinity) return '+Infinity'
  if (edge === -Infinity) return '-Infinity'
  return edge
}

/**
 * The bin edges of a numeric column profile as numbers (the open ends back to ±Infinity), ready for
 * `binCountsQuery` or the drift family's `binCounts`.
 *
 * @example
 * referenceBinEdges({ binEdges: ['-Infinity', 0.2, 0.4, '+Infinity'], … }) // [-Infinity, 0.2, 0.4, Infinity]
 * @throws {TypeError} for an edge that is neither a number nor an infinity string.
 */
export function referenceBinEdges(profile: Pick<NumericColumnProfile, 'binEdges'>): number[] {
  return profile.binEdges.map((edge, i) => {
    if (typeof edge === 'number') return edge
    if (edge === '+Infinity' || edge === 'Infinity') return Infinity
    if (edge === '-Infinity') return -Infinity
    throw new TypeError(`binEdges[${i}]: expected a number or '±Infinity', got ${JSON.stringify(edge)}`)
  })
}
