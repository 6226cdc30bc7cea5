/**
 * Failing extractors never reach the caller: each failure is counted in stats().extractorErrors,
 * one process warning is emitted per monitor, the call's result is unaffected and the prediction
 * is still recorded without the part that failed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { createMonitor } from './index.js'
import { startOtlpJsonReceiver, type OtlpJsonReceiver } from '../../../test/support/sdk-otlp-receiver.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }
let receiver: OtlpJsonReceiver
const warnings: Error[] = []
const onWarning = (warning: Error) => warnings.push(warning)

beforeAll(async () => {
  receiver = await startOtlpJsonReceiver()
  process.on('warning', onWarning)
})
afterAll(async () => {
  process.off('warning', onWarning)
  await receiver.close()
})

const extractorWarnings = () => warnings.filter((w) => (w as Error & { code?: string }).code === 'AIMS_MONITOR_EXTRACTOR')

it('counts every failure, warns once, leaves the result alone and still records the prediction', async () => {
  const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 60_000 })
  const predict = monitor.wrap((x: { age: number }) => ({ score: x.age / 100 }), {
    features: (x) => {
      if (x.age > 50) throw new Error('feature store lookup failed')
      return { age: x.age }
    },
    attributes: () => {
      throw new TypeError('no segment')
    },
    output: (r) => ({ score: r.score }),
  })
  const results = [predict({ age: 30 }), predict({ age: 60 }), predict({ age: 70 })]
  expect(results).toEqual([{ score: 0.3 }, { score: 0.6 }, { score: 0.7 }])
  // attributes failed 3 times, features twice.
  expect(monitor.stats().extractorErrors).toBe(5)
  expect(monitor.stats().recorded).toBe(3)

  await nextTurn() // process warnings are emitted on the next tick
  expect(extractorWarnings()).toHaveLength(1)
  expect(extractorWarnings()[0]!.message).toContain('no segment') // the first failure, on the first call

  await monitor.shutdown()
  const records = receiver.byEvent('aims.prediction')
  expect(records).toHaveLength(3)
  expect(records.map((r) => r.attributes['aims.output.score'])).toEqual([0.3, 0.6, 0.7])
  expect(records.map((r) => r.attributes['aims.feature.age'])).toEqual([30, undefined, undefined])
  expect(records.every((r) => !Object.keys(r.attributes).some((k) => k.startsWith('aims.attribute.')))).toBe(true)
})

it('records the prediction without output when the output extractor throws, async and streaming alike', async () => {
  receiver.records.length = 0
  warnings.length = 0
  const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 60_000 })
  const broken = { output: (): never => { throw new Error('bad output shape') }, features: () => ({ n: 1 }) }
  const asyncPredict = monitor.wrap(async () => 'approve', broken)
  async function* items() {
    yield 'a'
    yield 'b'
  }
  const streamPredict = monitor.wrap(items, broken)

  expect(await asyncPredict()).toBe('approve')
  const seen: string[] = []
  for await (const item of streamPredict()) seen.push(item)
  expect(seen).toEqual(['a', 'b'])
  expect(monitor.stats().extractorErrors).toBe(2)
  await nextTurn()
  // A second monitor warns once for itself.
  expect(extractorWarnings()).toHaveLength(1)

  await monitor.shutdown()
  const records = receiver.byEvent('aims.prediction')
  expect(records).toHaveLength(2)
  for (const record of records) {
    expect(record.attributes['aims.feature.n']).toBe(1)
    expect(Object.keys(record.attributes).filter((k) => k.startsWith('aims.output.'))).toEqual([])
    expect(record.attributes).not.toHaveProperty('aims.error.type')
  }
})

it('an extractor that returns garbage does not break the call or the export', async () => {
  receiver.records.length = 0
  const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 60_000 })
  const predict = monitor.wrap((x: number) => x + 1, {
    features: () => null as unknown as Record<string, number>,
    attributes: () => 'not a map' as unknown as Record<string, string>,
    output: () => ({ score: Number.NaN, label: { nested: true } as unknown as string }),
  })
  expect(predict(1)).toBe(2)
  await monitor.shutdown()
  expect(monitor.stats().failed).toBe(0)
  const records = receiver.byEvent('aims.prediction')
  expect(records).toHaveLength(1)
  expect(records[0]!.attributes).not.toHaveProperty('aims.output.score')
  expect(records[0]!.attributes).not.toHaveProperty('aims.output.label')
})
