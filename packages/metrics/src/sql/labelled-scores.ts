import { LOG_LOSS_EPS } from '../performance/index.js'
import { binaryOutcomeExpressions, type ConfusionByGroupOptions, type GroupConfusion } from './confusion-by-group.js'
import { quoteIdentifier } from './identifiers.js'
import { outcomeJoin } from './outcome-join.js'
import { ParamBag, type SqlQuery } from './params.js'
import { assertRows, countCell, floatCell, stringCell, type ResultRow } from './rows.js'

/** Default score bins: divisible by 10, 20, 25, 50, 100, 125, 200, 250, 500, so ECE with those M is exact. */
export const DEFAULT_SCORE_BINS = 1000
export const MAX_SCORE_BINS = 10_000
/** Attributes one statement breaks the confusion matrix down by (one grouping set each). */
export const MAX_GROUP_BY = 16

export interface LabelledScoresOptions extends Omit<ConfusionByGroupOptions, 'groupBy'> {
  /** Attributes (columns `a:<name>`) to break the confusion matrix down by, each a grouping set of the same join. */
  readonly groupBy?: readonly string[] | undefined
  /** Equal-width bins B of the score on [0, 1] (default {@link DEFAULT_SCORE_BINS}); ECE with M bins is exact when M divides B. */
  readonly scoreBins?: number | undefined
}

/**
 * Per bin of a score histogram on [0, 1]: bin k (0-based) holds k/B < p ≤ (k+1)/B, bin 0 also p = 0,
 * the bins of `expectedCalibrationError` ((m−1)/M, m/M] with M = B, edges computed as k/B.
 */
export interface ScoreHistogram {
  readonly bins: number
  /** Labelled predictions with a positive outcome, per bin of their score p. */
  readonly positives: readonly number[]
  /** Labelled predictions with a negative outcome, per bin of p. */
  readonly negatives: readonly number[]
  /** Σ p per bin (both classes). */
  readonly scoreSums: readonly number[]
  /** Whether every score in the bin is the same value (true for an empty bin): such a bin adds no AUC error. */
  readonly singleValued: readonly boolean[]
  /** Per bin of the top-label confidence c = p > 0.5 ? p : 1 − p: counts, Σ c and hits (predicted class = outcome). */
  readonly confidenceCounts: readonly number[]
  readonly confidenceSums: readonly number[]
  readonly confidenceHits: readonly number[]
}

/** What ROC AUC, log loss, Brier, ECE, accuracy and MAE/RMSE need, from one join (see {@link labelledScoresQuery}). */
export interface LabelledScores {
  /** Confusion over every prediction of the window (predictions, labelled, coverage as in {@link confusionByGroupQuery}). */
  readonly overall: GroupConfusion
  /** Attribute → group value → confusion; the group '' holds predictions without the attribute. */
  readonly byAttribute: Readonly<Record<string, Readonly<Record<string, GroupConfusion>>>>
  /** Labelled predictions with a score in [0, 1]: the rows of AUC, log loss, Brier and ECE. */
  readonly scored: number
  /** Labelled predictions whose score is NaN or outside [0, 1]: left out of the score metrics. */
  readonly unscored: number
  /** Labelled scored predictions with a positive outcome. */
  readonly positives: number
  readonly histogram: ScoreHistogram
  /** Σ −ln(clip(p of the class that occurred)), clipped to [eps, 1 − eps] as `logLoss` (Kahan sums). */
  readonly logLossSum: number
  /** Σ (y − p)², y = 1 for a positive outcome. */
  readonly brierSum: number
  /** Labelled predictions where both `output_value` and the outcome's `value` are finite. */
  readonly valued: number
  /** Σ |value − output_value| and Σ (value − output_value)² over those. */
  readonly absoluteErrorSum: number
  readonly squaredErrorSum: number
}

/**
 * One statement, one join, every outcome-based aggregate: the predictions of the window joined with
 * their latest outcome (see {@link outcomeJoin}; `latestOutcomesTable` for the fast path), then
 * `GROUPING SETS`:
 * - one set per attribute of `groupBy`: (value, predicted, actual, matched) → counts, i.e. the
 *   confusion matrix per group that {@link confusionByGroupQuery} gives for one attribute;
 * - the score set: (predicted, actual, matched, bin of p, bin of the top-label confidence) → counts,
 *   Σ p, min p, max p, Σ confidence, hits, and the Kahan sums of log loss, Brier and the regression
 *   errors. The overall confusion comes from this set too.
 * Measured over 10M predictions (docs/metrics.md): two attributes and the score set from one join cost
 * ~25% less than the confusion query and a separate score query, since the join dominates.
 *
 * Predicted positive: `output_label = positiveLabel`, or `output_score >= scoreThreshold`. Actual
 * positive: the latest outcome's label is `positiveOutcomeLabel` (default `positiveLabel`). Scored:
 * labelled with a finite `output_score` in [0, 1] (the probability of the positive class).
 *
 * @example
 * const q = labelledScoresQuery({ scope, latestOutcomesTable: store.table('outcomes_latest'), project: 'default',
 *   modelId: 'credit-risk', positiveLabel: 'approve', positiveOutcomeLabel: 'repaid', groupBy: ['sex', 'race'] })
 * const s = labelledScoresFromRows(rows, { groupBy: ['sex', 'race'], scoreBins: 1000 })
 * rocAucFromScores(s) // { value, lower, upper, maxError }; s.byAttribute.sex.female = { tp, fp, … }
 * @throws {TypeError} for bad tables, labels or attribute names; {@link RangeError} for a bad bin
 *   count, a NaN threshold or more than {@link MAX_GROUP_BY} attributes.
 */
export function labelledScoresQuery(options: LabelledScoresOptions): SqlQuery {
  const bins = scoreBinsOf(options.scoreBins)
  const groupBy = groupByOf(options.groupBy)
  const bag = new ParamBag()
  const { predicted, actual } = binaryOutcomeExpressions(options, bag)
  const join = outcomeJoin(options, bag)
  const b = bag.bind('score_bins', 'UInt32', bins)
  const eps = bag.float64('eps', LOG_LOSS_EPS)
  const attributes = groupBy.map((name, i) => `toString(p.${quoteIdentifier(`a:${name}`)}) AS a${i}`)
  const sets = [...groupBy.map((_, i) => `(a${i}, predicted, actual, matched)`), '(predicted, actual, matched, pbin, cbin)']
  // grouping(x) = 0 when x is a key of the row's set (the SQL standard, pinned in the settings).
  const set = `multiIf(grouping(pbin) = 0, 0, ${groupBy.map((_, i) => `grouping(a${i}) = 0, ${i + 1}, `).join('')}255)`
  const query = `SELECT
  ${set} AS grouping_set,
  ${[...groupBy.map((_, i) => `a${i}`), 'predicted', 'actual', 'matched', 'pbin', 'cbin'].join(', ')},
  count() AS n,
  sum(sp) AS score_sum,
  min(sp) AS score_min,
  max(sp) AS score_max,
  sum(conf) AS confidence_sum,
  countIf(scored AND (sp > 0.5) = actual) AS hits,
  sumKahan(ll) AS log_loss_sum,
  sumKahan(br) AS brier_sum,
  countIf(valued) AS valued,
  sumKahan(ae) AS abs_error_sum,
  sumKahan(se) AS sq_error_sum
FROM
(
  SELECT
    ${[...attributes, ''].join(',\n    ')}${predicted} AS predicted,
    o.matched AS matched,
    matched AND ${actual} AS actual,
    p.output_score AS score,
    matched AND isFinite(score) AND score >= 0 AND score <= 1 AS scored,
    -- NaN never reaches the bin arithmetic: unscored rows compute on 0 and are set apart by pbin = -1.
    if(scored, score, 0) AS sp,
    if(sp > 0.5, sp, 1 - sp) AS cp,
    if(scored, cp, 0) AS conf,
    ${binOf('sp', b, 'pb')},
    if(scored, pb2, -1) AS pbin,
    ${binOf('cp', b, 'cb')},
    if(scored, cb2, -1) AS cbin,
    if(scored, -log(least(greatest(if(actual, sp, 1 - sp), ${eps}), 1 - ${eps})), 0) AS ll,
    if(scored, (toFloat64(actual) - sp) * (toFloat64(actual) - sp), 0) AS br,
    o.value - p.output_value AS err,
    matched AND isFinite(err) AS valued,
    if(valued, abs(err), 0) AS ae,
    if(valued, err * err, 0) AS se
  FROM ${join.from}
  WHERE ${join.where}
)
GROUP BY GROUPING SETS (${sets.join(', ')})
ORDER BY grouping_set, ${[...groupBy.map((_, i) => `a${i}`), 'predicted', 'actual', 'matched', 'pbin', 'cbin'].join(', ')}
${join.settings}, force_grouping_standard_compatibility = 1`
  return { query, params: bag.values }
}

/**
 * The bin of `value` among B equal-width bins ((k)/B, (k+1)/B], bin 0 closed at 0, exactly as the
 * performance family's calibration bins are computed: ceil(v·B) − 1, then one step down or up where
 * v·B rounded across an edge (one step suffices: the product is off by less than one unit).
 */
function binOf(value: string, b: string, alias: string): string {
  return `least(${b} - 1, greatest(0, toInt64(ceil(${value} * ${b})) - 1)) AS ${alias}0,
    if(${alias}0 > 0 AND ${value} <= ${alias}0 / ${b}, ${alias}0 - 1, ${alias}0) AS ${alias}1,
    if(${alias}1 < ${b} - 1 AND ${value} > (${alias}1 + 1) / ${b}, ${alias}1 + 1, ${alias}1) AS ${alias}2`
}

/**
 * The bin of a score among `bins` equal-width bins on [0, 1] as {@link labelledScoresQuery} computes
 * it: k with k/B < p ≤ (k+1)/B (edges k/B as doubles), 0 for p = 0.
 *
 * @example
 * scoreBinIndex(0.3, 10) // 2: (0.2, 0.3]
 * @throws {RangeError} for p outside [0, 1] or NaN, or a bad bin count.
 */
export function scoreBinIndex(p: number, bins: number): number {
  scoreBinsOf(bins)
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p: expected a number in [0, 1], got ${p}`)
  let k = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1))
  if (k > 0 && p <= k / bins) k--
  if (k < bins - 1 && p > (k + 1) / bins) k++
  return k
}

/**
 * Reads the rows of {@link labelledScoresQuery} (the same `groupBy` and `scoreBins`).
 *
 * @example
 * labelledScoresFromRows(rows, { groupBy: ['sex'], scoreBins: 1000 }).histogram.positives.length // 1000
 * @throws {TypeError} on rows of another shape; {@link RangeError} when a bin or set is out of range
 *   or the attribute sets do not add up to the overall counts.
 */
export function labelledScoresFromRows(rows: readonly ResultRow[], options: { groupBy?: readonly string[] | undefined; scoreBins?: number | undefined } = {}): LabelledScores {
  assertRows(rows, 'rows')
  const bins = scoreBinsOf(options.scoreBins)
  const groupBy = groupByOf(options.groupBy)
  const at = 'labelledScoresFromRows'
  const zeros = () => new Array<number>(bins).fill(0)
  const h = {
    positives: zeros(), negatives: zeros(), scoreSums: zeros(), confidenceCounts: zeros(), confidenceSums: zeros(), confidenceHits: zeros(),
    min: new Array<number>(bins).fill(Infinity), max: new Array<number>(bins).fill(-Infinity),
  }
  const overall = emptyCells()
  const byAttribute = groupBy.map(() => new Map<string, ReturnType<typeof emptyCells>>())
  const sums = { scored: 0, positives: 0, logLossSum: 0, brierSum: 0, valued: 0, absoluteErrorSum: 0, squaredErrorSum: 0 }
  for (const row of rows) {
    const set = countCell(row, 'grouping_set', at)
    const n = countCell(row, 'n', at)
    const predicted = flagCell(row, 'predicted', at)
    const actual = flagCell(row, 'actual', at)
    const matched = flagCell(row, 'matched', at)
    if (set >= 1 && set <= groupBy.length) {
      const groups = byAttribute[set - 1]!
      const group = stringCell(row, `a${set - 1}`, at)
      const cells = groups.get(group) ?? emptyCells()
      addCells(cells, n, predicted, actual, matched)
      groups.set(group, cells)
      continue
    }
    if (set !== 0) throw new RangeError(`${at}: set ${set} is not one of the statement's ${groupBy.length + 1} grouping sets`)
    addCells(overall, n, predicted, actual, matched)
    sums.logLossSum += floatCell(row, 'log_loss_sum', at)
    sums.brierSum += floatCell(row, 'brier_sum', at)
    sums.valued += countCell(row, 'valued', at)
    sums.absoluteErrorSum += floatCell(row, 'abs_error_sum', at)
    sums.squaredErrorSum += floatCell(row, 'sq_error_sum', at)
    const pbin = intCell(row, 'pbin', at)
    const cbin = intCell(row, 'cbin', at)
    if (pbin === -1 && cbin === -1) continue // not scored
    if (!(pbin >= 0 && pbin < bins && cbin >= 0 && cbin < bins)) throw new RangeError(`${at}: bins ${pbin}, ${cbin} outside 0..${bins - 1} (same scoreBins as the query?)`)
    sums.scored += n
    if (actual) {
      sums.positives += n
      h.positives[pbin]! += n
    } else {
      h.negatives[pbin]! += n
    }
    h.scoreSums[pbin]! += floatCell(row, 'score_sum', at)
    h.min[pbin] = Math.min(h.min[pbin]!, floatCell(row, 'score_min', at))
    h.max[pbin] = Math.max(h.max[pbin]!, floatCell(row, 'score_max', at))
    h.confidenceCounts[cbin]! += n
    h.confidenceSums[cbin]! += floatCell(row, 'confidence_sum', at)
    h.confidenceHits[cbin]! += countCell(row, 'hits', at)
  }
  const attributes: Record<string, Record<string, GroupConfusion>> = {}
  groupBy.forEach((name, i) => {
    const groups = [...byAttribute[i]!].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const total = groups.reduce((s, [, c]) => s + c.predictions, 0)
    if (total !== overall.predictions) throw new RangeError(`${at}: the groups of ${name} hold ${total} predictions, the window ${overall.predictions}`)
    attributes[name] = Object.fromEntries(groups.map(([group, cells]) => [group, withCoverage(cells)]))
  })
  return {
    overall: withCoverage(overall),
    byAttribute: attributes,
    scored: sums.scored,
    unscored: overall.labelled - sums.scored,
    positives: sums.positives,
    histogram: {
      bins,
      positives: h.positives,
      negatives: h.negatives,
      scoreSums: h.scoreSums,
      singleValued: h.min.map((min, k) => min === Infinity || min === h.max[k]),
      confidenceCounts: h.confidenceCounts,
      confidenceSums: h.confidenceSums,
      confidenceHits: h.confidenceHits,
    },
    logLossSum: sums.logLossSum,
    brierSum: sums.brierSum,
    valued: sums.valued,
    absoluteErrorSum: sums.absoluteErrorSum,
    squaredErrorSum: sums.squaredErrorSum,
  }
}

function emptyCells() {
  return { tp: 0, fp: 0, tn: 0, fn: 0, predictions: 0, labelled: 0 }
}

function addCells(cells: ReturnType<typeof emptyCells>, n: number, predicted: boolean, actual: boolean, matched: boolean): void {
  cells.predictions += n
  if (!matched) return
  cells.labelled += n
  cells[predicted ? (actual ? 'tp' : 'fp') : actual ? 'fn' : 'tn'] += n
}

function withCoverage(cells: ReturnType<typeof emptyCells>): GroupConfusion {
  return { ...cells, coverage: cells.predictions === 0 ? 0 : cells.labelled / cells.predictions }
}

/** A 0/1 (Bool or UInt8) cell. */
function flagCell(row: ResultRow, key: string, where: string): boolean {
  const value = row[key]
  if (value === true || value === 1 || value === '1') return true
  if (value === false || value === 0 || value === '0') return false
  throw new TypeError(`${where}: column ${key} is not 0/1 (${JSON.stringify(value)})`)
}

/** An integer cell that may be −1 (Int64 arrives quoted). */
function intCell(row: ResultRow, key: string, where: string): number {
  const value = row[key]
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError(`${where}: column ${key} is not an integer (${JSON.stringify(value)})`)
  return n
}

function scoreBinsOf(bins: number | undefined): number {
  const b = bins ?? DEFAULT_SCORE_BINS
  if (!Number.isInteger(b) || b < 1 || b > MAX_SCORE_BINS) throw new RangeError(`scoreBins: expected an integer in 1..${MAX_SCORE_BINS}, got ${String(bins)}`)
  return b
}

function groupByOf(groupBy: readonly string[] | undefined): readonly string[] {
  const names = groupBy ?? []
  if (!Array.isArray(names)) throw new TypeError('groupBy: expected an array of attribute names')
  if (names.length > MAX_GROUP_BY) throw new RangeError(`groupBy: at most ${MAX_GROUP_BY} attributes, got ${names.length}`)
  names.forEach((name, i) => {
    if (typeof name !== 'string' || name === '') throw new TypeError(`groupBy[${i}]: expected a non-empty attribute name`)
  })
  if (new Set(names).size !== names.length) throw new TypeError('groupBy: an attribute is named twice')
  return names
}
