// Expected calibration error in ClickHouse against the statistics package, on scores that sit
// exactly on bin edges. Bins are (k/M, (k+1)/M]; with M = 25, 0.56 · 25 is 14.000000000000002 in
// Float64, so a bin index of ceil(c·M) − 1 alone would put 0.56 (an upper edge) with 0.6 in
// (0.56, 0.6]. The two are given calibration errors of opposite signs, so merging them changes the
// ECE (same-sign errors would hide the mistake: |a| + |b| = |a + b|). Other scores sit on edges too.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { expectedCalibrationError } from '@aims-monitor/metrics'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'

const DAY = Date.parse('2026-11-25T00:00:00Z')
const AT = '2026-11-26T00:00:00.000Z'

const policy = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: calibration-edges, version: 1 }
controls:
  - id: PERF-ECE
    version: 1
    title: Calibration
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-2026-18 }
    references: { iso42001: ['9.1', A.6.2.6], euAiAct: [Art. 15], nistAiRmf: [MEASURE 2.5] }
    owner: { accountable: Chief Risk Officer, responsible: Model Risk team }
    scope: { model: edges }
    metric: { kind: performance, name: expected_calibration_error, params: { positiveLabel: '1', positiveOutcomeLabel: '1', bins: 25 } }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.5, rationale: A score that misstates the odds by half is not a probability. }
    guard: { minSample: 10 }
    schedule: { every: 1d }
    severity: medium
`

// score → [predictions, of which the outcome is 1]. Top-label confidence 0.56 (scores 0.56 and
// 0.44) under-confident, 0.6 over-confident; 0.8, 0.92, 1, 0 and 0.5 on edges as well.
const cells: [number, number, number][] = [
  [0.56, 40, 38], [0.44, 20, 1], [0.6, 50, 20], [0.8, 30, 18], [0.2, 10, 4], [0.92, 25, 24], [0.08, 15, 3], [1, 5, 5], [0, 5, 0], [0.5, 10, 5],
]

let c: CollectorFixture
const yTrue: number[] = []
const yProb: number[] = []

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'aims-ece-edges-'))
  const policyFile = path.join(dir, 'policy.yaml')
  await writeFile(policyFile, policy)
  c = await startCollectorFixture({ policyFile })
  const events: unknown[] = []
  let n = 0
  for (const [score, count, positives] of cells) {
    for (let i = 0; i < count; i++) {
      const id = `p-${n++}`
      const label = i < positives ? '1' : '0'
      const ts = DAY + n * 1000
      events.push({ type: 'prediction', id, timestamp: ts, model: { id: 'edges', version: '1' }, features: { x: score }, output: { label: score > 0.5 ? '1' : '0', score } })
      events.push({ type: 'outcome', predictionId: id, timestamp: ts + 1, model: { id: 'edges' }, label })
      yTrue.push(Number(label))
      yProb.push(score)
    }
  }
  const res = await c.post('/v1/events', { events })
  expect(res.status, res.text).toBe(200)
  await c.getModels()
}, 120_000)

afterAll(async () => {
  await c?.close()
})

it('puts scores on a bin edge in the bin below, as the statistics package does, so the ECE matches', async () => {
  const expected = expectedCalibrationError(yTrue, yProb, { bins: 25 })
  const res = await c.post('/v1/controls/evaluate', { controls: ['PERF-ECE'], at: AT })
  expect(res.status, res.text).toBe(200)
  const record = res.json.results[0].evaluation
  expect(record.samples.labelled).toBe(yTrue.length)
  expect(record.value).toBeCloseTo(expected, 12)
  const bins = record.breakdown.items[0].detail.bins as { lower: number; upper: number; count: number }[]
  expect(bins.find((b) => b.upper === 14 / 25)?.count).toBe(60) // 0.56 and 0.44: confidence 0.56 in (0.52, 0.56]
  expect(bins.find((b) => b.upper === 15 / 25)?.count).toBe(50) // 0.6 alone in (0.56, 0.6]
})
