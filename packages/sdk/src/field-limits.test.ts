/**
 * The wire format's limits applied on the client, counted in stats().truncated: 200 features, 32
 * attributes, strings cut to 256, values the collector cannot take (empty strings, NaN, objects)
 * and bad names left out; hashFields replaced by a salted HMAC (16 hex digits).
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { createMonitor, type MonitorOptions } from './index.js'
import { startOtlpJsonReceiver, type OtlpJsonReceiver, type ReceivedLogRecord } from '../../../test/support/sdk-otlp-receiver.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }
let receiver: OtlpJsonReceiver

beforeAll(async () => {
  receiver = await startOtlpJsonReceiver()
})
afterAll(() => receiver.close())
beforeEach(() => {
  receiver.records.length = 0
})

function monitorFor(options: Partial<MonitorOptions> = {}) {
  return createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 60_000, ...options })
}

const featuresOf = (r: ReceivedLogRecord) =>
  Object.fromEntries(Object.entries(r.attributes).filter(([k]) => k.startsWith('aims.feature.')).map(([k, v]) => [k.slice('aims.feature.'.length), v]))
const attributesOf = (r: ReceivedLogRecord) =>
  Object.fromEntries(Object.entries(r.attributes).filter(([k]) => k.startsWith('aims.attribute.')).map(([k, v]) => [k.slice('aims.attribute.'.length), v]))

it('sends at most 200 features and 32 attributes, counting the rest', async () => {
  const monitor = monitorFor()
  const features = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`f${i}`, i]))
  const attributes = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`a${i}`, `v${i}`]))
  const predict = monitor.wrap(() => 1, { features: () => features, attributes: () => attributes, output: (value) => ({ value }) })
  expect(predict()).toBe(1)
  await monitor.shutdown()
  const [record] = receiver.byEvent('aims.prediction')
  expect(Object.keys(featuresOf(record!))).toHaveLength(200)
  expect(featuresOf(record!)).toEqual(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, i]))) // the first 200, in order
  expect(Object.keys(attributesOf(record!))).toHaveLength(32)
  expect(monitor.stats().truncated).toBe(50 + 8)
  // The caller's maps are not modified.
  expect(Object.keys(features)).toHaveLength(250)
})

it('cuts long strings to 256, leaves out values and names the collector would refuse, and counts each', async () => {
  const monitor = monitorFor()
  const long = 'x'.repeat(300)
  monitor.logPrediction({
    features: {
      region: long,
      empty: '',
      notANumber: Number.NaN,
      infinite: Number.POSITIVE_INFINITY,
      nested: { a: 1 } as unknown as string,
      list: [1, 2] as unknown as string,
      'bad name': 1,
      '1starts_with_digit': 2,
      ['n'.repeat(129)]: 3,
      missing: undefined,
      alsoMissing: null,
      ok_name: 4,
      'dotted.name:x/y-z': true,
    },
    output: { label: long },
  })
  await monitor.shutdown()
  const [record] = receiver.byEvent('aims.prediction')
  expect(featuresOf(record!)).toEqual({ region: 'x'.repeat(256), ok_name: 4, 'dotted.name:x/y-z': true })
  expect(record!.attributes['aims.output.label']).toBe('x'.repeat(256))
  // region, empty, NaN, Infinity, object, array, three bad names, the output label; null/undefined are "missing", not cut.
  expect(monitor.stats().truncated).toBe(10)
})

it('cuts an error message to 1024 characters and an error type to 128, counting each', async () => {
  const monitor = monitorFor()
  class VeryLongNamedError extends Error {
    override name = 'E'.repeat(200)
  }
  const failing = monitor.wrap((): never => {
    throw new VeryLongNamedError('m'.repeat(2_000))
  })
  expect(() => failing()).toThrow(VeryLongNamedError)
  await monitor.shutdown()
  const [record] = receiver.byEvent('aims.prediction')
  expect(record!.attributes['aims.error.message']).toBe('m'.repeat(1_024))
  expect(record!.attributes['aims.error.type']).toBe('E'.repeat(128))
  expect(monitor.stats().truncated).toBe(2)
})

it('replaces hashFields by a salted HMAC-SHA-256 of 16 hex digits: same value, same hash; other salt, other hash', async () => {
  const salt = 'deployment-salt-0001'
  const otherSalt = 'deployment-salt-0002'
  const expected = (value: string, key: string) => createHmac('sha256', key).update(value).digest('hex').slice(0, 16)
  const a = monitorFor({ hashFields: ['zip', 'customer'], hashSalt: salt })
  const b = monitorFor({ hashFields: ['zip', 'customer'], hashSalt: otherSalt })
  for (const m of [a, b]) {
    const predict = m.wrap((x: { zip: string; customer: number; age: number }) => x.age, {
      features: (x) => ({ zip: x.zip, age: x.age }),
      attributes: (x) => ({ customer: x.customer }),
      output: (value) => ({ value }),
    })
    predict({ zip: '10115', customer: 4711, age: 30 })
    predict({ zip: '10115', customer: 4712, age: 31 })
    predict({ zip: '', customer: 4712, age: 32 }) // an empty value is left out, not hashed
  }
  await a.shutdown()
  await b.shutdown()
  const records = receiver.byEvent('aims.prediction')
  expect(records).toHaveLength(6)
  const [a1, a2, a3, b1] = records
  expect(a1!.attributes['aims.feature.zip']).toBe(expected('10115', salt))
  expect(a1!.attributes['aims.feature.zip']).toMatch(/^[0-9a-f]{16}$/)
  expect(a2!.attributes['aims.feature.zip']).toBe(a1!.attributes['aims.feature.zip'])
  expect(a1!.attributes['aims.attribute.customer']).toBe(expected('4711', salt))
  expect(a2!.attributes['aims.attribute.customer']).not.toBe(a1!.attributes['aims.attribute.customer'])
  expect(b1!.attributes['aims.feature.zip']).toBe(expected('10115', otherSalt))
  expect(b1!.attributes['aims.feature.zip']).not.toBe(a1!.attributes['aims.feature.zip'])
  // Fields not named stay as they are; the raw value travels nowhere.
  expect(a1!.attributes['aims.feature.age']).toBe(30)
  expect(JSON.stringify(records)).not.toContain('10115')
  expect(a3!.attributes).not.toHaveProperty('aims.feature.zip')
  expect(a.stats().truncated).toBe(1)
})
