import { assertTableExpression } from './identifiers.js'
import type { ParamBag } from './params.js'
import { scopeParts, type PredictionScope } from './scope.js'

/**
 * Where the outcome-based builders (confusion matrices, labelled scores) find each prediction's
 * latest outcome. Give exactly one of the two tables.
 */
export interface OutcomeJoinOptions {
  readonly scope: PredictionScope
  /**
   * `database`.`outcomes_latest` (store migration 0005): one row per prediction once merged, read
   * with FINAL in key order and merge-joined (`full_sorting_merge`) — the fast path. Measured over
   * 10M predictions and 10M outcomes: 1.8 s against 7.5 s for the argMax path, 4.4× less CPU
   * (docs/metrics.md, "Outcome join").
   */
  readonly latestOutcomesTable?: string | undefined
  /**
   * `database`.`outcomes` (every outcome event): the latest outcome is taken at query time with
   * `argMax` per prediction and hash-joined. Kept for stores and tools without migration 0005.
   */
  readonly outcomesTable?: string | undefined
  /** The outcomes tables hold every model: these select this model's rows. */
  readonly project: string
  readonly modelId: string
  /**
   * `outcomesTable` only: aggregate only the outcomes of predictions in the scope (`prediction_id IN
   * (SELECT id …)`), default true. Measured over 10M outcomes: a 12-hour window of 2.5M predictions
   * 1.5 s with, 3.2 s without; a window holding the whole table 6.7 s with, 4.6 s without. The
   * latest table needs no pre-filter: it is read once in key order (~0.65 CPU-s per 10M rows with
   * FINAL), and a one-hour window of a 10M-prediction table took 0.45 s against 0.58 s pre-filtered.
   */
  readonly preFilterOutcomes?: boolean | undefined
}

/** The join as the FROM clause of a statement, and the SETTINGS clause that goes with it. */
export interface OutcomeJoin {
  /**
   * `(SELECT id, <predictions columns> FROM <table> WHERE <scope>) AS p ANY LEFT JOIN (SELECT
   * prediction_id, <outcome columns>, matched …) AS o ON o.prediction_id = p.id`.
   */
  readonly from: string
  /** A `SETTINGS …` clause for the end of the statement. */
  readonly settings: string
}

/** What each side of the join carries: `expression AS alias` items. */
export interface OutcomeJoinColumns {
  /** Over the predictions table's columns (`output_label`, `` `a:sex` ``, …), read as `p.<alias>`. */
  readonly predictions: readonly string[]
  /** Over the latest outcome's `label` and `value`, read as `o.<alias>`; `o.matched` is always there. */
  readonly outcome: readonly string[]
}

/**
 * (ts, received) as one Int128, ts·2^64 + received in milliseconds: it orders exactly like the tuple
 * for any Int64 values, and `argMax` over it was 3-10× faster than over the tuple (docs/metrics.md).
 * The same expression is the `version` of `outcomes_latest` (store migration 0005).
 */
export const LATEST_OUTCOME_KEY = "toInt128(toUnixTimestamp64Milli(ts)) * toInt128('18446744073709551616') + toUnixTimestamp64Milli(received)"

/**
 * Builds the join shared by the outcome-based statements: every prediction of the scope (`p`) with
 * its latest outcome (`o`). Each side is projected to the columns the statement needs before the
 * join (what the merge join sorts and carries is what it costs: 10-15% less CPU than carrying the raw
 * columns through it, measured over 10M rows). `o.matched` is 1 when the prediction has an outcome;
 * the LEFT JOIN leaves 0, '' and NaN for the others, and `matched` tells them apart without Nullable
 * columns. The latest outcome: a later outcome `ts` wins (a correction), then a later `received`
 * (a retry), whichever table is read.
 *
 * @example
 * const join = outcomeJoin(options, bag, { predictions: ["output_label = 'yes' AS predicted"], outcome: ["label = 'yes' AS actual"] })
 * const query = `SELECT countIf(o.matched AND p.predicted AND o.actual) AS tp FROM ${join.from} ${join.settings}`
 * @throws {TypeError} for a bad table expression, non-string project or model, or unless exactly one
 *   of `latestOutcomesTable` and `outcomesTable` is given.
 */
export function outcomeJoin(options: OutcomeJoinOptions, bag: ParamBag, columns: OutcomeJoinColumns): OutcomeJoin {
  for (const key of ['project', 'modelId'] as const) {
    if (typeof options[key] !== 'string') throw new TypeError(`${key}: expected a string`)
  }
  const latest = options.latestOutcomesTable
  const events = options.outcomesTable
  if ((latest === undefined) === (events === undefined)) {
    throw new TypeError('latestOutcomesTable, outcomesTable: expected exactly one of them')
  }
  const project = bag.bind('project', 'String', options.project)
  const modelId = bag.bind('model_id', 'String', options.modelId)
  const scope = scopeParts(options.scope, bag)
  const predictions = `(
    SELECT ${['id', ...columns.predictions].join(', ')}
    FROM ${scope.from}
    WHERE ${scope.where}
  ) AS p`
  const outcome = [...columns.outcome, 'toUInt8(1) AS matched'].join(', ')
  if (latest !== undefined) {
    const table = assertTableExpression(latest, 'latestOutcomesTable')
    // FINAL collapses the rows of a prediction not merged yet (largest version wins) while reading in
    // key order, so the right side arrives sorted by prediction_id and the merge join sorts only the
    // predictions. Hash joins of 10M UUID keys spent twice the CPU, most of it on cache misses.
    // ANY: after FINAL (and the model filter) a prediction_id is there once, so ANY and ALL give the
    // same rows, and the merge join does less per key: 1.74 → 1.26 s, 2.97 → 2.31 CPU-s over 10M
    // predictions and 10M outcomes (bench/metrics/outcome-join.mjs, same counts checked).
    return {
      from: `${predictions}
  ANY LEFT JOIN
  (
    SELECT prediction_id, ${outcome}
    FROM ${table} FINAL
    WHERE project = ${project} AND model_id = ${modelId}
  ) AS o ON o.prediction_id = p.id`,
      settings: "SETTINGS join_algorithm = 'full_sorting_merge', join_use_nulls = 0",
    }
  }
  const table = assertTableExpression(events!, 'outcomesTable')
  const preFilter = options.preFilterOutcomes !== false
  const window = preFilter ? `\n        AND prediction_id IN (SELECT id FROM ${scope.from} WHERE ${scope.where})` : ''
  // ANY: the GROUP BY leaves one row per prediction_id (see the latest table's case).
  return {
    from: `${predictions}
  ANY LEFT JOIN
  (
    SELECT prediction_id, ${outcome}
    FROM
    (
      SELECT prediction_id, argMax(label, ${LATEST_OUTCOME_KEY}) AS label, argMax(value, ${LATEST_OUTCOME_KEY}) AS value
      FROM ${table}
      WHERE project = ${project} AND model_id = ${modelId}${window}
      GROUP BY prediction_id
    )
  ) AS o ON o.prediction_id = p.id`,
    // Not through the primary key: ClickHouse would otherwise analyse the key against the whole id
    // set, which took 30 s instead of 7 for a 10M-id set here (and random UUIDs skip no granule).
    settings: preFilter ? 'SETTINGS join_use_nulls = 0, use_index_for_in_with_subqueries = 0' : 'SETTINGS join_use_nulls = 0',
  }
}
