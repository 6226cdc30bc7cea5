/**
 * Sampling by rate, deterministic by prediction id: `inSample(sampleHash(id), rate)` decides, in
 * every process, so an outcome logged later (or elsewhere) is kept exactly when its prediction was.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createMonitor, inSample, sampleHash } from './index.js'
import { startOtlpJsonReceiver, type OtlpJsonReceiver } from '../../../test/support/sdk-otlp-receiver.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }
const RATE = 0.3
const CALLS = 10_000
let receiver: OtlpJsonReceiver

beforeAll(async () => {
  receiver = await startOtlpJsonReceiver()
})
afterAll(() => receiver.close())

it('keeps about the rate, decided by the id, and outcomes follow their predictions in any process', async () => {
  const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, sampleRate: RATE, exportIntervalMs: 60_000 })
  const predict = monitor.wrapWithId((x: number) => x % 2, { features: (x) => ({ x }), output: (label) => ({ label }) })
  const ids: string[] = []
  for (let i = 0; i < CALLS; i++) {
    const { result, predictionId } = predict(i)
    expect(result).toBe(i % 2) // sampled out or not, the call is the call
    ids.push(predictionId)
  }
  await monitor.flush()
  const kept = new Set(receiver.byEvent('aims.prediction').map((r) => r.attributes['aims.prediction.id'] as string))

  // Binomial(10 000, 0.3): mean 3000, sd ≈ 45.8; ±5 sd fails by chance once in ~3.5 million runs.
  expect(kept.size).toBeGreaterThan(3000 - 5 * 46)
  expect(kept.size).toBeLessThan(3000 + 5 * 46)
  const stats = monitor.stats()
  expect(stats.recorded).toBe(kept.size)
  expect(stats.sampledOut).toBe(CALLS - kept.size)

  // The decision is the public hash of the id, nothing else.
  const decided = ids.filter((id) => inSample(sampleHash(id), RATE))
  expect(new Set(decided)).toEqual(kept)

  // Outcomes through the same monitor: recorded for kept predictions, sampled out for the others.
  receiver.records.length = 0
  for (const id of ids) monitor.logOutcome(id, 'repaid')
  expect(monitor.stats().sampledOut).toBe(2 * (CALLS - kept.size))
  await monitor.shutdown()
  expect(new Set(receiver.byEvent('aims.outcome').map((r) => r.attributes['aims.prediction.id']))).toEqual(kept)

  // Another process days later: a fresh monitor (new id prefix, no memory of the calls) decides the same.
  receiver.records.length = 0
  const later = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, sampleRate: RATE, exportIntervalMs: 60_000 })
  for (const id of ids) later.logOutcome(id, { label: 'defaulted', value: 1 })
  await later.shutdown()
  const outcomes = receiver.byEvent('aims.outcome')
  expect(new Set(outcomes.map((r) => r.attributes['aims.prediction.id']))).toEqual(kept)
  expect(outcomes).toHaveLength(kept.size)
  expect(later.stats()).toMatchObject({ recorded: kept.size, sampledOut: CALLS - kept.size })
})

it('sampleRate 0 records nothing and 1 records everything, ids still returned', async () => {
  receiver.records.length = 0
  const none = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, sampleRate: 0 })
  const all = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, sampleRate: 1 })
  const noneCall = none.wrapWithId(() => 1, { output: (v) => ({ value: v }) })
  const allCall = all.wrapWithId(() => 1, { output: (v) => ({ value: v }) })
  for (let i = 0; i < 500; i++) {
    expect(noneCall().predictionId).toMatch(/^[0-9a-f-]{36}$/)
    allCall()
  }
  none.logOutcome(noneCall().predictionId, 'x')
  await Promise.all([none.shutdown(), all.shutdown()])
  expect(none.stats()).toMatchObject({ recorded: 0, sampledOut: 502 })
  expect(all.stats()).toMatchObject({ recorded: 500, sampledOut: 0, exported: 500 })
  expect(receiver.byEvent('aims.prediction')).toHaveLength(500)
  expect(receiver.byEvent('aims.outcome')).toHaveLength(0)
})

it('sequential ids are kept as evenly as independent coin flips (no runs, no clumps)', () => {
  // The SDK's ids share a prefix and count up. A hash whose high bits barely move with the last
  // digits keeps or drops them in runs: the kept share then spreads far wider than a binomial's
  // (FNV-1a alone gave 3.5 binomial sd). 30 processes x 5 000 calls at rate 0.3.
  const counts: number[] = []
  for (let p = 0; p < 30; p++) {
    const predict = createMonitor({ model: MODEL }).wrapWithId(() => 0) // no endpoint: a no-op, ids still made
    let kept = 0
    for (let i = 0; i < 5_000; i++) if (inSample(sampleHash(predict().predictionId), RATE)) kept++
    counts.push(kept)
  }
  const mean = counts.reduce((a, b) => a + b) / counts.length
  const sd = Math.sqrt(counts.reduce((a, b) => a + (b - mean) ** 2, 0) / (counts.length - 1))
  const binomialSd = Math.sqrt(5_000 * RATE * (1 - RATE)) // ≈ 32.4
  expect(Math.abs(mean - 1_500)).toBeLessThan(5 * (binomialSd / Math.sqrt(30)))
  // The sample sd of 30 binomial counts stays under 1.8x the binomial sd with overwhelming odds
  // (chi-square, 29 df: P(s/sigma > 1.8) ≈ 1e-8); the clumped FNV-1a hash gave ~3.5x.
  expect(sd / binomialSd).toBeLessThan(1.8)
})
