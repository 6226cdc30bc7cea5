/**
 * session.monitor.wrap: the call passes through unchanged (this, arguments, result, thrown error, the same
 * Promise, a stream's items) and one prediction per call reaches a real OTLP/JSON receiver with
 * its features, attributes, output, latency and, for failed calls, the error.
 */
import { describe, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ReceivedLogRecord } from '../../../test/support/sdk-otlp-receiver.js'
import { useReceiverMonitor } from './test-support/receiver-monitor.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }

// Records leave only on flush(), and each test sees its own (see useReceiverMonitor).
const session = useReceiverMonitor({ model: MODEL })

/** Flushes and returns the predictions received since the test began. */
async function exported(): Promise<ReceivedLogRecord[]> {
  await session.monitor.flush()
  return session.receiver.byEvent('aims.prediction')
}

interface Applicant {
  age: number
  region: string
  sex: string
}
const applicant: Applicant = { age: 41, region: 'north', sex: 'f' }
const extractors = {
  features: (a: Applicant) => ({ age: a.age, region: a.region }),
  attributes: (a: Applicant) => ({ sex: a.sex }),
}

describe('the call passes through unchanged', () => {
  it('keeps this, the arguments, the return value, the name and the length', () => {
    const seen: unknown[] = []
    function scoreApplicant(this: { bias: number }, a: Applicant, factor: number): number {
      seen.push(this, a, factor)
      return this.bias + a.age * factor
    }
    const service = { bias: 0.5, score: session.monitor.wrap(scoreApplicant, { ...extractors, output: (score) => ({ score }) }) }
    expect(service.score(applicant, 2)).toBe(82.5)
    expect(seen).toEqual([service, applicant, 2])
    expect(seen[1]).toBe(applicant)
    expect(service.score.name).toBe('scoreApplicant')
    expect(service.score.length).toBe(2)
  })

  it('rethrows the very error object a sync model throws, when it throws it', () => {
    const failure = new RangeError('age out of range')
    const wrapped = session.monitor.wrap((_a: Applicant): number => {
      throw failure
    }, extractors)
    let caught: unknown
    try {
      wrapped(applicant)
    } catch (error) {
      caught = error
    }
    expect(caught).toBe(failure)
  })

  it('returns the very Promise an async model returns, and passes its rejection through', async () => {
    const made = Promise.resolve({ label: 'approve' })
    const wrapped = session.monitor.wrap((_a: Applicant) => made, extractors)
    expect(wrapped(applicant)).toBe(made)

    const failure = new Error('model server unavailable')
    const rejected = Promise.reject(failure)
    const failing = session.monitor.wrap((_a: Applicant) => rejected, extractors)
    const returned = failing(applicant)
    expect(returned).toBe(rejected)
    await expect(returned).rejects.toBe(failure)
  })

  it('passes through non-Promise thenables without calling then', () => {
    let thenCalls = 0
    const lazy = { then: () => thenCalls++ }
    const wrapped = session.monitor.wrap(() => lazy)
    expect(wrapped()).toBe(lazy)
    expect(thenCalls).toBe(0)
  })
})

describe('sync and async calls are recorded', () => {
  it('records a sync prediction with features, attributes, output and latency', async () => {
    const predict = session.monitor.wrap((a: Applicant) => ({ label: a.age > 30 ? 'approve' : 'reject', score: 0.82 }), {
      ...extractors,
      output: (r) => ({ label: r.label, score: r.score }),
    })
    expect(predict(applicant)).toEqual({ label: 'approve', score: 0.82 })
    const id = session.monitor.lastPredictionId()
    const [record, ...rest] = await exported()
    expect(rest).toHaveLength(0)
    expect(record!.attributes).toMatchObject({
      'aims.prediction.id': id,
      'aims.feature.age': 41,
      'aims.feature.region': 'north',
      'aims.attribute.sex': 'f',
      'aims.output.label': 'approve',
      'aims.output.score': 0.82,
    })
    expect(record!.attributes['aims.latency_ms']).toBeGreaterThanOrEqual(0)
    expect(record!.attributes).not.toHaveProperty('aims.error.type')
    expect(record!.attributes).not.toHaveProperty('aims.stream.items') // not a stream
    expect(record!.resource).toMatchObject({ 'aims.model.id': 'credit-risk', 'aims.model.version': '2.3.0' })
    // No raw inputs by default: only the declared fields travel.
    expect(Object.keys(record!.attributes).filter((k) => k.startsWith('aims.feature.')).sort()).toEqual(['aims.feature.age', 'aims.feature.region'])
  })

  it('records an async prediction when its Promise settles, with the latency of the whole call', async () => {
    const predict = session.monitor.wrap(
      async (a: Applicant) => {
        await sleep(40)
        return a.age / 100
      },
      { ...extractors, output: (score) => ({ score }) },
    )
    expect(await predict(applicant)).toBe(0.41)
    const [record] = await exported()
    expect(record!.attributes['aims.output.score']).toBe(0.41)
    // The latency spans the await: 40 ms asleep (a margin for the event loop's cached clock, by
    // which a timer can fire a few ms before the precise clock says it is due).
    expect(record!.attributes['aims.latency_ms']).toBeGreaterThanOrEqual(30)
  })

  it('records a thrown sync error as a failed prediction', async () => {
    const wrapped = session.monitor.wrap((_a: Applicant): number => {
      throw new TypeError('features missing')
    }, extractors)
    expect(() => wrapped(applicant)).toThrow(TypeError)
    const [record] = await exported()
    expect(record!.attributes).toMatchObject({
      'aims.error.type': 'TypeError',
      'aims.error.message': 'features missing',
      'aims.feature.age': 41,
    })
    expect(record!.attributes).not.toHaveProperty('aims.output.label')
  })

  it('records a rejected async call as a failed prediction', async () => {
    class ModelTimeout extends Error {
      override name = 'ModelTimeout'
    }
    const wrapped = session.monitor.wrap(async (_a: Applicant): Promise<number> => {
      await sleep(1)
      throw new ModelTimeout('no answer in 2 s')
    }, extractors)
    await expect(wrapped(applicant)).rejects.toBeInstanceOf(ModelTimeout)
    const [record] = await exported()
    expect(record!.attributes).toMatchObject({ 'aims.error.type': 'ModelTimeout', 'aims.error.message': 'no answer in 2 s' })
  })

  it('records a thrown non-Error value by its type', async () => {
    const wrapped = session.monitor.wrap((): number => {
      throw 'plain string' // eslint-disable-line no-throw-literal -- what some libraries do
    })
    expect(() => wrapped()).toThrow('plain string')
    const [record] = await exported()
    expect(record!.attributes['aims.error.type']).toBe('string')
  })
})

describe('streaming calls (async iterables)', () => {
  async function* tokens(n: number, delayMs: number): AsyncGenerator<string> {
    for (let i = 0; i < n; i++) {
      await sleep(delayMs)
      yield `t${i}`
    }
  }

  it('passes items through unchanged and records once when the stream ends, with its latency', async () => {
    const seenByOutput: string[][] = []
    const stream = session.monitor.wrap((_a: Applicant, n: number) => tokens(n, 15), {
      ...extractors,
      output: (items) => {
        seenByOutput.push(items)
        return { label: items.join(''), value: items.length }
      },
    })
    const received: string[] = []
    const iterable = stream(applicant, 4)
    // Nothing is recorded before the stream is consumed.
    expect(await exported()).toHaveLength(0)
    for await (const item of iterable) received.push(item)
    expect(received).toEqual(['t0', 't1', 't2', 't3'])
    expect(seenByOutput).toEqual([['t0', 't1', 't2', 't3']])
    const records = await exported()
    expect(records).toHaveLength(1)
    expect(records[0]!.attributes).toMatchObject({ 'aims.output.label': 't0t1t2t3', 'aims.output.value': 4, 'aims.feature.age': 41, 'aims.stream.items': 4 })
    // Four items 15 ms apart: the latency covers the whole stream (well over one item's 15 ms), not
    // the call that created it; the margin is for the event loop's cached clock.
    expect(records[0]!.attributes['aims.latency_ms']).toBeGreaterThanOrEqual(45)
  })

  it('records once, with the items seen so far, when the consumer breaks early', async () => {
    const counts: number[] = []
    const stream = session.monitor.wrap(() => tokens(10, 1), { output: (items) => (counts.push(items.length), { value: items.length }) })
    for await (const item of stream()) if (item === 't2') break
    // A second end signal (return() again) must not record again.
    const iterable = stream()
    const iterator = iterable[Symbol.asyncIterator]()
    await iterator.next()
    await iterator.return!(undefined)
    await iterator.return!(undefined)
    expect(counts).toEqual([3, 1])
    const records = await exported()
    expect(records.map((r) => r.attributes['aims.output.value'])).toEqual([3, 1])
    expect(records.map((r) => r.attributes['aims.stream.items'])).toEqual([3, 1])
  })

  it('records a failing stream as an error and rethrows the same error to the consumer', async () => {
    const failure = new Error('stream broke')
    async function* broken(): AsyncGenerator<number> {
      yield 1
      yield 2
      throw failure
    }
    let outputCalls = 0
    const stream = session.monitor.wrap(broken, { output: () => (outputCalls++, { value: 1 }) })
    const received: number[] = []
    let caught: unknown
    try {
      for await (const item of stream()) received.push(item)
    } catch (error) {
      caught = error
    }
    expect(caught).toBe(failure)
    expect(received).toEqual([1, 2])
    expect(outputCalls).toBe(0)
    const records = await exported()
    expect(records).toHaveLength(1)
    expect(records[0]!.attributes).toMatchObject({ 'aims.error.type': 'Error', 'aims.error.message': 'stream broke', 'aims.stream.items': 2 })
    expect(records[0]!.attributes).not.toHaveProperty('aims.output.value')
  })

  it('forwards throw() to the stream and records the error once', async () => {
    let cleanedUp = false
    async function* source(): AsyncGenerator<number> {
      try {
        yield 1
        yield 2
      } finally {
        cleanedUp = true
      }
    }
    const stream = session.monitor.wrap(source, { output: (items) => ({ value: items.length }) })
    const iterator = stream()[Symbol.asyncIterator]()
    expect(await iterator.next()).toEqual({ value: 1, done: false })
    const cancel = new Error('client went away')
    await expect(iterator.throw!(cancel)).rejects.toBe(cancel)
    expect(cleanedUp).toBe(true)
    const records = await exported()
    expect(records).toHaveLength(1)
    expect(records[0]!.attributes).toMatchObject({ 'aims.error.type': 'Error', 'aims.error.message': 'client went away' })
  })

  it('counts every call: exported equals the calls made', async () => {
    const before = session.monitor.stats()
    const wrapped = session.monitor.wrap((x: number) => x * 2, { features: (x) => ({ x }), output: (y) => ({ value: y }) })
    for (let i = 0; i < 100; i++) wrapped(i)
    const records = await exported()
    expect(records.map((r) => r.attributes['aims.feature.x'])).toEqual(Array.from({ length: 100 }, (_, i) => i))
    const after = session.monitor.stats()
    expect(after.recorded - before.recorded).toBe(100)
    expect(after.exported - before.exported).toBe(100)
    expect(after.dropped).toBe(0)
    expect(after.failed).toBe(0)
  })
})
