import type { ConfusionCounts } from '../performance/index.js'
import { withCoverage } from './confusion-cells.js'
import { quoteIdentifier } from './identifiers.js'
import { outcomeJoin, type OutcomeJoinOptions } from './outcome-join.js'
import { ParamBag, type SqlQuery } from './params.js'
import { assertRows, countCell, stringCell, type ResultRow } from './rows.js'

/** A binary confusion matrix of one group, over the predictions that have an outcome. */
export interface GroupConfusion {
  readonly tp: number
  readonly fp: number
  readonly tn: number
  readonly fn: number
  /** Predictions in the window for this group, with or without an outcome. */
  readonly predictions: number
  /** Predictions with an outcome (= tp + fp + tn + fn). */
  readonly labelled: number
  /** labelled / predictions: how much of the group the matrix rests on (label delay, lost outcomes). */
  readonly coverage: number
}

export interface ConfusionByGroup {
  /** Group value → matrix; the group '' holds predictions without the attribute. */
  readonly byGroup: Record<string, GroupConfusion>
  readonly overall: GroupConfusion
}

export interface ConfusionByGroupOptions extends OutcomeJoinOptions {
  /** Attribute name (column `a:<name>`) to group by; omitted: one group ''. */
  readonly groupBy?: string | undefined
  /** The predicted label (`output_label`) that counts as positive. */
  readonly positiveLabel: string
  /** The outcome label that counts as positive; defaults to `positiveLabel` (a model predicting
   * 'approve' may be judged by outcomes 'repaid'). */
  readonly positiveOutcomeLabel?: string | undefined
  /**
   * Predicted positive when `output_score >= scoreThreshold` instead of `output_label =
   * positiveLabel` (a NaN score is then predicted negative).
   */
  readonly scoreThreshold?: number | undefined
}

/**
 * Confusion matrices per group: predictions in the window joined with the latest outcome of each
 * prediction ({@link outcomeJoin}: pass `latestOutcomesTable`, the store's `outcomes_latest`, for
 * the fast sorted merge join, or `outcomesTable` for `argMax` over every outcome event), grouped by
 * an attribute column.
 *
 * The latest outcome: a corrected outcome (later `ts`) wins; between rows with the same `ts` (a
 * retry not yet merged away) the later receipt wins. The join is a LEFT join, so predictions
 * without an outcome are counted in `predictions` but in no cell of the matrix. `final` applies to
 * the predictions table only: the outcome side is always collapsed to one row per prediction.
 * Several attributes over one join: {@link confusionByAttributesQuery}.
 *
 * @example
 * const { query, params } = confusionByGroupQuery({
 *   scope, latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: 'credit-risk',
 *   groupBy: 'sex', positiveLabel: 'approve',
 * })
 * const { byGroup, overall } = confusionByGroupFromRows(rows) // byGroup.female = { tp, fp, tn, fn, predictions, labelled, coverage }
 * @throws {TypeError} for a bad table expression, a non-string label, or not exactly one outcomes table.
 * @throws {RangeError} for a NaN `scoreThreshold`.
 */
export function confusionByGroupQuery(options: ConfusionByGroupOptions): SqlQuery {
  const bag = new ParamBag()
  const { predicted, actual } = binaryOutcomeExpressions(options, bag)
  const group = options.groupBy === undefined ? "''" : quoteIdentifier(`a:${options.groupBy}`)
  const join = outcomeJoin(options, bag, { predictions: [`${group} AS g`, `${predicted} AS predicted`], outcome: [`${actual} AS actual`] })
  const query = `SELECT
  toString(g) AS grp,
  countIf(matched AND predicted AND actual) AS tp,
  countIf(matched AND predicted AND NOT actual) AS fp,
  countIf(matched AND NOT predicted AND NOT actual) AS tn,
  countIf(matched AND NOT predicted AND actual) AS fn,
  count() AS predictions,
  countIf(matched) AS labelled
FROM
(
  SELECT p.g AS g, p.predicted AS predicted, o.actual AS actual, o.matched AS matched
  FROM ${join.from}
)
GROUP BY g
ORDER BY grp
${join.settings}`
  return { query, params: bag.values }
}

/**
 * The `predicted` and `actual` booleans of a binary outcome metric, every value bound: `predicted`
 * over the predictions table (`output_label`, or `output_score >= scoreThreshold`), `actual` over
 * the latest outcome (`label`); see {@link outcomeJoin} for where each is evaluated.
 * @throws {TypeError} for non-string labels; {@link RangeError} for a NaN threshold.
 */
export function binaryOutcomeExpressions(
  options: Pick<ConfusionByGroupOptions, 'positiveLabel' | 'positiveOutcomeLabel' | 'scoreThreshold'>,
  bag: ParamBag,
): { predicted: string; actual: string } {
  if (typeof options.positiveLabel !== 'string') throw new TypeError('positiveLabel: expected a string')
  if (options.positiveOutcomeLabel !== undefined && typeof options.positiveOutcomeLabel !== 'string') throw new TypeError('positiveOutcomeLabel: expected a string')
  let predicted: string
  if (options.scoreThreshold !== undefined) {
    if (typeof options.scoreThreshold !== 'number' || Number.isNaN(options.scoreThreshold)) throw new RangeError('scoreThreshold: expected a number')
    predicted = `output_score >= ${bag.float64('score_threshold', options.scoreThreshold)}`
  } else {
    // A comparison on a LowCardinality column is a LowCardinality(UInt8): carried through the join
    // and aggregated as such it cost ~25% more CPU over 10M rows than a plain UInt8.
    predicted = `CAST(output_label = ${bag.bind('positive_label', 'String', options.positiveLabel)} AS UInt8)`
  }
  const actual = `CAST(label = ${bag.bind('positive_outcome_label', 'String', options.positiveOutcomeLabel ?? options.positiveLabel)} AS UInt8)`
  return { predicted, actual }
}

/**
 * Turns the rows of {@link confusionByGroupQuery} into matrices per group and overall.
 * A group with no prediction in the window has no row; `coverage` of an empty `overall` is 0, not NaN.
 *
 * @example
 * confusionByGroupFromRows([{ grp: 'f', tp: '3', fp: '1', tn: '4', fn: '2', predictions: '20', labelled: '10' }])
 * // byGroup.f = { tp: 3, fp: 1, tn: 4, fn: 2, predictions: 20, labelled: 10, coverage: 0.5 }
 * @throws {TypeError} on rows of another shape; {@link RangeError} when the cells do not add up.
 */
export function confusionByGroupFromRows(rows: readonly ResultRow[]): ConfusionByGroup {
  assertRows(rows, 'rows')
  const at = 'confusionByGroupFromRows'
  const entries: [string, GroupConfusion][] = []
  const sum = { tp: 0, fp: 0, tn: 0, fn: 0, predictions: 0, labelled: 0 }
  for (const row of rows) {
    const cells = {
      tp: countCell(row, 'tp', at),
      fp: countCell(row, 'fp', at),
      tn: countCell(row, 'tn', at),
      fn: countCell(row, 'fn', at),
      predictions: countCell(row, 'predictions', at),
      labelled: countCell(row, 'labelled', at),
    }
    if (cells.tp + cells.fp + cells.tn + cells.fn !== cells.labelled || cells.labelled > cells.predictions) {
      throw new RangeError(`${at}: cells of group ${JSON.stringify(row.grp)} do not add up`)
    }
    entries.push([stringCell(row, 'grp', at), withCoverage(cells)])
    for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += cells[key]
  }
  return { byGroup: Object.fromEntries(entries), overall: withCoverage(sum) }
}

/**
 * The confusion counts per group that the fairness family's `fairnessMetricsFromCounts` takes.
 * The group '' (predictions without the attribute) is left out unless `includeMissing` is set: it
 * is not a value of the sensitive attribute.
 *
 * @example
 * fairnessMetricsFromCounts({ groups: fairnessGroupsOf(confusionByGroupFromRows(rows)), minGroupSize: 30 })
 */
export function fairnessGroupsOf(confusion: ConfusionByGroup, options: { includeMissing?: boolean } = {}): Record<string, ConfusionCounts> {
  const entries = Object.entries(confusion.byGroup)
    .filter(([group]) => group !== '' || options.includeMissing === true)
    .map(([group, c]): [string, ConfusionCounts] => [group, { tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn }])
  return Object.fromEntries(entries)
}
