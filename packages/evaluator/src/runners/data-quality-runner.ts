import {
  categoryCountsFromRows, categoryCountsQuery, missingRatesFromRows, missingRatesQuery,
  ParamBag, quoteIdentifier, scopeClause, type MissingColumn, type MissingRates,
} from '@aims-monitor/metrics'
import { InsufficientData, type MetricComputation, type MetricContext, type MetricItem } from '../metric-context.js'
import { driftData } from './drift-profiles.js'
import { batchMissingColumns, batchMissingKey } from './batch-missing.js'
import { featureColumn } from './feature-columns.js'

/**
 * Data quality of the current window: missing-value rate, out-of-range rate (outside the
 * reference's [min, max] or params.min/max), new-category rate (values the reference never had),
 * and volume (predictions in the window), aggregated in ClickHouse: the batch's missing counts and
 * the window's rows in one statement, the out-of-range counts in the drift profiles' current scan
 * when the batch has one on the same window and reference.
 */
export async function runDataQuality(context: MetricContext): Promise<MetricComputation> {
  const name = context.control.metric.name
  const total = await windowSize(context)
  if (name === 'volume') {
    return { items: [{ name: 'volume', value: total, detail: { predictions: total } }], currentSize: total, referenceSize: null, labelled: null, labelCoverage: null, excludedGroups: [], implementation: 'count() over the window in ClickHouse' }
  }
  if (total < context.control.guard.minSample) throw new InsufficientData(`${total} predictions in the window < minSample ${context.control.guard.minSample}`, { current: total })
  const items: MetricItem[] = []
  for (const feature of context.control.selector.features ?? []) {
    const column = featureColumn(context, feature)
    if ('missing' in column) {
      // A feature never recorded at all is missing in every row: for missing_rate that is the finding.
      items.push(name === 'missing_rate' ? { name: feature, value: 1, detail: { missing: total, total, note: column.missing } } : { name: feature, value: null, insufficient: column.missing, detail: {} })
      continue
    }
    if (name === 'missing_rate') items.push(await missingRate(context, feature, column))
    else if (name === 'out_of_range_rate') items.push(await outOfRangeRate(context, feature, column))
    else items.push(await newCategoryRate(context, feature, column))
  }
  return { items, currentSize: total, referenceSize: null, labelled: null, labelCoverage: null, excludedGroups: [], implementation: `${name} aggregated in ClickHouse` }
}

async function windowSize(context: MetricContext): Promise<number> {
  // The batch's missing-value statement counts the window's rows too: one scan for both.
  const shared = await batchMissingRates(context)
  if (shared) return shared.total
  const bag = new ParamBag()
  const rows = await context.rows<{ n: string }>({ query: `SELECT count() AS n ${scopeClause(context.scope, bag)}`, params: bag.values })
  return Number(rows[0]?.n ?? 0)
}

/**
 * Missing counts of every column the batch's missing_rate controls on the same predictions read, and
 * the window's rows, in one statement shared by the batch (null when it has no such column). The
 * drift profiles' current scan counts them too when the batch has one on these predictions
 * (batch-missing.ts), and then this reads those.
 */
async function batchMissingRates(context: MetricContext): Promise<MissingRates | null> {
  const list = batchMissingColumns(context)
  if (list.length === 0) return null
  return context.shared(batchMissingKey(context, list), async () => missingRatesFromRows(await context.rows(missingRatesQuery({ scope: context.scope, columns: list })), list))
}

async function missingRate(context: MetricContext, feature: string, column: { column: string; kind: string }): Promise<MetricItem> {
  const columns: MissingColumn[] = [{ column: column.column, kind: column.kind === 'str' ? 'str' : 'num' }]
  const shared = await batchMissingRates(context)
  const rates = shared?.byColumn[column.column] ? shared : missingRatesFromRows(await context.rows(missingRatesQuery({ scope: context.scope, columns })), columns)
  const { missing, rate } = rates.byColumn[column.column]!
  return { name: feature, value: rate, detail: { missing, total: rates.total } }
}

async function outOfRangeRate(context: MetricContext, feature: string, column: { column: string; kind: string }): Promise<MetricItem> {
  if (column.kind === 'str') return { name: feature, value: null, insufficient: `${feature} is categorical: use new_category_rate`, detail: {} }
  const params = context.control.metric.params
  let min = typeof params.min === 'number' ? params.min : undefined
  let max = typeof params.max === 'number' ? params.max : undefined
  if ((min === undefined || max === undefined) && context.reference) {
    // The reference's range from the drift profiles when the batch's drift controls on the same
    // windows already summarise this column (one scan for all), else its own summary statement.
    const ref = await driftData(context, context.reference.scope).summary('reference', column.column, false)
    if (ref.count === 0) return { name: feature, value: null, insufficient: `the reference has no value of ${feature}`, detail: {} }
    min ??= ref.min
    max ??= ref.max
  }
  if (min === undefined || max === undefined) return { name: feature, value: null, insufficient: 'no range: give params.min and params.max or a reference', detail: {} }
  if (min < max && context.reference) {
    // The current window's counts at [min, max] from the batch's drift profiles (the same scan as the
    // drift controls on this window), or binCountsQuery's statement: below + above = outside.
    const bins = await driftData(context, context.reference.scope).binCounts('current', column.column, [min, max])
    const present = bins.total - bins.nan
    const outside = bins.below + bins.above
    if (present === 0) return { name: feature, value: null, insufficient: `no value of ${feature} in the window`, detail: { min, max } }
    return { name: feature, value: outside / present, detail: { outside, present, min, max } }
  }
  const bag = new ParamBag()
  const x = quoteIdentifier(column.column)
  const rows = await context.rows<{ outside: string; present: string }>({
    query: `SELECT countIf(NOT isNaN(${x}) AND (${x} < ${bag.float64('min', min)} OR ${x} > ${bag.float64('max', max)})) AS outside, countIf(NOT isNaN(${x})) AS present ${scopeClause(context.scope, bag)}`,
    params: bag.values,
  })
  const outside = Number(rows[0]!.outside)
  const present = Number(rows[0]!.present)
  if (present === 0) return { name: feature, value: null, insufficient: `no value of ${feature} in the window`, detail: { min, max } }
  return { name: feature, value: outside / present, detail: { outside, present, min, max } }
}

async function newCategoryRate(context: MetricContext, feature: string, column: { column: string; kind: string }): Promise<MetricItem> {
  if (column.kind !== 'str' || context.reference === null) return { name: feature, value: null, insufficient: `${feature}: new_category_rate needs a categorical feature and a reference`, detail: {} }
  const ref = categoryCountsFromRows(await context.rows(categoryCountsQuery({ scope: context.reference.scope, column: column.column, topK: 10_000 })))
  const categories = Object.keys(ref.counts)
  const cur = categoryCountsFromRows(await context.rows(categoryCountsQuery({ scope: context.scope, column: column.column, categories })), categories)
  const present = cur.total - cur.missing
  if (present === 0) return { name: feature, value: null, insufficient: `no value of ${feature} in the window`, detail: {} }
  return { name: feature, value: cur.other / present, detail: { newValues: cur.other, distinctNewCategories: cur.otherCategories, present, referenceCategories: categories.length } }
}
