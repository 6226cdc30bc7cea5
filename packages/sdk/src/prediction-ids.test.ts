/**
 * Prediction ids: canonical UUIDs, unique, made without a per-call random draw; the hot path's
 * sampling hash of call n equals the public sampleHash of its id.
 */
import { describe, expect, it } from 'vitest'
import { PredictionIds, inSample, sampleHash } from './prediction-ids.js'
import { createMonitor } from './index.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const MODEL = { id: 'credit-risk', version: '2.3.0' }

describe('PredictionIds', () => {
  it('hashOf(n) is sampleHash(format(n)) for small, hex-letter and large call numbers', () => {
    const ids = new PredictionIds()
    const numbers = [0, 1, 9, 10, 15, 16, 255, 4096, 0xabcdef, 2 ** 32 + 7, 2 ** 47 + 0xfedcba, 2 ** 48 - 1]
    for (let n = 0; n < 2_000; n++) numbers.push(n * 7919)
    for (const n of numbers) {
      expect(ids.format(n)).toMatch(UUID)
      expect(ids.hashOf(n)).toBe(sampleHash(ids.format(n)))
    }
  })

  it('two instances (two processes) draw different prefixes', () => {
    expect(new PredictionIds().prefix).not.toBe(new PredictionIds().prefix)
  })

  it('sampleHash is a pure function of the string, in [0, 2^32)', () => {
    expect(sampleHash('order-17')).toBe(sampleHash('order-17'))
    expect(sampleHash('order-17')).not.toBe(sampleHash('order-18'))
    for (const id of ['', 'a', 'order-17', '6f1c0000-0000-4000-8000-000000000000']) {
      const h = sampleHash(id)
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true)
    }
    expect(inSample(0, 0)).toBe(false)
    expect(inSample(2 ** 32 - 1, 1)).toBe(true)
    expect(inSample(2 ** 31, 0.5)).toBe(false)
    expect(inSample(2 ** 31 - 1, 0.5)).toBe(true)
  })
})

describe('ids given to the caller', () => {
  it('wrapWithId returns { result, predictionId } with canonical UUIDs, unique over 100,000 calls and two monitors', async () => {
    // Enabled (sampling everything out, so nothing queues): the id path of a live monitor.
    const a = createMonitor({ endpoint: 'http://127.0.0.1:9', model: MODEL, sampleRate: 0 })
    const b = createMonitor({ endpoint: 'http://127.0.0.1:9', model: MODEL, sampleRate: 0 })
    const callA = a.wrapWithId((x: number) => x * 3)
    const callB = b.wrapWithId(async (x: number) => x)
    const seen = new Set<string>()
    for (let i = 0; i < 100_000; i++) {
      const { result, predictionId } = callA(i)
      if (result !== i * 3) throw new Error(`result ${result} for ${i}`)
      if (!UUID.test(predictionId)) throw new Error(`not a canonical UUID: ${predictionId}`)
      seen.add(predictionId)
    }
    expect(seen.size).toBe(100_000)
    const fromB = callB(5)
    expect(await fromB.result).toBe(5)
    expect(fromB.predictionId).toMatch(UUID)
    expect(seen.has(fromB.predictionId)).toBe(false)
    await Promise.all([a.shutdown(), b.shutdown()])
  })

  // A model that calls itself: each call must get back its own id (wrapWithId keeps a stack).
  it('wrapWithId returns each call its own id, also when the wrapped function re-enters itself', () => {
    const monitor = createMonitor({ model: MODEL })
    const ids: string[] = []
    const predict = monitor.wrapWithId((depth: number): number => {
      ids.push(monitor.lastPredictionId()!) // this call's id, read as soon as it is made
      return depth > 0 ? predict(depth - 1).result + 1 : 0
    })
    const outer = predict(1)
    expect(outer.result).toBe(1)
    expect(outer.predictionId).toBe(ids[0])
  })

  it('lastPredictionId is the id of the latest call, right after a sync call returns', () => {
    const monitor = createMonitor({ endpoint: 'http://127.0.0.1:9', model: MODEL, sampleRate: 0 })
    expect(monitor.lastPredictionId()).toBeUndefined()
    const plain = monitor.wrap((x: number) => x)
    const withId = monitor.wrapWithId((x: number) => x)
    plain(1)
    const first = monitor.lastPredictionId()
    expect(first).toMatch(UUID)
    const { predictionId } = withId(2)
    expect(monitor.lastPredictionId()).toBe(predictionId)
    expect(predictionId).not.toBe(first)
    plain(3)
    expect(monitor.lastPredictionId()).not.toBe(predictionId)
    // A call that throws still has an id (its failed prediction is recorded under it).
    const failing = monitor.wrap((): never => {
      throw new Error('x')
    })
    const before = monitor.lastPredictionId()
    expect(() => failing()).toThrow('x')
    expect(monitor.lastPredictionId()).not.toBe(before)
  })
})
