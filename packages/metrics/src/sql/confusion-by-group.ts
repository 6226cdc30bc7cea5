import type { ConfusionCounts } from '../performance/index.js'
import { assertTableExpression, quoteIdentifier } from './identifiers.js'
import { ParamBag, type SqlQuery } from './params.js'
import { assertRows, countCell, stringCell, type ResultRow } from './rows.js'
import { scopeParts, type PredictionScope } from './scope.js'

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

export interface ConfusionByGroupOptions {
  readonly scope: PredictionScope
  /** `database`.`outcomes` (see {@link qualifiedTable}). */
  readonly outcomesTable: string
  /** The outcomes table holds every model: these select this model's rows. */
  readonly project: string
  readonly modelId: string
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
  /**
   * Aggregate only the outcomes of predictions in the scope (`prediction_id IN (SELECT id …)`),
   * default true: the outcomes table holds the model's whole retention, and a day's evaluation
   * should not aggregate a year of outcomes. The result is the same either way (only those
   * outcomes can join). Measured over 10M outcomes: a 12-hour window of 2.5M predictions 1.5 s
   * with, 3.2 s without; a window holding the whole table 6.7 s with, 4.6 s without (pass false
   * when the window covers most of the table).
   */
  readonly preFilterOutcomes?: boolean | undefined
}

/** (ts, received) as one Int128 (see {@link confusionByGroupQuery}); 2^64 is a constant, not a value. */
const LATEST_KEY = "toInt128(toUnixTimestamp64Milli(ts)) * toInt128('18446744073709551616') + toUnixTimestamp64Milli(received)"

/**
 * Confusion matrices per group: predictions in the window joined with the latest outcome of each
 * prediction, grouped by an attribute column.
 *
 * The latest outcome is the `argMax` of the label per `prediction_id` by (ts, received): a
 * corrected outcome (later `ts`) wins; between rows with the same `ts` (a retry not yet merged
 * away) the later receipt wins, as ReplacingMergeTree(received) would keep it. The pair is packed
 * into one Int128, ts·2^64 + received (milliseconds), which orders exactly like the tuple for any
 * Int64 values: `argMax` over a tuple was 3-10× slower over 10M outcomes here (7-21 s against
 * 2.3-2.6 s for the aggregation alone, docs/metrics.md). The join is a LEFT join, so
 * predictions without an outcome are counted in `predictions` but in no cell of the matrix; the
 * `matched` marker tells them apart without Nullable columns. `final` applies to the predictions
 * table only: the argMax already collapses duplicate outcomes.
 *
 * @example
 * const { query, params } = confusionByGroupQuery({
 *   scope, outcomesTable: store.table('outcomes'), project: 'default', modelId: 'credit-risk',
 *   groupBy: 'sex', positiveLabel: 'approve',
 * })
 * const { byGroup, overall } = confusionByGroupFromRows(rows) // byGroup.female = { tp, fp, tn, fn, predictions, labelled, coverage }
 * @throws {TypeError} for a bad table expression or a non-string label.
 * @throws {RangeError} for a NaN `scoreThreshold`.
 */
export function confusionByGroupQuery(options: ConfusionByGroupOptions): SqlQuery {
  const outcomes = assertTableExpression(options.outcomesTable, 'outcomesTable')
  for (const key of ['project', 'modelId', 'positiveLabel'] as const) {
    if (typeof options[key] !== 'string') throw new TypeError(`${key}: expected a string`)
  }
  if (options.positiveOutcomeLabel !== undefined && typeof options.positiveOutcomeLabel !== 'string') throw new TypeError('positiveOutcomeLabel: expected a string')
  const bag = new ParamBag()
  let predicted: string
  if (options.scoreThreshold !== undefined) {
    if (typeof options.scoreThreshold !== 'number' || Number.isNaN(options.scoreThreshold)) throw new RangeError('scoreThreshold: expected a number')
    predicted = `p.output_score >= ${bag.float64('score_threshold', options.scoreThreshold)}`
  } else {
    predicted = `p.output_label = ${bag.bind('positive_label', 'String', options.positiveLabel)}`
  }
  const actual = `argMax(label, ${LATEST_KEY}) = ${bag.bind('positive_outcome_label', 'String', options.positiveOutcomeLabel ?? options.positiveLabel)}`
  const group = options.groupBy === undefined ? "''" : `toString(p.${quoteIdentifier(`a:${options.groupBy}`)})`
  const project = bag.bind('project', 'String', options.project)
  const modelId = bag.bind('model_id', 'String', options.modelId)
  const scope = scopeParts(options.scope, bag, 'p')
  const preFilter = options.preFilterOutcomes !== false
  const window = preFilter ? `\n      AND prediction_id IN (SELECT p.id FROM ${scope.from} WHERE ${scope.where})` : ''
  // Not through the primary key: ClickHouse would otherwise analyse the key against the whole id
  // set, which took 30 s instead of 7 for a 10M-id set here (and random UUIDs skip no granule).
  const settings = preFilter ? '\nSETTINGS use_index_for_in_with_subqueries = 0' : ''
  const query = `SELECT
  grp,
  countIf(matched AND predicted AND actual) AS tp,
  countIf(matched AND predicted AND NOT actual) AS fp,
  countIf(matched AND NOT predicted AND NOT actual) AS tn,
  countIf(matched AND NOT predicted AND actual) AS fn,
  count() AS predictions,
  countIf(matched) AS labelled
FROM
(
  SELECT ${group} AS grp, ${predicted} AS predicted, o.actual AS actual, o.matched AS matched
  FROM ${scope.from}
  LEFT JOIN
  (
    SELECT prediction_id, ${actual} AS actual, toUInt8(1) AS matched
    FROM ${outcomes}
    WHERE project = ${project} AND model_id = ${modelId}${window}
    GROUP BY prediction_id
  ) AS o ON o.prediction_id = p.id
  WHERE ${scope.where}
)
GROUP BY grp
ORDER BY grp${settings}`
  return { query, params: bag.values }
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

function withCoverage(cells: Omit<GroupConfusion, 'coverage'>): GroupConfusion {
  return { ...cells, coverage: cells.predictions === 0 ? 0 : cells.labelled / cells.predictions }
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
