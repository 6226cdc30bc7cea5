import { LOG_LOSS_EPS } from '../performance/index.js'
import { binaryOutcomeExpressions, type ConfusionByGroupOptions, type GroupConfusion } from './confusion-by-group.js'
import { addCells, emptyCells, flagCell, withCoverage } from './confusion-cells.js'
import { outcomeJoin } from './outcome-join.js'
import { ParamBag, type SqlQuery } from './params.js'
import { assertRows, countCell, floatCell, type ResultRow } from './rows.js'

/** Default score bins: divisible by 10, 20, 25, 50, 100, 125, 200, 250, 500, so ECE with those M is exact. */
export const DEFAULT_SCORE_BINS = 1000
export const MAX_SCORE_BINS = 10_000

export interface LabelledScoresOptions extends Omit<ConfusionByGroupOptions, 'groupBy'> {
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

/** What ROC AUC, log loss, Brier, ECE and accuracy need, from one join (see {@link labelledScoresQuery}). */
export interface LabelledScores {
  /** Confusion over every prediction of the window (predictions, labelled, coverage as in {@link confusionByGroupQuery}). */
  readonly overall: GroupConfusion
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
}

/**
 * The performance inputs of a window in one statement: the predictions joined with their latest
 * outcome ({@link outcomeJoin}; `latestOutcomesTable` for the fast path), grouped by (predicted,
 * actual, labelled, bin of the score p, bin of the top-label confidence) with, per group, the count,
 * Σ p, min p, max p, Σ confidence, hits (predicted class = outcome) and the Kahan sums of log loss
 * and Brier: what `rocAucFromScores`, `logLossFromScores`, `brierFromScores`,
 * `expectedCalibrationErrorFromScores` and `accuracyFromScores` need, a few thousand rows whatever
 * the window. MAE/RMSE of a regression model: {@link regressionErrorsQuery} (the value columns cost
 * ~15% more through the join, so only the statement that needs them carries them).
 *
 * Predicted positive: `output_label = positiveLabel`, or `output_score >= scoreThreshold`. Actual
 * positive: the latest outcome's label is `positiveOutcomeLabel` (default `positiveLabel`). Scored:
 * labelled with a finite `output_score` in [0, 1] (the probability of the positive class).
 * Confusion by attributes: {@link confusionByAttributesQuery}, a statement of its own — measured, one
 * statement with both (grouping sets) cost more than the two, since every aggregate runs for every set.
 *
 * @example
 * const q = labelledScoresQuery({ scope, latestOutcomesTable: store.table('outcomes_latest'), project: 'default',
 *   modelId: 'credit-risk', positiveLabel: 'approve', positiveOutcomeLabel: 'repaid' })
 * const s = labelledScoresFromRows(rows) // same scoreBins as the query
 * rocAucFromScores(s) // { value, lower, upper, maxError, positives, negatives }
 * @throws {TypeError} for bad tables or labels; {@link RangeError} for a bad bin count or a NaN threshold.
 */
export function labelledScoresQuery(options: LabelledScoresOptions): SqlQuery {
  const bins = scoreBinsOf(options.scoreBins)
  const bag = new ParamBag()
  const { predicted, actual } = binaryOutcomeExpressions(options, bag)
  const b = bag.bind('score_bins', 'UInt32', bins)
  const eps = bag.float64('eps', LOG_LOSS_EPS)
  const clip = (x: string) => `least(greatest(${x}, ${eps}), 1 - ${eps})`
  // Only what the merge join must carry is projected before it (each carried column costs; bins, the
  // confidence and the logs are cheap to compute after it). NaN never reaches the bin arithmetic: an
  // unscored row computes on 0 and is set apart by pbin = -1.
  const join = outcomeJoin(options, bag, {
    predictions: [
      `${predicted} AS predicted`,
      'isFinite(output_score) AND output_score >= 0 AND output_score <= 1 AS valid',
      'if(valid, output_score, 0) AS sp',
    ],
    outcome: [`${actual} AS actual`],
  })
  const keys = 'predicted, actual, matched, pbin, cbin'
  const query = `SELECT
  ${keys},
  count() AS n,
  sum(sp) AS score_sum,
  min(sp) AS score_min,
  max(sp) AS score_max,
  sum(conf) AS confidence_sum,
  countIf(scored AND (sp > 0.5) = actual) AS hits,
  sumKahan(ll) AS log_loss_sum,
  sumKahan(br) AS brier_sum
FROM
(
  SELECT
    p.predicted AS predicted,
    o.matched AS matched,
    matched AND o.actual AS actual,
    matched AND p.valid AS scored,
    p.sp AS sp,
    if(sp > 0.5, sp, 1 - sp) AS cp,
    ${binOf('sp', b, 'pb').join(',\n    ')},
    ${binOf('cp', b, 'cb').join(',\n    ')},
    if(scored, pb2, -1) AS pbin,
    if(scored, cb2, -1) AS cbin,
    if(scored, cp, 0) AS conf,
    if(scored, -log(${clip('if(actual, sp, 1 - sp)')}), 0) AS ll,
    if(scored, (toFloat64(actual) - sp) * (toFloat64(actual) - sp), 0) AS br
  FROM ${join.from}
)
GROUP BY ${keys}
ORDER BY ${keys}
${join.settings}`
  return { query, params: bag.values }
}

/**
 * The bin of `value` among B equal-width bins ((k)/B, (k+1)/B], bin 0 closed at 0, exactly as the
 * performance family's calibration bins are computed: ceil(v·B) − 1, then one step down or up where
 * v·B rounded across an edge (one step suffices: the product is off by less than one unit).
 * Three `expression AS alias` items; the last, `<alias>2`, is the bin.
 */
function binOf(value: string, b: string, alias: string): string[] {
  return [
    `least(${b} - 1, greatest(0, toInt64(ceil(${value} * ${b})) - 1)) AS ${alias}0`,
    `if(${alias}0 > 0 AND ${value} <= ${alias}0 / ${b}, ${alias}0 - 1, ${alias}0) AS ${alias}1`,
    `if(${alias}1 < ${b} - 1 AND ${value} > (${alias}1 + 1) / ${b}, ${alias}1 + 1, ${alias}1) AS ${alias}2`,
  ]
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
 * Reads the rows of {@link labelledScoresQuery} (the same `scoreBins`).
 *
 * @example
 * labelledScoresFromRows(rows, { scoreBins: 1000 }).histogram.positives.length // 1000
 * @throws {TypeError} on rows of another shape; {@link RangeError} when a bin is out of range (another
 *   `scoreBins` than the query's).
 */
export function labelledScoresFromRows(rows: readonly ResultRow[], options: { scoreBins?: number | undefined } = {}): LabelledScores {
  assertRows(rows, 'rows')
  const bins = scoreBinsOf(options.scoreBins)
  const at = 'labelledScoresFromRows'
  const zeros = () => new Array<number>(bins).fill(0)
  const h = {
    positives: zeros(), negatives: zeros(), scoreSums: zeros(), confidenceCounts: zeros(), confidenceSums: zeros(), confidenceHits: zeros(),
    min: new Array<number>(bins).fill(Infinity), max: new Array<number>(bins).fill(-Infinity),
  }
  const overall = emptyCells()
  const sums = { scored: 0, positives: 0, logLossSum: 0, brierSum: 0 }
  for (const row of rows) {
    const n = countCell(row, 'n', at)
    const actual = flagCell(row, 'actual', at)
    addCells(overall, n, flagCell(row, 'predicted', at), actual, flagCell(row, 'matched', at))
    sums.logLossSum += floatCell(row, 'log_loss_sum', at)
    sums.brierSum += floatCell(row, 'brier_sum', at)
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
  return {
    overall: withCoverage(overall),
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
  }
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
