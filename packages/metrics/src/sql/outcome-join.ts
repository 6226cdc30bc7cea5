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
   * 10M predictions and 10M outcomes: 3-4× less CPU than the argMax path (docs/metrics.md,
   * "Outcome join").
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
   * latest table needs no pre-filter: it is read in key order once, and reading all of a model's
   * latest outcomes costs ~0.1-0.2 s per 10M rows.
   */
  readonly preFilterOutcomes?: boolean | undefined
}

/** The pieces of `SELECT … FROM <from> WHERE <where> … <settings>`. */
export interface OutcomeJoin {
  /** Predictions `p` LEFT JOIN latest outcomes `o` ON `o.prediction_id = p.id`. */
  readonly from: string
  /** The scope's conditions on `p`. */
  readonly where: string
  /** A `SETTINGS …` clause for the end of the statement (may be ''). */
  readonly settings: string
}

/**
 * (ts, received) as one Int128, ts·2^64 + received in milliseconds: it orders exactly like the tuple
 * for any Int64 values, and `argMax` over it was 3-10× faster than over the tuple (docs/metrics.md).
 * The same expression is the `version` of `outcomes_latest` (store migration 0005).
 */
export const LATEST_OUTCOME_KEY = "toInt128(toUnixTimestamp64Milli(ts)) * toInt128('18446744073709551616') + toUnixTimestamp64Milli(received)"

/**
 * Builds the join shared by the outcome-based statements: every prediction of the scope (`p`) with
 * its latest outcome (`o`), whose columns are `o.label`, `o.value` and `o.matched` (1 when the
 * prediction has an outcome; a LEFT JOIN leaves 0, '' and NaN for the others, and `matched` tells
 * them apart without Nullable columns). The latest outcome: a later outcome `ts` wins (a correction),
 * then a later `received` (a retry), whichever table is read.
 *
 * @throws {TypeError} for a bad table expression, non-string project or model, or unless exactly one
 *   of `latestOutcomesTable` and `outcomesTable` is given.
 */
export function outcomeJoin(options: OutcomeJoinOptions, bag: ParamBag): OutcomeJoin {
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
  const scope = scopeParts(options.scope, bag, 'p')
  if (latest !== undefined) {
    const table = assertTableExpression(latest, 'latestOutcomesTable')
    // FINAL collapses the rows of a prediction not merged yet (largest version wins) while reading in
    // key order, so the right side arrives sorted by prediction_id and the merge join sorts only the
    // predictions. Hash joins of 10M UUID keys spent most of their time on cache misses here.
    return {
      from: `${scope.from}
  LEFT JOIN
  (
    SELECT prediction_id, label, value, toUInt8(1) AS matched
    FROM ${table} FINAL
    WHERE project = ${project} AND model_id = ${modelId}
  ) AS o ON o.prediction_id = p.id`,
      where: scope.where,
      settings: "SETTINGS join_algorithm = 'full_sorting_merge', join_use_nulls = 0",
    }
  }
  const table = assertTableExpression(events!, 'outcomesTable')
  const preFilter = options.preFilterOutcomes !== false
  const window = preFilter ? `\n      AND prediction_id IN (SELECT p.id FROM ${scope.from} WHERE ${scope.where})` : ''
  return {
    from: `${scope.from}
  LEFT JOIN
  (
    SELECT prediction_id, argMax(label, ${LATEST_OUTCOME_KEY}) AS label, argMax(value, ${LATEST_OUTCOME_KEY}) AS value, toUInt8(1) AS matched
    FROM ${table}
    WHERE project = ${project} AND model_id = ${modelId}${window}
    GROUP BY prediction_id
  ) AS o ON o.prediction_id = p.id`,
    where: scope.where,
    // Not through the primary key: ClickHouse would otherwise analyse the key against the whole id
    // set, which took 30 s instead of 7 for a 10M-id set here (and random UUIDs skip no granule).
    settings: preFilter ? 'SETTINGS join_use_nulls = 0, use_index_for_in_with_subqueries = 0' : 'SETTINGS join_use_nulls = 0',
  }
}
