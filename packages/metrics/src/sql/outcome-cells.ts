import { binaryOutcomeExpressions, confusionByGroupFromRows, type ConfusionByGroup, type ConfusionByGroupOptions } from './confusion-by-group.js'
import { addCells, emptyCells, flagCell, withCoverage, type ConfusionCells } from './confusion-cells.js'
import { quoteIdentifier } from './identifiers.js'
import { outcomeJoin } from './outcome-join.js'
import { ParamBag, type SqlQuery } from './params.js'
import { countCell, floatCell, stringCell, type ResultRow, singleRow } from './rows.js'

/** Attributes one statement breaks the cells down by. */
export const MAX_CELL_ATTRIBUTES = 16

export interface OutcomeCellsOptions extends Omit<ConfusionByGroupOptions, 'groupBy'> {
  /** Attributes (columns `a:<name>`) each cell is keyed by; may be empty. */
  readonly attributes: readonly string[]
  /**
   * Also the exact ROC AUC (Mann–Whitney's U over P·N, ties counted a half, as `arrayROCAUC` and
   * scikit-learn compute it) of the labelled predictions with a finite `output_score` in [0, 1], the
   * outcome being positive as `actual` is.
   */
  readonly rocAuc?: boolean | undefined
  /**
   * The most cells the statement may build; past it ClickHouse stops it with TOO_MANY_ROWS (code
   * 158) instead of holding them all. Cells are the attributes' value combinations seen (× up to 8):
   * a caller keying by several attributes, whose product of cardinalities it cannot know beforehand,
   * bounds them and falls back to one attribute per statement.
   */
  readonly maxCells?: number | undefined
}

/** ClickHouse's error code when a statement passes `maxCells` (TOO_MANY_ROWS). */
export const TOO_MANY_CELLS_CODE = '158'

/** One cell: predictions with these attribute values, prediction, outcome and label presence. */
export interface OutcomeCell {
  readonly attributes: readonly string[]
  readonly predicted: boolean
  readonly actual: boolean
  readonly matched: boolean
  readonly n: number
  /** Of them, labelled with a finite score in [0, 1] (the rows of the ROC AUC). */
  readonly scored: number
}

export interface OutcomeCells {
  readonly attributes: readonly string[]
  readonly cells: readonly OutcomeCell[]
  /** The ROC AUC when asked for and defined (NaN from the engine when one class only). */
  readonly rocAuc: number | null
}

/**
 * The ROC AUC's sort key of a labelled score in [0, 1]: its bits (+0. turns −0 into +0; the bits of
 * non-negative doubles order as the values do), shifted left, with the outcome (1 positive) in the
 * last bit — so that sorted, tied scores come together with their negatives first.
 */
const AUC_KEY = 'bitShiftLeft(reinterpretAsUInt64(score + 0.), 1) + actual'

/**
 * Mann–Whitney's U over the sorted keys `k`, doubled so that it stays an integer: for each positive,
 * twice the negatives scored below it plus those tied with it (ties count a half, as the trapezoid
 * under the ROC curve counts them). `cum_neg` is the negatives up to and including each key (with
 * its tied negatives, which sort first); `below` the negatives before its group of tied scores
 * (arrayFill carries each group's first value on). AUC = U / (P·N), one division of exact integers.
 * Measured on 5M continuous scores: 0.69–0.86 s against 1.09–1.31 s for `arrayROCAUC`, which sorts
 * an index by score; with heavy ties the gain shrinks (bench/metrics/outcome-join.mjs, variants
 * auc-cells and auc-arrayROCAUC: 10M scores, ~10 ties per value, 2.58 against 2.84 s).
 */
const AUC_STEPS = `  SELECT cells, arrayMap(x -> toUInt8(1 - bitAnd(x, 1)), k) AS neg, arrayCumSum(neg) AS cum_neg,
    arrayFill((b, start) -> start, arrayMap((c, m) -> c - m, cum_neg, neg), arrayMap(d -> d != 0, arrayDifference(arrayMap(x -> bitShiftRight(x, 1), k)))) AS below,
    arraySum(arrayMap((x, c, b) -> if(bitAnd(x, 1) = 1, c + b, 0), k, cum_neg, below)) AS u2,
    length(k) - arraySum(neg) AS p, arraySum(neg) AS n`

/**
 * Every outcome count the binary outcome metrics of a window need, from ONE join of the predictions
 * with their latest outcome ({@link outcomeJoin}): the predictions counted by (attribute values,
 * predicted, actual, labelled) — a few hundred cells at most — from which the confusion matrix
 * overall and per group of each attribute are sums ({@link confusionOfCells}), and optionally the
 * exact ROC AUC over the labelled scores. The cells keep their scored predictions as sort keys of
 * score and outcome (`groupArrayIf`, {@link AUC_KEY}), flattened and sorted once, and U is counted
 * over the sorted keys ({@link AUC_STEPS}): it does not depend on the order the scores arrive in.
 * Measured at 10M predictions and 5M outcomes: a fairness control, a confusion-matrix control and
 * a ROC AUC control ran three joins (~1.5, 1.1 and 1.4 s of CPU); the merge join itself is ~0.95 s.
 *
 * @example
 * const q = outcomeCellsQuery({ scope, latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: 'm',
 *   attributes: ['race'], positiveLabel: '1', rocAuc: true })
 * const cells = outcomeCellsFromRows(rows, ['race'])
 * confusionOfCells(cells, 'race').byGroup // as confusionByGroupFromRows(confusionByGroupQuery({ groupBy: 'race', … }))
 * @throws {TypeError} for bad tables, labels or attribute names; {@link RangeError} for too many attributes.
 */
export function outcomeCellsQuery(options: OutcomeCellsOptions): SqlQuery {
  const attributes = attributesOf(options.attributes)
  const bag = new ParamBag()
  const { predicted, actual } = binaryOutcomeExpressions(options, bag)
  const names = attributes.map((_, i) => `a${i}`)
  const join = outcomeJoin(options, bag, {
    predictions: [...attributes.map((name, i) => `toString(${quoteIdentifier(`a:${name}`)}) AS a${i}`), `${predicted} AS predicted`, ...(options.rocAuc ? ['output_score AS score'] : [])],
    outcome: [`${actual} AS actual`],
  })
  const scored = options.rocAuc ? 'matched AND isFinite(score) AND score >= 0 AND score <= 1' : '0'
  const keys = [...names, 'predicted', 'actual', 'matched']
  const cellsQuery = `SELECT
  groupArray(tuple(${[...keys, 'n', 's'].join(', ')})) AS cells,
  ${options.rocAuc ? 'arraySort(arrayFlatten(groupArray(keys)))' : 'CAST([] AS Array(UInt64))'} AS k
FROM
(
  SELECT ${keys.join(', ')}, count() AS n, countIf(${scored}) AS s, ${options.rocAuc ? `groupArrayIf(${AUC_KEY}, ${scored})` : 'CAST([] AS Array(UInt64))'} AS keys
  FROM
  (
    SELECT ${names.map((a) => `p.${a} AS ${a}, `).join('')}p.predicted AS predicted, ${options.rocAuc ? 'p.score AS score, ' : ''}o.actual AS actual, o.matched AS matched
    FROM ${join.from}
  )
  GROUP BY ${keys.join(', ')}
)`
  const settings = `${join.settings}${options.maxCells === undefined ? '' : `, max_rows_to_group_by = ${maxCellsOf(options.maxCells)}, group_by_overflow_mode = 'throw'`}`
  const query = options.rocAuc
    ? `SELECT cells, if(p = 0 OR n = 0, nan, u2 / (2 * p * n)) AS auc
FROM
(
${AUC_STEPS}
  FROM
  (
    ${cellsQuery.replace(/\n/g, '\n    ')}
  )
)
${settings}`
    : `SELECT cells, NULL AS auc
FROM
(
  ${cellsQuery.replace(/\n/g, '\n  ')}
)
${settings}`
  return { query, params: bag.values }
}

/**
 * Reads the single row of {@link outcomeCellsQuery} (the same attributes, in the same order).
 * @throws {TypeError} on a row of another shape.
 */
export function outcomeCellsFromRows(rows: readonly ResultRow[], attributes: readonly string[]): OutcomeCells {
  attributesOf(attributes)
  const at = 'outcomeCellsFromRows'
  const row = singleRow(rows, 'outcomeCellsQuery')
  const raw = row.cells
  if (!Array.isArray(raw)) throw new TypeError(`${at}: column cells is not an array`)
  const k = attributes.length
  const cells = raw.map((tuple): OutcomeCell => {
    // An unnamed tuple arrives as an array; a named one (when the engine names tuple() elements) as an object.
    const values: unknown[] = Array.isArray(tuple) ? tuple : tuple !== null && typeof tuple === 'object' ? Object.values(tuple) : []
    if (values.length !== k + 5) throw new TypeError(`${at}: a cell is not a tuple of ${k + 5} values`)
    const cell: ResultRow = Object.fromEntries(values.map((v, i) => [i < k ? `a${i}` : ['predicted', 'actual', 'matched', 'n', 's'][i - k]!, v]))
    return {
      attributes: attributes.map((_, i) => stringCell(cell, `a${i}`, at)),
      predicted: flagCell(cell, 'predicted', at),
      actual: flagCell(cell, 'actual', at),
      matched: flagCell(cell, 'matched', at),
      n: countCell(cell, 'n', at),
      scored: countCell(cell, 's', at),
    }
  })
  return { attributes: [...attributes], cells, rocAuc: row.auc === null || row.auc === undefined ? null : floatCell(row, 'auc', at) }
}

/**
 * The selection counts per value of `attribute` over EVERY prediction of the cells (labelled or
 * not), in the shape confusionByGroupFromRows gives for demographic parity's selection statement
 * (fairness-runner.ts): tp = predicted positive, tn = predicted negative, each prediction its own
 * "label". So a selection-rate control reads a join the batch makes anyway instead of a scan.
 *
 * @example
 * selectionOfCells(cells, 'sex').byGroup.f // { tp: selected, tn: not selected, fp: 0, fn: 0, predictions, labelled: predictions, … }
 * @throws {RangeError} when `attribute` is not one of the cells' attributes.
 */
export function selectionOfCells(cells: OutcomeCells, attribute: string): ConfusionByGroup {
  const index = cells.attributes.indexOf(attribute)
  if (index < 0) throw new RangeError(`attribute: ${JSON.stringify(attribute)} is not one of ${JSON.stringify(cells.attributes)}`)
  const groups = new Map<string, { tp: number; tn: number }>()
  for (const cell of cells.cells) {
    const group = cell.attributes[index]!
    const sums = groups.get(group) ?? { tp: 0, tn: 0 }
    if (cell.predicted) sums.tp += cell.n
    else sums.tn += cell.n
    groups.set(group, sums)
  }
  const rows = [...groups].sort(([a], [b]) => compareBytes(a, b)).map(([grp, { tp, tn }]) => ({ grp, tp, fp: 0, tn, fn: 0, predictions: tp + tn, labelled: tp + tn }))
  return confusionByGroupFromRows(rows)
}

/**
 * The confusion matrices per group of `attribute` (or one group '' for null), in the shape and group
 * order (ascending bytes, as ClickHouse's ORDER BY on a String) of {@link confusionByGroupFromRows}.
 * @throws {RangeError} for an attribute the cells are not keyed by.
 */
export function confusionOfCells(cells: OutcomeCells, attribute: string | null): ConfusionByGroup {
  const index = attribute === null ? -1 : cells.attributes.indexOf(attribute)
  if (attribute !== null && index < 0) throw new RangeError(`attribute: ${JSON.stringify(attribute)} is not one of ${JSON.stringify(cells.attributes)}`)
  const groups = new Map<string, ConfusionCells>()
  const overall = emptyCells()
  for (const cell of cells.cells) {
    const group = index < 0 ? '' : cell.attributes[index]!
    const sums = groups.get(group) ?? emptyCells()
    addCells(sums, cell.n, cell.predicted, cell.actual, cell.matched)
    addCells(overall, cell.n, cell.predicted, cell.actual, cell.matched)
    groups.set(group, sums)
  }
  const sorted = [...groups].sort(([a], [b]) => compareBytes(a, b))
  return { byGroup: Object.fromEntries(sorted.map(([group, sums]) => [group, withCoverage(sums)])), overall: withCoverage(overall) }
}

const utf8 = new TextEncoder()

/** Orders strings by their UTF-8 bytes, as ClickHouse orders String values. */
function compareBytes(a: string, b: string): number {
  const x = utf8.encode(a)
  const y = utf8.encode(b)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

function maxCellsOf(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`maxCells: expected a whole number >= 1, got ${String(value)}`)
  return value
}

function attributesOf(attributes: readonly string[]): readonly string[] {
  if (!Array.isArray(attributes)) throw new TypeError('attributes: expected an array of attribute names')
  if (attributes.length > MAX_CELL_ATTRIBUTES) throw new RangeError(`attributes: at most ${MAX_CELL_ATTRIBUTES}, got ${attributes.length}`)
  attributes.forEach((name, i) => {
    if (typeof name !== 'string' || name === '') throw new TypeError(`attributes[${i}]: expected a non-empty attribute name`)
  })
  if (new Set(attributes).size !== attributes.length) throw new TypeError('attributes: an attribute is named twice')
  return attributes
}
