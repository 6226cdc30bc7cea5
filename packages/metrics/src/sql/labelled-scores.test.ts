import { describe, expect, it } from 'vitest'
import { brierScore, expectedCalibrationError, logLoss, meanAbsoluteError, reliabilityBins, rocAuc, rootMeanSquaredError } from '../performance/index.js'
import { seededRandom } from '../shared/seeded-random.js'
import { confusionByAttributesFromRows, confusionByAttributesQuery, confusionOfAttribute } from './confusion-by-attributes.js'
import { labelledScoresFromRows, labelledScoresQuery, scoreBinIndex, type LabelledScores } from './labelled-scores.js'
import { regressionErrorsFromRows, regressionErrorsQuery } from './regression-errors.js'
import {
  accuracyFromScores, brierFromScores, expectedCalibrationErrorFromScores, logLossFromScores, reliabilityFromScores, rocAucFromScores,
} from './score-metrics.js'

// The arithmetic of the score aggregates, on in-memory data binned the way the statement bins it
// (scoreBinIndex); test/metrics-labelled-scores.test.ts holds the statement itself to the same numbers.

/** What labelledScoresFromRows would return for these labelled, scored predictions. */
function scoresOf(yTrue: readonly boolean[], p: readonly number[], bins: number): LabelledScores {
  const zeros = () => new Array<number>(bins).fill(0)
  const h = { positives: zeros(), negatives: zeros(), scoreSums: zeros(), confidenceCounts: zeros(), confidenceSums: zeros(), confidenceHits: zeros() }
  const values = Array.from({ length: bins }, () => new Set<number>())
  let logLossSum = 0
  let brierSum = 0
  const cells = { tp: 0, fp: 0, tn: 0, fn: 0 }
  yTrue.forEach((y, i) => {
    const s = p[i]!
    const k = scoreBinIndex(s, bins)
    ;(y ? h.positives : h.negatives)[k]! += 1
    h.scoreSums[k]! += s
    values[k]!.add(s)
    const c = s > 0.5 ? s : 1 - s
    const j = scoreBinIndex(c, bins)
    h.confidenceCounts[j]! += 1
    h.confidenceSums[j]! += c
    if ((s > 0.5) === y) h.confidenceHits[j]! += 1
    logLossSum += -Math.log(Math.min(Math.max(y ? s : 1 - s, Number.EPSILON), 1 - Number.EPSILON))
    brierSum += ((y ? 1 : 0) - s) ** 2
    cells[s >= 0.5 ? (y ? 'tp' : 'fp') : y ? 'fn' : 'tn']++
  })
  const n = yTrue.length
  return {
    overall: { ...cells, predictions: n, labelled: n, coverage: 1 },
    scored: n,
    unscored: 0,
    positives: yTrue.filter(Boolean).length,
    histogram: { bins, ...h, singleValued: values.map((v) => v.size <= 1) },
    logLossSum,
    brierSum,
  }
}

function sample(n: number, seed: number, round?: number) {
  const random = seededRandom(seed)
  const yTrue: boolean[] = []
  const p: number[] = []
  for (let i = 0; i < n; i++) {
    const y = random() < 0.4
    let s = Math.min(1, Math.max(0, (y ? 0.62 : 0.4) + (random() - 0.5) * 0.7))
    if (round !== undefined) s = Math.round(s * round) / round
    yTrue.push(y)
    p.push(s)
  }
  return { yTrue, p }
}

describe('scoreBinIndex', () => {
  it('puts every score in the bin of the performance family\'s calibration bins, values on and next to the edges included', () => {
    for (const bins of [7, 10, 1000]) {
      const values = [0, 1, 0.5, 0.5 + Number.EPSILON / 2, Number.MIN_VALUE, 1 - Number.EPSILON / 2, 0.3, 0.7, 0.1 * 3]
      // Every edge of the small grids; a spread of edges (and the middle and the ends) of the fine one.
      for (let k = 0; k <= bins; k += bins > 100 ? 37 : 1) {
        const edge = k / bins
        values.push(edge, Math.min(1, edge + Number.EPSILON * edge), Math.max(0, edge - Number.EPSILON * edge / 2), (k * 10) / (bins * 10), k * (1 / bins))
      }
      for (const v of values.filter((x) => x >= 0 && x <= 1)) {
        const reference = reliabilityBins([1], [v], { bins, mode: 'positive-class' }).findIndex((b) => b.count === 1)
        expect(scoreBinIndex(v, bins), `${v} on ${bins} bins`).toBe(reference)
      }
    }
  })

  it('rejects scores outside [0, 1] and bad bin counts', () => {
    expect(() => scoreBinIndex(NaN, 10)).toThrow(RangeError)
    expect(() => scoreBinIndex(1.5, 10)).toThrow(RangeError)
    expect(() => scoreBinIndex(0.5, 0)).toThrow(/scoreBins/)
  })
})

describe('ROC AUC from the score histogram', () => {
  it('is exact (maxError 0) when no bin holds two distinct scores', () => {
    const { yTrue, p } = sample(5000, 1, 100) // scores on a 0.01 grid: one value per bin of 1000
    const auc = rocAucFromScores(scoresOf(yTrue, p, 1000))!
    expect(auc.maxError).toBe(0)
    expect(auc.value).toBe(rocAuc(yTrue, p))
  })

  it('brackets the exact AUC of continuous scores; spread over [0, 1], within 1/(2B)', () => {
    const { yTrue, p } = sample(20000, 2)
    const exact = rocAuc(yTrue, p)!
    for (const bins of [10, 100, 1000]) {
      const auc = rocAucFromScores(scoresOf(yTrue, p, bins))!
      expect(exact).toBeGreaterThanOrEqual(auc.lower)
      expect(exact).toBeLessThanOrEqual(auc.upper)
      expect(Math.abs(auc.value - exact)).toBeLessThanOrEqual(auc.maxError)
      // Not a theorem (a bin holding many scores of both classes widens it), but what spread scores give.
      expect(auc.maxError).toBeLessThanOrEqual(1 / (2 * bins) + 1e-12)
      expect(auc.maxError).toBeGreaterThan(0)
    }
  })

  it('is null with one class only, as rocAuc', () => {
    expect(rocAucFromScores(scoresOf([true, true], [0.2, 0.9], 10))).toBeNull()
    expect(rocAuc([true, true], [0.2, 0.9], { positiveLabel: true })).toBeNull()
  })
})

describe('log loss, Brier, accuracy, calibration and regression errors from the sums', () => {
  const { yTrue, p } = sample(3000, 3)
  p[0] = 0 // a confident wrong or right prediction: clipped as logLoss clips
  p[1] = 1
  const scores = scoresOf(yTrue, p, 1000)

  it('equal the performance family on the same values', () => {
    expect(logLossFromScores(scores)).toBeCloseTo(logLoss(yTrue, p, { positiveLabel: true }), 12)
    expect(brierFromScores(scores)).toBeCloseTo(brierScore(yTrue, p, { positiveLabel: true }), 12)
    expect(accuracyFromScores(scores)).toBe(yTrue.filter((y, i) => y === (p[i]! >= 0.5)).length / yTrue.length)
  })

  it('give the reliability bins and ECE of both modes, with exact counts, for every M dividing the score bins', () => {
    for (const mode of ['top-label', 'positive-class'] as const) {
      for (const bins of [1, 10, 25, 1000]) {
        const got = reliabilityFromScores(scores, { bins, mode })
        const expected = reliabilityBins(yTrue, p, { bins, mode, positiveLabel: true })
        expect(got.map((b) => b.count)).toEqual(expected.map((b) => b.count))
        got.forEach((b, i) => {
          expect(b.lower).toBe(expected[i]!.lower)
          if (b.count === 0) return expect(b).toEqual(expected[i])
          expect(b.accuracy).toBe(expected[i]!.accuracy)
          expect(Math.abs(b.confidence! - expected[i]!.confidence!)).toBeLessThanOrEqual(1e-12)
        })
        expect(Math.abs(expectedCalibrationErrorFromScores(scores, { bins, mode })! - expectedCalibrationError(yTrue, p, { bins, mode, positiveLabel: true }))).toBeLessThanOrEqual(1e-12)
      }
    }
    expect(() => reliabilityFromScores(scores, { bins: 15 })).toThrow(/dividing/)
  })

  it('are null without data', () => {
    const empty = scoresOf([], [], 10)
    expect([logLossFromScores(empty), brierFromScores(empty), accuracyFromScores(empty), expectedCalibrationErrorFromScores(empty), rocAucFromScores(empty)]).toEqual([null, null, null, null, null])
  })
})

describe('regressionErrorsQuery and regressionErrorsFromRows', () => {
  it('give MAE and RMSE from the error sums as the performance family on the pairs, and null without a pair', () => {
    const y = [3, -0.5, 2, 7]
    const yHat = [2.5, 0, 2, 8]
    const row = { predictions: '9', labelled: '5', pairs: '4', abs_error_sum: y.reduce((s, v, i) => s + Math.abs(v - yHat[i]!), 0), sq_error_sum: y.reduce((s, v, i) => s + (v - yHat[i]!) ** 2, 0) }
    expect(regressionErrorsFromRows([row])).toEqual({ predictions: 9, labelled: 5, count: 4, mae: meanAbsoluteError(y, yHat), rmse: expect.closeTo(rootMeanSquaredError(y, yHat), 15) })
    expect(regressionErrorsFromRows([{ ...row, pairs: '0', abs_error_sum: 0, sq_error_sum: 0 }])).toMatchObject({ count: 0, mae: null, rmse: null })
    expect(() => regressionErrorsFromRows([])).toThrow(/one row/)
    const { query } = regressionErrorsQuery({ scope: { table: 't', window: { from: 0, to: 1 } }, latestOutcomesTable: 'l', project: 'p', modelId: 'm' })
    expect(query).toContain('l FINAL')
  })
})

describe('labelledScoresQuery and labelledScoresFromRows', () => {
  const scope = { table: '`aims`.`predictions__m__abc`', window: { from: 0, to: 1000 } }
  const base = { scope, project: 'default', modelId: 'credit-risk', positiveLabel: 'approve', positiveOutcomeLabel: 'repaid' }

  it('binds every value and reads the latest table with FINAL and a merge join', () => {
    const { query, params } = labelledScoresQuery({ ...base, latestOutcomesTable: '`aims`.`outcomes_latest`', scoreBins: 100 })
    expect(query).not.toMatch(/approve|repaid|credit-risk|default'/)
    expect(query).toContain('`aims`.`outcomes_latest` FINAL')
    expect(query).toContain("join_algorithm = 'full_sorting_merge'")
    expect(Object.values(params)).toEqual(expect.arrayContaining(['approve', 'repaid', 'credit-risk', 100]))
  })

  it('rejects bad options with the argument named', () => {
    expect(() => labelledScoresQuery(base)).toThrow(/exactly one/)
    expect(() => labelledScoresQuery({ ...base, outcomesTable: 'o', latestOutcomesTable: 'l' })).toThrow(/exactly one/)
    expect(() => labelledScoresQuery({ ...base, outcomesTable: 'o; DROP TABLE x' })).toThrow(/outcomesTable/)
    expect(() => labelledScoresQuery({ ...base, latestOutcomesTable: 'l', scoreBins: 0 })).toThrow(/scoreBins/)
    expect(() => labelledScoresQuery({ ...base, latestOutcomesTable: 'l', scoreThreshold: NaN })).toThrow(RangeError)
  })

  it('reads the histogram, the sums and the overall confusion, and refuses rows of another bin count', () => {
    const row = (r: Record<string, unknown>) => ({ predicted: 0, actual: 0, matched: 1, pbin: '-1', cbin: '-1', n: '1', score_sum: 0, score_min: 0, score_max: 0, confidence_sum: 0, hits: '0', log_loss_sum: 0, brier_sum: 0, ...r })
    const rows = [
      row({ predicted: 1, actual: 1, pbin: '8', cbin: '8', n: '2', score_sum: 1.7, score_min: 0.85, score_max: 0.85, confidence_sum: 1.7, hits: '2', log_loss_sum: 0.3, brier_sum: 0.045 }),
      row({ predicted: 0, actual: 0, pbin: '1', cbin: '8', n: '1', score_sum: 0.15, score_min: 0.15, score_max: 0.15, confidence_sum: 0.85, hits: '1' }),
      row({ predicted: 0, actual: 1, pbin: '1', cbin: '8', n: '1', score_sum: 0.12, score_min: 0.12, score_max: 0.12, confidence_sum: 0.88 }),
      row({ matched: 0, n: '3' }),
      row({ predicted: 1, actual: 0, n: '1' }), // labelled, no valid score
    ]
    const s = labelledScoresFromRows(rows, { scoreBins: 10 })
    expect(s.overall).toEqual({ tp: 2, fp: 1, tn: 1, fn: 1, predictions: 8, labelled: 5, coverage: 5 / 8 })
    expect([s.scored, s.unscored, s.positives]).toEqual([4, 1, 3])
    expect(s.histogram.positives[8]).toBe(2)
    expect(s.histogram.singleValued[8]).toBe(true)
    expect(s.histogram.singleValued[1]).toBe(false) // 0.15 and 0.12 share bin 1
    expect(s.histogram.confidenceCounts[8]).toBe(4)
    expect(() => labelledScoresFromRows(rows, { scoreBins: 5 })).toThrow(/bins/)
    expect(() => labelledScoresFromRows([row({ n: 'x' })])).toThrow(TypeError)
    expect(() => labelledScoresFromRows([row({ matched: 2 })])).toThrow(/matched/)
  })
})

describe('confusionByAttributesQuery and confusionByAttributesFromRows', () => {
  const scope = { table: '`aims`.`predictions__m__abc`', window: { from: 0, to: 1000 } }
  const base = { scope, project: 'default', modelId: 'm', positiveLabel: 'approve', latestOutcomesTable: '`aims`.`outcomes_latest`' }

  it('makes one grouping set per attribute over one join', () => {
    const { query } = confusionByAttributesQuery({ ...base, attributes: ['sex', 'ra`ce'] })
    expect(query).toMatch(/GROUP BY GROUPING SETS \(\(a0, predicted, actual, matched\), \(a1, predicted, actual, matched\)\)/)
    expect(query).toContain('`a:ra\\`ce` AS a1')
    expect(query.match(/LEFT JOIN/g)).toHaveLength(1)
    expect(() => confusionByAttributesQuery({ ...base, attributes: [] })).toThrow(RangeError)
    expect(() => confusionByAttributesQuery({ ...base, attributes: ['sex', 'sex'] })).toThrow(/twice/)
    expect(() => confusionByAttributesQuery({ ...base, attributes: [''] })).toThrow(/attributes\[0\]/)
  })

  it('reads each attribute\'s matrices and refuses sets that do not hold the same predictions', () => {
    const row = (set: number, a0: string, a1: string, predicted: number, actual: number, matched: number, n: number) => ({ grouping_set: String(set), a0, a1, predicted, actual, matched, n: String(n) })
    const rows = [
      row(0, 'f', '', 1, 1, 1, 3), row(0, 'm', '', 0, 0, 0, 2), row(0, 'm', '', 1, 0, 1, 1),
      row(1, '', 'a', 1, 1, 1, 3), row(1, '', 'b', 0, 0, 0, 2), row(1, '', 'b', 1, 0, 1, 1),
    ]
    const c = confusionByAttributesFromRows(rows, ['sex', 'race'])
    expect(c.overall).toEqual({ tp: 3, fp: 1, tn: 0, fn: 0, predictions: 6, labelled: 4, coverage: 4 / 6 })
    expect(c.byAttribute.sex).toEqual({ f: { tp: 3, fp: 0, tn: 0, fn: 0, predictions: 3, labelled: 3, coverage: 1 }, m: { tp: 0, fp: 1, tn: 0, fn: 0, predictions: 3, labelled: 1, coverage: 1 / 3 } })
    expect(confusionOfAttribute(c, 'race').byGroup.b!.predictions).toBe(3)
    expect(() => confusionOfAttribute(c, 'age')).toThrow(/age/)
    expect(() => confusionByAttributesFromRows(rows.slice(0, 5), ['sex', 'race'])).toThrow(/same predictions/)
    expect(() => confusionByAttributesFromRows([row(2, '', '', 0, 0, 0, 1)], ['sex', 'race'])).toThrow(/grouping set 2/)
    expect(confusionByAttributesFromRows([], ['sex']).overall.predictions).toBe(0)
  })
})
