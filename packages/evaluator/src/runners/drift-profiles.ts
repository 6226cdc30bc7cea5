import type { Control } from '@aims-monitor/controls'
import {
  binCountsFromRows, binCountsQuery, MAX_PROFILE_COLUMNS, missingRatesFromRows, bracketedBinCounts, bracketedQuantiles, columnProfilesFromRows, columnProfilesQuery, fineGrid, fineHistogramFromRows, fineHistogramQuery,
  numericSummaryFromRows, numericSummaryQuery, quantilesFromRows, quantilesQuery, runsForQuantiles,
  type ColumnProfile, type ColumnProfileSpec, type FineGrid, type MissingColumn, type FineHistogram, type NumericSummary, type PredictionScope, type SqlBinCounts,
} from '@aims-monitor/metrics'
import { numberParam, type MetricContext } from '../metric-context.js'
import { batchMissingColumns, offerBatchMissing } from './batch-missing.js'
import { readsSamePredictions } from './batch-target.js'
import { featureColumn } from './feature-columns.js'
import { readRollupGuide } from './rollup-guide.js'

export type Side = 'current' | 'reference'

/** Samples at most this large on both sides are compared exactly from their values (drift-runner.ts). */
export const EXACT_MAX_SAMPLE = 20_000

/** Metrics over reference-quantile bins: the same numbers from bin counts whatever the sample size. */
export const BINNED_EXACTLY = new Set(['psi', 'jensen_shannon', 'hellinger'])
/** Metrics from both sides' summaries and fine histograms (beyond the exact sample size). */
const FROM_HISTOGRAMS = new Set(['ks', 'ks_statistic', 'wasserstein', 'wasserstein_normed'])

/**
 * The inputs the numeric drift metrics read, per side of the comparison. `perQuery` runs one
 * statement per call (cached per batch); `driftData` answers from profiles shared by the batch's
 * drift controls and falls back to `perQuery` for anything the profiles do not hold.
 */
export interface DriftData {
  /**
   * With `range` false the caller reads no min or max (they may be NaN: the guided scans leave them
   * out where a grid is chosen already); `grid` reads them itself when it needs them.
   */
  summary(side: Side, column: string, moments: boolean, range?: boolean): Promise<NumericSummary>
  /** Exact inclusive quantiles (numpy's linear) of the reference's finite values. */
  referenceQuantiles(column: string, levels: readonly number[]): Promise<number[]>
  binCounts(side: Side, column: string, edges: readonly number[]): Promise<SqlBinCounts>
  /** The grid both samples' fine histograms are counted on (gridOf the summaries, unless the profiles chose one). */
  grid(column: string, ref: NumericSummary, cur: NumericSummary): Promise<FineGrid>
  fineHistogram(side: Side, column: string, grid: FineGrid): Promise<FineHistogram>
}

/** The grid both samples' fine histograms are counted on: over both ranges. */
export function gridOf(ref: NumericSummary, cur: NumericSummary): FineGrid {
  return fineGrid(Math.min(ref.min, cur.min), Math.max(ref.max, cur.max))
}

/**
 * Open outer edges around the distinct reference quantiles. NaN quantiles (of an empty reference) are
 * left out, and so are ±∞ ones: an interpolation between finite neighbours more than the largest
 * double apart overflows (quantiles.ts), and the outer edges are open already.
 */
export function edgesOf(quantiles: readonly number[]): number[] {
  const edges = [-Infinity]
  for (const q of quantiles) if (Number.isFinite(q) && q > edges[edges.length - 1]!) edges.push(q)
  edges.push(Infinity)
  return edges
}

/** The `bins` − 1 inner levels of a PSI-like metric's reference-quantile bins. */
export function quantileLevels(control: Control): number[] {
  const bins = numberParam(control, 'bins', 10)
  return Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins)
}

/** One statement per input, each cached per batch: the path of a control with nothing to share. */
export function perQuery(context: MetricContext, referenceScope: PredictionScope): DriftData {
  const scopeOf = (side: Side) => (side === 'current' ? context.scope : referenceScope)
  return {
    async summary(side, column) {
      return numericSummaryFromRows(await context.rows(numericSummaryQuery({ scope: scopeOf(side), column })))
    },
    async referenceQuantiles(column, levels) {
      if (levels.length === 0) return []
      return quantilesFromRows(await context.rows(quantilesQuery({ scope: referenceScope, column, levels, method: 'exactInclusive' })), levels).values
    },
    async binCounts(side, column, edges) {
      return binCountsFromRows(await context.rows(binCountsQuery({ scope: scopeOf(side), column, edges })), edges)
    },
    async grid(column, ref, cur) {
      return gridOf(...(await withRanges(this, column, ref, cur)))
    },
    async fineHistogram(side, column, grid) {
      return fineHistogramFromRows(await context.rows(fineHistogramQuery({ scope: scopeOf(side), column, grid })), grid)
    },
  }
}

interface ColumnNeeds {
  summary: boolean
  /** The reference's standard deviation (normed Wasserstein). */
  moments: boolean
  /** Level sets of PSI-like metrics (by `bins`), as JSON → levels. */
  levels: Map<string, number[]>
  /**
   * Counts of the current window outside the reference's [min, max] (data quality's
   * out_of_range_rate): the reference summary, then the current bin counts at [min, max].
   */
  range: boolean
}

interface Profiles {
  /** Every part computed, per side (a column may have several entries). */
  readonly parts: Record<Side, ColumnProfile[]>
  /** Grids of the histograms chosen from the rollup guide, by column (only where every value fell inside). */
  readonly grids: ReadonlyMap<string, FineGrid>
}

/**
 * The drift inputs of every numeric feature that the batch's drift controls on the same model,
 * windows and reference compare, computed in four scans instead of three or four per control:
 * 1. each side once: the summaries (range, counts; the reference's standard deviation where a normed
 *    Wasserstein needs it), and on the reference the exact quantiles that PSI-like bins start from;
 * 2. each side once: the fine histograms of KS / Wasserstein features (on the grid over both ranges)
 *    and the counts in the reference-quantile bins of PSI-like features.
 * Measured on 10M predictions (bench/evaluator): the window's filter alone costs ~170 ms of CPU per
 * scan of 5M rows, and ten drift controls ran 36 scans. Each value is the aggregate the per-control
 * statements compute (column-profiles.ts), so results are the same; anything the profiles do not
 * hold (another grid or edge set, a sample small enough for the exact path) is asked per statement.
 */
export function driftData(context: MetricContext, referenceScope: PredictionScope): DriftData {
  const fallback = perQuery(context, referenceScope)
  const needs = batchNeeds(context)
  if (needs.size === 0) return fallback
  const key = `drift-profiles\u0000${JSON.stringify({ current: context.scope, reference: referenceScope, needs: [...needs].map(([c, n]) => [c, n.summary, n.moments, [...n.levels.keys()], n.range]) })}`
  const profiles = () => context.shared(key, async () => (await guidedProfiles(context, referenceScope, needs)) ?? computeProfiles(context, referenceScope, needs))
  const find = (list: ColumnProfile[], column: string, has: (p: ColumnProfile) => boolean) => list.find((p) => p.column === column && has(p))
  return {
    async summary(side, column, moments, range = true) {
      const found = find((await profiles()).parts[side], column, (p) => p.summary !== undefined)?.summary
      // A part the scan left out reads NaN (with no finite value, every part does).
      const has = (value: number) => found!.count === 0 || !Number.isNaN(value)
      if (found && (!moments || has(found.std)) && (!range || has(found.min))) return found
      return fallback.summary(side, column, moments)
    },
    async referenceQuantiles(column, levels) {
      if (levels.length === 0) return []
      const found = find((await profiles()).parts.reference, column, (p) => p.quantiles !== undefined && sameNumbers(p.quantiles.levels, levels))
      return found ? found.quantiles!.values : fallback.referenceQuantiles(column, levels)
    },
    async binCounts(side, column, edges) {
      const found = find((await profiles()).parts[side], column, (p) => p.binCounts !== undefined && sameNumbers(p.binCounts.edges, edges))
      return found ? found.binCounts! : fallback.binCounts(side, column, edges)
    },
    async grid(column, ref, cur) {
      return (await profiles()).grids.get(column) ?? gridOf(...(await withRanges(this, column, ref, cur)))
    },
    async fineHistogram(side, column, grid) {
      const found = find((await profiles()).parts[side], column, (p) => p.fineHistogram !== undefined && sameGrid(p.fineHistogram, grid))
      return found ? found.fineHistogram! : fallback.fineHistogram(side, column, grid)
    },
  }
}

/** The two summaries with their min and max, read again where a scan left them out (DriftData.summary). */
async function withRanges(data: DriftData, column: string, ref: NumericSummary, cur: NumericSummary): Promise<[NumericSummary, NumericSummary]> {
  const ranged = (s: NumericSummary, side: Side) => (s.count > 0 && Number.isNaN(s.min) ? data.summary(side, column, false, true) : s)
  return Promise.all([ranged(ref, 'reference'), ranged(cur, 'current')])
}

/**
 * What the drift controls of the batch that share this control's model, scope, current window and
 * reference need, per numeric (non-boolean) column. Each of them derives the same needs from the same
 * batch, so they share one computation.
 */
function batchNeeds(context: MetricContext): Map<string, ColumnNeeds> {
  const own = context.control
  const reference = JSON.stringify(own.window.reference ?? null)
  const sameTarget = (c: Control) => (c.metric.kind === 'drift' || readsReferenceRange(c)) && JSON.stringify(c.window.reference ?? null) === reference && readsSamePredictions(context, c)
  const needs = new Map<string, ColumnNeeds>()
  const controls = context.batch.controls.some((c) => c === own) ? context.batch.controls : [...context.batch.controls, own]
  for (const control of controls.filter(sameTarget)) {
    const name = control.metric.name
    const range = readsReferenceRange(control)
    if (!range && !BINNED_EXACTLY.has(name) && !FROM_HISTOGRAMS.has(name)) continue
    for (const feature of control.selector.features ?? []) {
      const column = featureColumn(context, feature)
      if ('missing' in column || column.kind !== 'num') continue
      const need = needs.get(column.column) ?? { summary: false, moments: false, levels: new Map<string, number[]>(), range: false }
      if (range) need.range = true
      else if (FROM_HISTOGRAMS.has(name)) {
        need.summary = true
        need.moments ||= name === 'wasserstein_normed'
      } else {
        const levels = quantileLevels(control)
        if (levels.length) need.levels.set(JSON.stringify(levels), levels)
      }
      needs.set(column.column, need)
    }
  }
  return needs
}

/** A data-quality control counting the current values outside the reference's range (no explicit min/max). */
function readsReferenceRange(control: Control): boolean {
  const params = control.metric.params
  return control.metric.kind === 'data_quality' && control.metric.name === 'out_of_range_rate' && (typeof params.min !== 'number' || typeof params.max !== 'number')
}

/** The current-window counts at the reference's [min, max] for range columns (out_of_range_rate), when min < max. */
function rangeSpecs(needs: Map<string, ColumnNeeds>, reference: ColumnProfile[]): ColumnProfileSpec[] {
  const specs: ColumnProfileSpec[] = []
  for (const [column, need] of needs) {
    if (!need.range) continue
    const summary = reference.find((p) => p.column === column && p.summary)?.summary
    if (summary && summary.count > 0 && summary.min < summary.max) specs.push({ column, binEdges: [summary.min, summary.max] })
  }
  return specs
}

/** Runs around a quantile's order statistics may hold at most this many values (by the guide) per column. */
const MAX_BRACKETED_VALUES = 200_000

/**
 * The same inputs in one scan per side, when the hourly feature rollup can guide them
 * (rollup-guide.ts): measured on bench/evaluator (10M predictions, ten drift controls) the two
 * phases above took ~3.9 s, two thirds of the evaluation, and most of it was the exact reference
 * quantiles (every value gathered and selected on one thread) and the second read of each side.
 * 1. The rollup gives each side's range and the reference's histogram (milliseconds).
 * 2. The reference scan: summaries and fine histograms on a grid over both sides' rollup ranges,
 *    and for PSI-like features the values inside narrow runs around the order statistics the
 *    quantiles need, with the counts below each run (quantile-brackets.ts): exact quantiles, and
 *    the reference's counts in those quantile bins, from a few thousand values.
 * 3. The current scan: summaries, histograms on the same grid, counts against the exact edges.
 * Every number is checked against the raw rows it was read from: a run that missed an order
 * statistic, or a grid a value fell outside of (the rollup counts retried events twice and is a
 * guide only), leaves that part out, and the per-statement path computes it exactly instead.
 * @returns null when there is no rollup to read (the two-phase path then runs).
 */
async function guidedProfiles(context: MetricContext, referenceScope: PredictionScope, needs: Map<string, ColumnNeeds>): Promise<Profiles | null> {
  const columns = [...needs.keys()]
  const quantiled = new Set(columns.filter((c) => needs.get(c)!.levels.size > 0))
  const summarized = columns.filter((c) => needs.get(c)!.summary)
  const rangeOnly = columns.filter((c) => needs.get(c)!.range && !needs.get(c)!.summary)
  const [refGuide, curGuide] = await Promise.all([
    readRollupGuide(context, referenceScope, columns, quantiled),
    summarized.length ? readRollupGuide(context, context.scope, summarized, new Set()) : Promise.resolve(new Map()),
  ])
  if (refGuide === null || curGuide === null) return null

  const run = async (scope: PredictionScope, specs: ColumnProfileSpec[]): Promise<ColumnProfile[]> =>
    specs.length === 0 ? [] : columnProfilesFromRows(await context.rows(columnProfilesQuery({ scope, columns: specs })), specs)
  const refSpecs: ColumnProfileSpec[] = []
  const curSpecs: ColumnProfileSpec[] = []
  const grids = new Map<string, FineGrid>()
  for (const column of summarized) {
    const need = needs.get(column)!
    const ref = refGuide.get(column)!
    const cur = curGuide.get(column)!
    // The runner's own condition for histograms (values on both sides, beyond the exact path), by the
    // guide. Summary and histogram in one spec: the summary's NaN and finite counts then come from
    // the histogram's cells (columnProfilesQuery), two aggregates fewer per column and side. With a
    // grid the range is not read either (~20 ms per column and side): the grid is checked against
    // the histogram's outer cells below, and only the reference's range of an out_of_range_rate
    // column is read by others (rangeSpecs, the data-quality runner).
    const grid = ref.finite > 0 && cur.finite > 0 && !(ref.values <= EXACT_MAX_SAMPLE && cur.values <= EXACT_MAX_SAMPLE)
      ? fineGrid(Math.min(ref.lo, cur.lo), Math.max(ref.hi, cur.hi))
      : undefined
    if (grid) grids.set(column, grid)
    refSpecs.push({ column, summary: { moments: need.moments, range: !grid || need.range }, fineHistogram: grid })
    curSpecs.push({ column, summary: { moments: false, range: !grid }, fineHistogram: grid })
  }
  for (const column of rangeOnly) refSpecs.push({ column, summary: { moments: false } })
  const bracketLevels = new Map<string, number[][]>()
  for (const column of quantiled) {
    const guide = refGuide.get(column)!
    const levelSets = [...needs.get(column)!.levels.values()]
    const all = [...new Set(levelSets.flat())].sort((a, b) => a - b)
    // Slack for a guide a little off (retried events counted twice): a few ranks, 1e-5 of the values.
    const runs = runsForQuantiles(guide.buckets ?? [], all, 16 + Math.ceil(guide.finite * 1e-5), MAX_BRACKETED_VALUES)
    if (runs === null) continue
    refSpecs.push({ column, valueRuns: runs })
    bracketLevels.set(column, levelSets)
  }
  const reference = await run(referenceScope, refSpecs)

  // Exact quantiles and reference bin counts from the runs; the current side is counted at the edges.
  for (const profile of reference.filter((p) => p.bracketed)) {
    for (const levels of bracketLevels.get(profile.column)!) {
      const values = bracketedQuantiles(profile.bracketed!, levels)
      if (values === null) break
      const b = profile.bracketed!
      reference.push({ column: profile.column, quantiles: { levels, values, count: b.finite, nan: b.nan, infinite: b.total - b.nan - b.finite } })
      const edges = edgesOf(values)
      const binCounts = bracketedBinCounts(b, edges)
      if (binCounts !== null) reference.push({ column: profile.column, binCounts })
      curSpecs.push({ column: profile.column, binEdges: edges })
    }
  }
  curSpecs.push(...rangeSpecs(needs, reference))
  const missing = withBatchMissing(context, curSpecs)
  const current = await run(context.scope, curSpecs)
  offerMissing(context, missing, current)
  // A guided grid that a finite value fell outside of is not used: the runner reads on the exact range.
  for (const column of [...grids.keys()]) {
    const outside = (list: ColumnProfile[]) => list.some((p) => p.column === column && p.fineHistogram && p.fineHistogram.underflow + p.fineHistogram.overflow > infinities(list, column))
    if (outside(reference) || outside(current)) grids.delete(column)
  }
  return { parts: { reference, current }, grids }
}

/** ±∞ values of a column by its summary in the list (they fall outside any grid). */
function infinities(list: ColumnProfile[], column: string): number {
  const summary = list.find((p) => p.column === column && p.summary)?.summary
  return summary ? summary.posInf + summary.negInf : 0
}

async function computeProfiles(context: MetricContext, referenceScope: PredictionScope, needs: Map<string, ColumnNeeds>): Promise<Profiles> {
  const scopes: Record<Side, PredictionScope> = { current: context.scope, reference: referenceScope }
  const run = async (side: Side, specs: ColumnProfileSpec[]): Promise<ColumnProfile[]> =>
    specs.length === 0 ? [] : columnProfilesFromRows(await context.rows(columnProfilesQuery({ scope: scopes[side], columns: specs })), specs)
  const phase1Specs: Record<Side, ColumnProfileSpec[]> = { current: [], reference: [] }
  for (const [column, need] of needs) {
    const levelSets = [...need.levels.values()]
    if (need.summary) phase1Specs.current.push({ column, summary: { moments: false } })
    if (need.summary || levelSets.length || need.range) {
      phase1Specs.reference.push({
        column,
        ...(need.summary || need.range ? { summary: { moments: need.moments } } : {}),
        ...(levelSets.length ? { quantiles: { levels: levelSets[0]!, method: 'exactInclusive' as const } } : {}),
      })
    }
    for (const levels of levelSets.slice(1)) phase1Specs.reference.push({ column, quantiles: { levels, method: 'exactInclusive' } })
  }
  const [current1, reference1] = await Promise.all([run('current', phase1Specs.current), run('reference', phase1Specs.reference)])
  const phase2Specs: Record<Side, ColumnProfileSpec[]> = { current: [], reference: [] }
  for (const [column, need] of needs) {
    if (need.summary) {
      const cur = current1.find((p) => p.column === column && p.summary)!.summary!
      const ref = reference1.find((p) => p.column === column && p.summary)!.summary!
      // The runner's own conditions for reading histograms: values on both sides, beyond the exact path.
      if (cur.count > 0 && ref.count > 0 && !(cur.count <= EXACT_MAX_SAMPLE && ref.count <= EXACT_MAX_SAMPLE)) {
        const grid = gridOf(ref, cur)
        for (const side of ['current', 'reference'] as const) phase2Specs[side].push({ column, fineHistogram: grid })
      }
    }
    for (const profile of reference1.filter((p) => p.column === column && p.quantiles)) {
      const edges = edgesOf(profile.quantiles!.values)
      for (const side of ['current', 'reference'] as const) phase2Specs[side].push({ column, binEdges: edges })
    }
  }
  phase2Specs.current.push(...rangeSpecs(needs, reference1))
  const missing = withBatchMissing(context, phase2Specs.current)
  const [current2, reference2] = await Promise.all([run('current', phase2Specs.current), run('reference', phase2Specs.reference)])
  offerMissing(context, missing, current2)
  return { parts: { current: [...current1, ...current2], reference: [...reference1, ...reference2] }, grids: new Map() }
}

/**
 * Adds the batch's missing counts on these predictions (batch-missing.ts) to a current-side scan
 * that runs anyway (none is added to an empty one), and returns their columns.
 */
function withBatchMissing(context: MetricContext, specs: ColumnProfileSpec[]): MissingColumn[] {
  if (specs.length === 0) return []
  const columns = batchMissingColumns(context)
  // Within the statement's bound on columns; beyond it the missing_rate controls count on their own.
  if (specs.length + columns.length > MAX_PROFILE_COLUMNS) return []
  for (const { column, kind } of columns) specs.push({ column, missing: kind })
  return columns
}

/** Offers the missing counts the current scan made (withBatchMissing) to the batch's missing_rate controls. */
function offerMissing(context: MetricContext, columns: readonly MissingColumn[], current: readonly ColumnProfile[]): void {
  if (columns.length === 0) return
  const counted = columns.map(({ column }) => current.find((p) => p.column === column && p.missing)!.missing!)
  // As missingRatesQuery's row, read by its own reader: the same rates whichever statement counted.
  const row = Object.fromEntries([['total', counted[0]!.total], ...counted.map((c, i) => [`missing_${i}`, c.missing])])
  offerBatchMissing(context, columns, missingRatesFromRows([row], columns))
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]))
}

function sameGrid(a: FineGrid, b: FineGrid): boolean {
  return Object.is(a.lo, b.lo) && Object.is(a.hi, b.hi) && a.bins === b.bins
}
