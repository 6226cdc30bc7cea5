import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BASE_PREDICTION_COLUMNS, OUTCOME_COLUMNS, RowBinaryWriter, addColumnsSql, attributeColumn, compilePredictionEncoder, createPredictionsTableSql,
  encodeOutcome, openStore, predictionsTableName, storeConfigFromEnv,
  type ColumnSpec, type OutcomeRecord, type PredictionRecord, type Store,
} from '@aims-monitor/store'
import {
  accuracyFromScores, brierFromScores, brierScore, confusionByAttributesFromRows, confusionByAttributesQuery, confusionByGroupFromRows, confusionByGroupQuery,
  expectedCalibrationError, fairnessGroupsOf, fairnessMetricsFromCounts, confusionOfAttribute,
  expectedCalibrationErrorFromScores, labelledScoresFromRows, labelledScoresQuery, logLoss, logLossFromScores, meanAbsoluteError,
  regressionErrorsFromRows, regressionErrorsQuery, reliabilityBins, reliabilityFromScores, rocAuc, rocAucFromScores, rootMeanSquaredError, seededRandom,
  type LabelledScores, type LabelledScoresOptions, type PredictionScope, type SqlQuery,
} from '@aims-monitor/metrics'

// The outcome join and the performance inputs computed in ClickHouse against the same numbers in
// TypeScript, on rows written as the collector writes them: outcomes in `outcomes` (corrected,
// retried, sent twice, another model's), the latest of each kept in `outcomes_latest` by the
// store's view (migration 0005). Both outcome sources must give the same counts as counting in JS.

const DAY = 86_400_000
const dir = mkdtempSync(path.join(tmpdir(), 'aims-labelled-scores-'))
const MODEL = 'scores-test'
const from = Math.floor(Date.now() / DAY) * DAY - 3 * DAY
const window = { from, to: from + DAY }
let store: Store
let table: string

const random = seededRandom(777)
const uuid = (n: number) => `5a1e0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
const predictions: PredictionRecord[] = []
const outcomes: OutcomeRecord[][] = [[], [], []] // three inserts: first outcomes, corrections, retries and resent rows

/** Scores of several kinds: continuous, on a 0.01 grid, on the 0.1 edges, 0/1, NaN, outside [0, 1]. */
function scoreOf(i: number): { score: number; race: string } {
  const kind = i % 20
  const u = random()
  if (kind < 11) return { score: u, race: 'free' }
  if (kind < 15) return { score: Math.round(u * 100) / 100, race: 'grid' }
  if (kind < 17) return { score: Math.floor(u * 11) / 10, race: 'grid' }
  if (kind === 17) return { score: u < 0.5 ? 0 : 1, race: 'grid' }
  if (kind === 18) return { score: NaN, race: 'none' }
  return { score: u < 0.5 ? -0.25 : 1.25, race: 'none' }
}

function generate(): void {
  for (let i = 0; i < 4200; i++) {
    const outside = i >= 4000 // the day before the window: never counted
    const ts = (outside ? from - DAY : from) + Math.floor(random() * DAY)
    const { score, race } = scoreOf(i)
    const sex = random() < 0.03 ? '' : ['f', 'm', 'x'][Math.floor(random() * 3)]!
    const record: PredictionRecord = {
      id: uuid(i + 1), timestampMs: ts, receivedMs: ts + 3, modelId: MODEL, modelVersion: '1', environment: 'production', status: 'ok', errorType: '',
      outputLabel: score >= 0.5 ? 'approve' : 'deny', outputScore: score, outputValue: random() < 0.1 ? NaN : Math.round(random() * 1000) / 10,
      latencyMs: 1, streamItems: NaN, traceId: '', spanId: '', features: {}, attributes: sex === '' ? { race } : { sex, race },
    }
    predictions.push(record)
    const label = () => (random() < (Number.isFinite(score) ? Math.min(1, Math.max(0, score)) * 0.8 + 0.1 : 0.5) ? 'repaid' : 'default')
    const value = () => (random() < 0.05 ? NaN : record.outputValue + (random() - 0.5) * 20)
    if (random() < 0.8) {
      const base = { predictionId: record.id, modelId: MODEL, modelVersion: '1' }
      const first = { ...base, timestampMs: ts + 1000, receivedMs: ts + 2000, label: label(), value: value() }
      outcomes[0]!.push(first)
      const u = random()
      if (u < 0.1) outcomes[1]!.push({ ...base, timestampMs: ts + 5000, receivedMs: ts + 6000, label: label(), value: value() }) // corrected
      else if (u < 0.15) outcomes[2]!.push({ ...first, receivedMs: first.receivedMs + 7, label: label(), value: value() }) // retried, same ts
      else if (u < 0.18) outcomes[2]!.push({ ...first }) // the same row sent again
      else if (u < 0.2) outcomes[2]!.push({ ...first, timestampMs: first.timestampMs - 1, receivedMs: first.receivedMs + 9000, label: 'stale' }) // late but older
    }
    if (random() < 0.05) outcomes[0]!.push({ predictionId: record.id, modelId: 'other-model', modelVersion: '1', timestampMs: ts + 9000, receivedMs: ts + 9000, label: 'repaid', value: 0 })
  }
}

const COLUMNS: ColumnSpec[] = [...BASE_PREDICTION_COLUMNS, attributeColumn('sex'), attributeColumn('race')]

beforeAll(async () => {
  generate()
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(dir, 'store') }))
  const context = { database: store.config.database, retentionDays: store.config.retentionDays }
  const name = predictionsTableName('default', MODEL)
  await store.client.command({ query: createPredictionsTableSql(name, context) })
  await store.client.command({ query: addColumnsSql(name, COLUMNS.slice(BASE_PREDICTION_COLUMNS.length), context) })
  const writer = new RowBinaryWriter()
  const encode = compilePredictionEncoder(COLUMNS)
  for (const r of predictions) encode(writer, r)
  writeFileSync(path.join(dir, 'p.rows'), writer.view())
  await store.insertRowBinaryFile({ table: name, columns: COLUMNS, file: path.join(dir, 'p.rows'), dedupToken: 'predictions' })
  for (const [i, batch] of outcomes.entries()) {
    const w = new RowBinaryWriter()
    for (const o of batch) encodeOutcome(w, 'default', o)
    writeFileSync(path.join(dir, `o${i}.rows`), w.view())
    await store.insertRowBinaryFile({ table: 'outcomes', columns: OUTCOME_COLUMNS, file: path.join(dir, `o${i}.rows`), dedupToken: `outcomes-${i}` })
  }
  table = store.table(name)
})

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function rows({ query, params }: SqlQuery): Promise<Record<string, unknown>[]> {
  return (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json()
}

/** The latest outcome of each prediction of the model: later ts, then later receipt. */
function latest(): Map<string, OutcomeRecord> {
  const out = new Map<string, OutcomeRecord>()
  for (const o of outcomes.flat()) {
    if (o.modelId !== MODEL) continue
    const seen = out.get(o.predictionId)
    if (!seen || o.timestampMs > seen.timestampMs || (o.timestampMs === seen.timestampMs && o.receivedMs > seen.receivedMs)) out.set(o.predictionId, o)
  }
  return out
}

const inWindow = (attributes: Record<string, string> = {}) => predictions.filter((r) =>
  r.timestampMs >= window.from && r.timestampMs < window.to && Object.entries(attributes).every(([k, v]) => (r.attributes[k] ?? '') === v))
const scope = (attributes?: Record<string, string>): PredictionScope => ({ table, window, attributes })
const sources = () => ({ latest: { latestOutcomesTable: store.table('outcomes_latest') }, events: { outcomesTable: store.table('outcomes') } })
const base = { project: 'default', modelId: MODEL, positiveLabel: 'approve', positiveOutcomeLabel: 'repaid' }

/** Confusion per group counted in JS. */
function expectedConfusion(attribute: string, predictedOf: (r: PredictionRecord) => boolean = (r) => r.outputLabel === 'approve') {
  const labels = latest()
  const out: Record<string, { tp: number; fp: number; tn: number; fn: number; predictions: number; labelled: number; coverage: number }> = {}
  for (const r of inWindow()) {
    const cell = (out[String(r.attributes[attribute] ?? '')] ??= { tp: 0, fp: 0, tn: 0, fn: 0, predictions: 0, labelled: 0, coverage: 0 })
    cell.predictions++
    const o = labels.get(r.id)
    if (!o) continue
    cell.labelled++
    const predicted = predictedOf(r)
    const actual = o.label === 'repaid'
    cell[predicted ? (actual ? 'tp' : 'fp') : actual ? 'fn' : 'tn']++
  }
  for (const cell of Object.values(out)) cell.coverage = cell.labelled / cell.predictions
  return out
}

async function scoresFrom(options: Omit<LabelledScoresOptions, 'project' | 'modelId' | 'positiveLabel'>): Promise<LabelledScores> {
  return labelledScoresFromRows(await rows(labelledScoresQuery({ ...base, ...options })), options)
}

describe('the outcome join: outcomes_latest (FINAL, merge join) and outcomes (argMax) agree with JS', () => {
  it('counts the same confusion matrices per group from either table, corrections and retries resolved', async () => {
    const expected = expectedConfusion('sex')
    for (const [name, source] of Object.entries(sources())) {
      for (const preFilterOutcomes of name === 'events' ? [true, false] : [undefined]) {
        const got = confusionByGroupFromRows(await rows(confusionByGroupQuery({ ...base, ...source, preFilterOutcomes, scope: scope(), groupBy: 'sex' })))
        expect(got.byGroup, name).toEqual(expected)
      }
    }
    // The data really has what the rule decides: corrections, same-ts retries and late older outcomes.
    const kinds = outcomes[2]!.map((o) => o.label)
    expect(outcomes[1]!.length).toBeGreaterThan(100)
    expect(kinds.filter((l) => l === 'stale').length).toBeGreaterThan(20)
  })

  it('breaks one join down by two attributes (grouping sets), each equal to its own confusion query', async () => {
    for (const source of Object.values(sources())) {
      const c = confusionByAttributesFromRows(await rows(confusionByAttributesQuery({ ...base, ...source, scope: scope(), attributes: ['sex', 'race'] })), ['sex', 'race'])
      expect(c.byAttribute.sex).toEqual(expectedConfusion('sex'))
      expect(c.byAttribute.race).toEqual(expectedConfusion('race'))
      const single = confusionByGroupFromRows(await rows(confusionByGroupQuery({ ...base, ...source, scope: scope(), groupBy: 'race' })))
      expect(confusionOfAttribute(c, 'race')).toEqual(single)
      expect(fairnessMetricsFromCounts({ groups: fairnessGroupsOf(confusionOfAttribute(c, 'race')) })).toEqual(fairnessMetricsFromCounts({ groups: fairnessGroupsOf(single) }))
    }
  })

  it('predicts from the score with a threshold', async () => {
    const options = { ...base, latestOutcomesTable: store.table('outcomes_latest'), scope: scope(), scoreThreshold: 0.7 }
    const c = confusionByAttributesFromRows(await rows(confusionByAttributesQuery({ ...options, attributes: ['sex'] })), ['sex'])
    expect(c.byAttribute.sex).toEqual(expectedConfusion('sex', (r) => r.outputScore >= 0.7))
    const s = await scoresFrom(options)
    expect(s.overall).toEqual(c.overall)
  })
})

describe('performance inputs (labelledScoresQuery) against the performance family on the same values', () => {
  /** The labelled predictions of a scope with their latest outcome, as arrays. */
  function labelled(attributes?: Record<string, string>) {
    const labels = latest()
    const yTrue: boolean[] = []
    const p: number[] = []
    const y: number[] = []
    const yHat: number[] = []
    let unscored = 0
    for (const r of inWindow(attributes)) {
      const o = labels.get(r.id)
      if (!o) continue
      if (Number.isFinite(o.value) && Number.isFinite(r.outputValue)) {
        y.push(o.value)
        yHat.push(r.outputValue)
      }
      if (!(r.outputScore >= 0 && r.outputScore <= 1)) {
        unscored++
        continue
      }
      yTrue.push(o.label === 'repaid')
      p.push(r.outputScore)
    }
    return { yTrue, p, y, yHat, unscored }
  }

  it('gives ROC AUC within its bound, log loss, Brier, ECE, accuracy (and MAE, RMSE from regressionErrorsQuery) as computed on the values', async () => {
    const s = await scoresFrom({ latestOutcomesTable: store.table('outcomes_latest'), scope: scope(), scoreBins: 1000 })
    const { yTrue, p, y, yHat, unscored } = labelled()
    const all = Object.values(expectedConfusion('sex')).reduce((a, c) => ({ tp: a.tp + c.tp, fp: a.fp + c.fp, tn: a.tn + c.tn, fn: a.fn + c.fn, predictions: a.predictions + c.predictions, labelled: a.labelled + c.labelled }), { tp: 0, fp: 0, tn: 0, fn: 0, predictions: 0, labelled: 0 })
    expect(s.overall).toEqual({ ...all, coverage: all.labelled / all.predictions })
    expect([s.scored, s.unscored, s.positives]).toEqual([p.length, unscored, yTrue.filter(Boolean).length])
    const exact = rocAuc(yTrue, p)!
    const auc = rocAucFromScores(s)!
    expect(exact).toBeGreaterThanOrEqual(auc.lower)
    expect(exact).toBeLessThanOrEqual(auc.upper)
    expect(auc.maxError).toBeGreaterThan(0) // continuous scores share bins (and 0 and 1 share theirs with them)
    expect(auc.maxError).toBeLessThan(5e-3)
    const close = (a: number | null, b: number) => expect(Math.abs(a! - b) / Math.max(1, Math.abs(b))).toBeLessThanOrEqual(1e-12)
    close(logLossFromScores(s), logLoss(yTrue, p, { positiveLabel: true }))
    close(brierFromScores(s), brierScore(yTrue, p, { positiveLabel: true }))
    for (const mode of ['top-label', 'positive-class'] as const) {
      const got = reliabilityFromScores(s, { bins: 10, mode })
      const expected = reliabilityBins(yTrue, p, { bins: 10, mode, positiveLabel: true })
      expect(got.map((b) => [b.count, b.accuracy])).toEqual(expected.map((b) => [b.count, b.accuracy]))
      close(expectedCalibrationErrorFromScores(s, { bins: 10, mode }), expectedCalibrationError(yTrue, p, { bins: 10, mode, positiveLabel: true }))
    }
    for (const source of Object.values(sources())) {
      const regression = regressionErrorsFromRows(await rows(regressionErrorsQuery({ ...source, project: 'default', modelId: MODEL, scope: scope() })))
      expect([regression.predictions, regression.labelled, regression.count]).toEqual([s.overall.predictions, s.overall.labelled, y.length])
      close(regression.mae, meanAbsoluteError(y, yHat))
      close(regression.rmse, rootMeanSquaredError(y, yHat))
    }
    expect(accuracyFromScores(s)).toBe((s.overall.tp + s.overall.tn) / s.overall.labelled)
  })

  it('gives the exact ROC AUC (maxError 0) when no bin holds two distinct scores', async () => {
    const s = await scoresFrom({ latestOutcomesTable: store.table('outcomes_latest'), scope: scope({ race: 'grid' }) })
    const { yTrue, p } = labelled({ race: 'grid' })
    const auc = rocAucFromScores(s)!
    expect(auc.maxError).toBe(0)
    expect(auc.value).toBe(rocAuc(yTrue, p))
  })

  it('gives the same aggregates from outcomes (argMax) as from outcomes_latest', async () => {
    const a = await scoresFrom({ latestOutcomesTable: store.table('outcomes_latest'), scope: scope() })
    const b = await scoresFrom({ outcomesTable: store.table('outcomes'), scope: scope() })
    expect({ ...b, logLossSum: 0, brierSum: 0, histogram: { ...b.histogram, scoreSums: [], confidenceSums: [] } })
      .toEqual({ ...a, logLossSum: 0, brierSum: 0, histogram: { ...a.histogram, scoreSums: [], confidenceSums: [] } })
    expect(Math.abs(a.logLossSum - b.logLossSum)).toBeLessThanOrEqual(1e-9 * a.logLossSum)
    expect(Math.abs(a.brierSum - b.brierSum)).toBeLessThanOrEqual(1e-9 * a.brierSum)
  })
})
