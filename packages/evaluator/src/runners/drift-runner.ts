import {
  binCounts, categoryCountsFromRows, categoryCountsQuery, chiSquareDrift, chooseDriftTest, detectDrift,
  hellingerDistance, isDrift, jensenShannonDistance, jensenShannonDrift,
  finiteValuesOnly, ksFromFineHistograms, ksTest, normedWassersteinDistance, NORMED_WASSERSTEIN_MIN_STD, psi, psiFromBins,
  quantileEdges, wassersteinDistance, wassersteinFromFineHistograms, zTestDrift,
  ParamBag, quoteIdentifier, scopeClause, type FineHistogram, type NumericSummary, type PredictionScope,
} from '@aims-monitor/metrics'
import { InsufficientData, numberParam, type MetricComputation, type MetricContext, type MetricItem } from '../metric-context.js'
import { BINNED_EXACTLY, EXACT_MAX_SAMPLE, driftData, edgesOf, quantileLevels, type DriftData } from './drift-profiles.js'
import { featureColumn } from './feature-columns.js'

/**
 * Samples at most this large on both sides are compared exactly, from their distinct values and
 * counts (an aggregate the engine returns, at most this many rows): scipy's exact KS p-value, exact
 * Wasserstein. Beyond, the 4096-bin histograms with their documented error bound.
 */
export { EXACT_MAX_SAMPLE }

type Counts = Record<string, number>

/** Drift of every selected feature between the reference and the current window. */
export async function runDrift(context: MetricContext): Promise<MetricComputation> {
  const reference = context.reference
  if (reference === null) throw new InsufficientData(`control ${context.control.id} declares no reference`)
  const items: MetricItem[] = []
  let currentSize = 0
  let referenceSize = 0
  const methods = new Set<string>()
  // Summaries, quantiles, histograms and bin counts of numeric features come from profiles shared by
  // the batch's drift controls on the same windows (drift-profiles.ts): four scans for all of them.
  const data = driftData(context, reference.scope)
  for (const feature of context.control.selector.features ?? []) {
    const column = featureColumn(context, feature)
    if ('missing' in column) {
      items.push({ name: feature, value: null, insufficient: column.missing, detail: {} })
      continue
    }
    const item = column.kind === 'str'
      ? await categoricalFeature(context, reference.scope, feature, column.column, methods)
      : await numericFeature(context, data, reference.scope, feature, column.column, column.kind === 'bool', methods)
    currentSize = Math.max(currentSize, Number(item.detail.currentSize ?? 0))
    referenceSize = Math.max(referenceSize, Number(item.detail.referenceSize ?? 0))
    items.push(item)
  }
  return {
    items,
    currentSize,
    referenceSize,
    labelled: null,
    labelCoverage: null,
    excludedGroups: [],
    implementation: `@aims-monitor/metrics drift/${context.control.metric.name}: ${[...methods].sort().join('; ') || 'no feature computed'}`,
  }
}

async function numericFeature(context: MetricContext, data: DriftData, referenceScope: PredictionScope, feature: string, column: string, isBool: boolean, methods: Set<string>): Promise<MetricItem> {
  const name = context.control.metric.name
  if (!isBool && BINNED_EXACTLY.has(name)) {
    // Counts in reference-quantile bins are exact at any size: no summary, no small-sample path.
    const result = await binnedNumericValue(context, data, column, null, null, name, methods)
    return { name: feature, ...result }
  }
  // Only the reference's standard deviation is ever read (normed Wasserstein, also as 'auto' may pick
  // it); min and max only by data.grid, which reads them if they are left out.
  const moments = name === 'wasserstein_normed' || name === 'auto'
  const [cur, ref] = await Promise.all([data.summary('current', column, false, false), data.summary('reference', column, moments, false)])
  const sizes = { currentSize: cur.count, referenceSize: ref.count, currentMissing: cur.total - cur.count, referenceMissing: ref.total - ref.count }
  if (cur.count === 0 || ref.count === 0) {
    return { name: feature, value: null, insufficient: `no ${cur.count === 0 ? 'current' : 'reference'} value of ${feature}`, detail: sizes }
  }
  if (isBool || name === 'chi_square' || name === 'z_test') {
    // Booleans (stored 1/0/NaN) and tests of categories over a numeric feature: its values as categories.
    const [curCounts, refCounts] = await Promise.all([valueCounts(context, context.scope, column, EXACT_MAX_SAMPLE), valueCounts(context, referenceScope, column, EXACT_MAX_SAMPLE)])
    if (curCounts === null || refCounts === null) return { name: feature, value: null, insufficient: `${feature} has more than ${EXACT_MAX_SAMPLE} distinct values: not a category`, detail: sizes }
    return categoricalItem(context, feature, toCategoryCounts(refCounts), toCategoryCounts(curCounts), sizes, methods, isBool ? 'binary' : 'categorical')
  }
  if (cur.count <= EXACT_MAX_SAMPLE && ref.count <= EXACT_MAX_SAMPLE) {
    const [curValues, refValues] = await Promise.all([valueCounts(context, context.scope, column, EXACT_MAX_SAMPLE), valueCounts(context, referenceScope, column, EXACT_MAX_SAMPLE)])
    const current = expand(curValues!)
    const referenceValues = expand(refValues!)
    methods.add('exact on the values')
    const result = exactNumeric(context, referenceValues, current)
    return { name: feature, ...result, detail: { ...sizes, ...result.detail } }
  }
  const result = await binnedNumeric(context, data, referenceScope, column, ref, cur, methods)
  return { name: feature, ...result, detail: { ...sizes, ...result.detail } }
}

function exactNumeric(context: MetricContext, reference: Float64Array, current: Float64Array): Omit<MetricItem, 'name'> {
  const name = context.control.metric.name
  switch (name) {
    case 'auto': {
      const result = detectDrift({ kind: 'numeric', reference, current })
      return { value: result.drifted ? 1 : 0, pValue: result.pValue ?? null, detail: { test: result.choice.test, rule: result.choice.rule, score: result.score, threshold: result.choice.threshold, drifted: result.drifted, ksMethod: result.ksMethod } }
    }
    case 'ks':
    case 'ks_statistic': {
      const ks = ksTest(reference, current)
      return { value: name === 'ks' ? ks.pValue : ks.statistic, pValue: ks.pValue, detail: { statistic: ks.statistic, pValue: ks.pValue, method: ks.method } }
    }
    case 'wasserstein':
      return { value: wassersteinDistance(reference, current), detail: {} }
    case 'wasserstein_normed':
      return { value: normedWassersteinDistance(reference, current), detail: {} }
    default: {
      const edges = quantileEdges(reference, numberParam(context.control, 'bins', 10))
      return binDistance(context, binCounts(reference, edges).counts, binCounts(current, edges).counts, edges)
    }
  }
}

async function binnedNumeric(context: MetricContext, data: DriftData, referenceScope: PredictionScope, column: string, ref: NumericSummary, cur: NumericSummary, methods: Set<string>): Promise<Omit<MetricItem, 'name'>> {
  const name = context.control.metric.name
  let test = name
  if (name === 'auto') {
    const distinct = await distinctUpTo(context, [context.scope, referenceScope], column, 6)
    const choice = chooseDriftTest({ kind: 'numeric', referenceSize: ref.count, uniqueValues: Math.max(distinct, 1) })
    if (choice.test !== 'ks' && choice.test !== 'wasserstein_normed') {
      // Evidently treats a numeric feature with at most 5 values as a category.
      const [curCounts, refCounts] = await Promise.all([valueCounts(context, context.scope, column, 16), valueCounts(context, referenceScope, column, 16)])
      const item = categoricalItem(context, column, toCategoryCounts(refCounts!), toCategoryCounts(curCounts!), {}, methods, distinct <= 2 ? 'binary' : 'categorical')
      return { value: item.value, pValue: item.pValue, detail: item.detail }
    }
    test = choice.test === 'ks' ? 'ks' : 'wasserstein_normed'
    const score = await binnedNumericValue(context, data, column, ref, cur, test, methods)
    const drifted = isDrift(score.value!, choice)
    return { value: drifted ? 1 : 0, pValue: score.pValue ?? null, detail: { ...score.detail, test: choice.test, rule: choice.rule, score: score.value, threshold: choice.threshold, drifted } }
  }
  return binnedNumericValue(context, data, column, ref, cur, test, methods)
}

async function binnedNumericValue(context: MetricContext, data: DriftData, column: string, ref: NumericSummary | null, cur: NumericSummary | null, name: string, methods: Set<string>): Promise<Omit<MetricItem, 'name'>> {
  if (name === 'ks' || name === 'ks_statistic' || name === 'wasserstein' || name === 'wasserstein_normed') {
    if (ref === null || cur === null) throw new TypeError(`${name} needs both samples' summaries`)
    const grid = await data.grid(column, ref, cur)
    // Finite values only, as on the exact path (valueCounts): ±∞ are counted apart by the summaries.
    const [refHist, curHist] = (await Promise.all([data.fineHistogram('reference', column, grid), data.fineHistogram('current', column, grid)]))
      .map((h, i) => finiteValuesOnly(h, i === 0 ? ref : cur)) as [FineHistogram, FineHistogram]
    if (name.startsWith('ks')) {
      const ks = ksFromFineHistograms(refHist, curHist)
      methods.add(`KS from ${grid.bins}-bin histograms (D within its bracket, p-value the largest the data allows)`)
      return { value: name === 'ks' ? ks.pValue : ks.value, pValue: ks.pValue, detail: { statistic: ks.value, statisticBracket: [ks.lower, ks.upper], pValue: ks.pValue, pValueAtUpper: ks.pValueAtUpper } }
    }
    const w = wassersteinFromFineHistograms(refHist, curHist)
    methods.add(`Wasserstein from ${grid.bins}-bin histograms (bracketed)`)
    if (name === 'wasserstein') return { value: w.value, detail: { bracket: [w.lower, w.upper] } }
    // The statistics package's (and Evidently's) floor on the norm, as the exact path divides by
    // (normedWassersteinDistance): a constant reference gives W / 0.001 on both paths, not two answers.
    const norm = Math.max(ref.std, NORMED_WASSERSTEIN_MIN_STD)
    return { value: w.value / norm, detail: { bracket: [w.lower / norm, w.upper / norm], referenceStd: ref.std } }
  }
  const bins = numberParam(context.control, 'bins', 10)
  const edges = edgesOf(await data.referenceQuantiles(column, quantileLevels(context.control)))
  const [refBins, curBins] = await Promise.all([data.binCounts('reference', column, edges), data.binCounts('current', column, edges)])
  methods.add(`${bins} reference-quantile bins (numpy linear quantiles, open outer edges)`)
  const sizes = { currentSize: curBins.total - curBins.nan, referenceSize: refBins.total - refBins.nan, currentMissing: curBins.nan, referenceMissing: refBins.nan }
  if (sizes.currentSize === 0 || sizes.referenceSize === 0) {
    return { value: null, insufficient: `no ${sizes.currentSize === 0 ? 'current' : 'reference'} value`, detail: sizes }
  }
  const result = binDistance(context, refBins.counts, curBins.counts, edges)
  return { ...result, detail: { ...sizes, ...result.detail } }
}

function binDistance(context: MetricContext, reference: number[], current: number[], edges: number[]): Omit<MetricItem, 'name'> {
  const name = context.control.metric.name
  const detail = { edges: edges.map(String), referenceCounts: reference, currentCounts: current }
  const p = proportions(reference)
  const q = proportions(current)
  switch (name) {
    case 'psi':
      return { value: psiFromBins(reference, current), detail }
    case 'jensen_shannon':
      return { value: jensenShannonDistance(p, q, numberParam(context.control, 'base', 2)), detail }
    case 'hellinger':
      return { value: hellingerDistance(p, q), detail }
    default:
      throw new TypeError(`drift metric ${name} has no binned form`)
  }
}

async function categoricalFeature(context: MetricContext, referenceScope: PredictionScope, feature: string, column: string, methods: Set<string>): Promise<MetricItem> {
  const refRows = await context.rows(categoryCountsQuery({ scope: referenceScope, column, topK: 10_000 }))
  const ref = categoryCountsFromRows(refRows)
  const categories = Object.keys(ref.counts)
  const cur = categoryCountsFromRows(await context.rows(categoryCountsQuery({ scope: context.scope, column, categories })), categories)
  const sizes = { currentSize: cur.total - cur.missing, referenceSize: ref.total - ref.missing, currentMissing: cur.missing, referenceMissing: ref.missing, unseenCategories: cur.otherCategories }
  if (sizes.currentSize === 0 || sizes.referenceSize === 0) return { name: feature, value: null, insufficient: `no ${sizes.currentSize === 0 ? 'current' : 'reference'} value of ${feature}`, detail: sizes }
  const currentCounts: Counts = { ...cur.counts }
  if (cur.other > 0) currentCounts['(unseen in reference)'] = cur.other
  const kind = categories.length + (cur.other > 0 ? 1 : 0) <= 2 ? 'binary' : 'categorical'
  return categoricalItem(context, feature, ref.counts, currentCounts, sizes, methods, kind)
}

function categoricalItem(context: MetricContext, feature: string, reference: Counts, current: Counts, sizes: Record<string, unknown>, methods: Set<string>, kind: 'binary' | 'categorical'): MetricItem {
  const name = context.control.metric.name
  const detail = { ...sizes, referenceCounts: reference, currentCounts: current }
  methods.add('category counts')
  switch (name) {
    case 'auto': {
      const referenceSize = sum(Object.values(reference))
      const uniqueValues = new Set([...Object.keys(reference), ...Object.keys(current)]).size
      const choice = chooseDriftTest({ kind, referenceSize, uniqueValues })
      let score: number
      let pValue: number | null = null
      if (choice.test === 'chisquare') score = pValue = chiSquareDrift(reference, current).pValue
      else if (choice.test === 'z') score = pValue = zTestDrift(reference, current).pValue
      else score = jensenShannonDrift(reference, current)
      const drifted = isDrift(score, choice)
      return { name: feature, value: drifted ? 1 : 0, pValue, detail: { ...detail, test: choice.test, rule: choice.rule, score, threshold: choice.threshold, drifted } }
    }
    case 'chi_square': {
      // One category on both sides: the test has no degree of freedom (scipy's p is NaN) and the two
      // distributions are the same; said so, rather than failing the control as an error.
      const categories = new Set([...Object.keys(reference), ...Object.keys(current)])
      if (categories.size < 2) return { name: feature, value: null, insufficient: `${feature} has one category (${[...categories].join('')}) in both windows: chi-square has no degree of freedom`, detail }
      const test = chiSquareDrift(reference, current)
      // A category unseen in the reference makes the statistic +∞ (p = 0, as scipy); the record keeps
      // it as text (finite-json.ts).
      return { name: feature, value: test.pValue, pValue: test.pValue, detail: { ...detail, statistic: test.statistic, dof: test.dof } }
    }
    case 'z_test': {
      const test = zTestDrift(reference, current)
      return { name: feature, value: test.pValue, pValue: test.pValue, detail: { ...detail, statistic: test.statistic } }
    }
    case 'psi':
      return { name: feature, value: psi(reference, current), detail }
    case 'jensen_shannon':
    case 'hellinger': {
      const keys = [...new Set([...Object.keys(reference), ...Object.keys(current)])].sort()
      const p = proportions(keys.map((k) => reference[k] ?? 0))
      const q = proportions(keys.map((k) => current[k] ?? 0))
      const value = name === 'hellinger' ? hellingerDistance(p, q) : jensenShannonDistance(p, q, numberParam(context.control, 'base', 2))
      return { name: feature, value, detail }
    }
    default:
      return { name: feature, value: null, insufficient: `${name} applies to numeric features; ${feature} is categorical`, detail }
  }
}

/** Distinct finite values with their counts, ascending; null when there are more than `limit`. */
async function valueCounts(context: MetricContext, scope: PredictionScope, column: string, limit: number): Promise<[number, number][] | null> {
  const bag = new ParamBag()
  const x = quoteIdentifier(column)
  const rows = await context.rows<{ v: number; n: string }>({
    query: `SELECT ${x} AS v, count() AS n ${scopeClause(scope, bag)} AND isFinite(${x}) GROUP BY v ORDER BY v LIMIT ${limit + 1}`,
    params: bag.values,
  })
  if (rows.length > limit) return null
  return rows.map((r) => [Number(r.v), Number(r.n)])
}

/** Distinct finite values over several scopes, counted up to `upTo` (`uniqUpTo`: cheap, never a full distinct count). */
async function distinctUpTo(context: MetricContext, scopes: PredictionScope[], column: string, upTo: number): Promise<number> {
  const x = quoteIdentifier(column)
  let seen = new Set<number>()
  for (const scope of scopes) {
    const bag = new ParamBag()
    const rows = await context.rows<{ v: number }>({
      query: `SELECT DISTINCT ${x} AS v ${scopeClause(scope, bag)} AND isFinite(${x}) LIMIT ${upTo}`,
      params: bag.values,
    })
    seen = new Set([...seen, ...rows.map((r) => Number(r.v))])
    if (seen.size >= upTo) return seen.size
  }
  return seen.size
}

function expand(counts: [number, number][]): Float64Array {
  const values = new Float64Array(counts.reduce((n, [, c]) => n + c, 0))
  let i = 0
  for (const [v, c] of counts) values.fill(v, i, (i += c))
  return values
}

function toCategoryCounts(counts: [number, number][]): Counts {
  return Object.fromEntries(counts.map(([v, n]) => [String(v), n]))
}

function proportions(counts: number[]): number[] {
  const total = sum(counts)
  return counts.map((c) => (total === 0 ? 0 : c / total))
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}
