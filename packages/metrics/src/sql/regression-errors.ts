import type { OutcomeJoinOptions } from './outcome-join.js'
import { outcomeJoin } from './outcome-join.js'
import { ParamBag, type SqlQuery } from './params.js'
import { assertRows, countCell, floatCell, type ResultRow } from './rows.js'

/** MAE and RMSE of a regression model over the labelled predictions of a window. */
export interface RegressionErrors {
  /** Predictions in the window. */
  readonly predictions: number
  /** Predictions with an outcome. */
  readonly labelled: number
  /** Labelled predictions where both `output_value` and the outcome's `value` are finite: the pairs used. */
  readonly count: number
  /** mean |value − output_value| and sqrt(mean (value − output_value)²); null without a pair. */
  readonly mae: number | null
  readonly rmse: number | null
}

/**
 * The sums of MAE and RMSE (`meanAbsoluteError`, `rootMeanSquaredError` of the performance family) of
 * `output_value` against the latest outcome's `value`, over the labelled predictions of the window
 * where both are finite (NaN is "missing" in the store; a pair with a NaN is left out and not
 * counted), in one row: Kahan sums of |e| and e². The join is {@link outcomeJoin}'s. A pair of
 * finite values whose error or its square overflows is counted, not dropped: its sum is then not
 * finite and MAE or RMSE reads NaN (Kahan's compensation turns inf into nan; scikit-learn's is inf).
 *
 * @example
 * const q = regressionErrorsQuery({ scope, latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: 'demand' })
 * regressionErrorsFromRows(rows) // { predictions, labelled, count, mae, rmse }
 * @throws {TypeError} for bad tables, project or model (see {@link outcomeJoin}).
 */
export function regressionErrorsQuery(options: OutcomeJoinOptions): SqlQuery {
  const bag = new ParamBag()
  const join = outcomeJoin(options, bag, { predictions: ['output_value AS yhat'], outcome: ['value'] })
  const query = `SELECT
  count() AS predictions,
  countIf(matched) AS labelled,
  countIf(valued) AS pairs,
  sumKahan(ae) AS abs_error_sum,
  sumKahan(se) AS sq_error_sum
FROM
(
  SELECT o.matched AS matched, o.value - p.yhat AS err, matched AND isFinite(o.value) AND isFinite(p.yhat) AS valued, if(valued, abs(err), 0) AS ae, if(valued, err * err, 0) AS se
  FROM ${join.from}
)
${join.settings}`
  return { query, params: bag.values }
}

/**
 * Reads the one row of {@link regressionErrorsQuery}.
 * @example
 * regressionErrorsFromRows([{ predictions: '10', labelled: '4', pairs: '4', abs_error_sum: 2, sq_error_sum: 1.5 }])
 * // { predictions: 10, labelled: 4, count: 4, mae: 0.5, rmse: 0.6123724356957945 }
 * @throws {TypeError} unless there is exactly one row of that shape.
 */
export function regressionErrorsFromRows(rows: readonly ResultRow[]): RegressionErrors {
  assertRows(rows, 'rows')
  if (rows.length !== 1) throw new TypeError(`regressionErrorsFromRows: expected one row, got ${rows.length}`)
  const row = rows[0]!
  const at = 'regressionErrorsFromRows'
  const count = countCell(row, 'pairs', at)
  return {
    predictions: countCell(row, 'predictions', at),
    labelled: countCell(row, 'labelled', at),
    count,
    mae: count === 0 ? null : floatCell(row, 'abs_error_sum', at) / count,
    rmse: count === 0 ? null : Math.sqrt(floatCell(row, 'sq_error_sum', at) / count),
  }
}
