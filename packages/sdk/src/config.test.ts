/**
 * Configuration: invalid options throw an AimsConfigError naming the field, once, at createMonitor;
 * no endpoint or AIMS_DISABLED=true gives a working no-op; AIMS_ENDPOINT and AIMS_API_KEY are read
 * from the environment.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AimsConfigError, createMonitor, type MonitorOptions } from './index.js'
import { startOtlpJsonReceiver, type OtlpJsonReceiver } from '../../../test/support/sdk-otlp-receiver.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }
const ENV_NAMES = ['AIMS_ENDPOINT', 'AIMS_API_KEY', 'AIMS_DISABLED'] as const
const saved: Partial<Record<(typeof ENV_NAMES)[number], string>> = {}
let receiver: OtlpJsonReceiver

beforeAll(async () => {
  receiver = await startOtlpJsonReceiver()
})
afterAll(() => receiver.close())
beforeEach(() => {
  receiver.records.length = 0
  receiver.requests.length = 0
  for (const name of ENV_NAMES) {
    if (process.env[name] !== undefined) saved[name] = process.env[name]
    delete process.env[name]
  }
})
afterEach(() => {
  for (const name of ENV_NAMES) {
    delete process.env[name]
    if (saved[name] !== undefined) process.env[name] = saved[name]
  }
})

/** The AimsConfigError createMonitor throws for `options`. */
function configError(options: unknown): AimsConfigError {
  try {
    createMonitor(options as MonitorOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(AimsConfigError)
    return error as AimsConfigError
  }
  throw new Error(`createMonitor accepted ${JSON.stringify(options)}`)
}

describe('bad configuration is refused with a message naming the field', () => {
  it.each([
    ['an invalid model id', { model: { id: 'credit risk!', version: '1' } }, 'model.id'],
    ['an empty model version', { model: { id: 'credit-risk', version: '' } }, 'model.version'],
    ['a missing model', {}, 'model'],
    ['sampleRate 1.5', { model: MODEL, sampleRate: 1.5 }, 'sampleRate'],
    ['sampleRate -0.1', { model: MODEL, sampleRate: -0.1 }, 'sampleRate'],
    ['hashFields without hashSalt', { model: MODEL, hashFields: ['zip'] }, 'hashSalt'],
    ['a short hashSalt', { model: MODEL, hashFields: ['zip'], hashSalt: 'short' }, 'hashSalt'],
    ['endpoint "not a url"', { model: MODEL, endpoint: 'not a url' }, 'endpoint'],
    ['an ftp endpoint', { model: MODEL, endpoint: 'ftp://127.0.0.1/x' }, 'endpoint'],
    ['an unknown option', { model: MODEL, sampleRatio: 0.5 }, 'sampleRatio'],
    ['a maxQueueSize of 0', { model: MODEL, maxQueueSize: 0 }, 'maxQueueSize'],
    ['an unknown protocol', { model: MODEL, protocol: 'grpc' }, 'protocol'],
    ['an unknown exporter', { model: MODEL, exporter: 'fast' }, 'exporter'],
    ["the direct exporter with JSON (it writes protobuf)", { model: MODEL, protocol: 'http/json', exporter: 'direct' }, 'exporter'],
  ])('%s', (_what, options, field) => {
    const error = configError(options)
    expect(error.name).toBe('AimsConfigError')
    expect(error.message).toContain(field)
  })

  it('names every problem at once', () => {
    const error = configError({ model: { id: '', version: '1' }, sampleRate: 2, colour: 'red' })
    expect(error.message).toContain('model.id')
    expect(error.message).toContain('sampleRate')
    expect(error.message).toContain('colour')
  })

  it('refuses an AIMS_ENDPOINT that is not an http(s) URL, naming the variable', () => {
    process.env.AIMS_ENDPOINT = 'not a url'
    expect(configError({ model: MODEL }).message).toContain('AIMS_ENDPOINT')
  })
})

describe('unconfigured or disabled: a working no-op', () => {
  async function exerciseNoop(options: MonitorOptions) {
    const monitor = createMonitor(options)
    expect(monitor.enabled).toBe(false)
    const failure = new Error('model down')
    const sync = monitor.wrap((x: number) => x + 1, { features: (x) => ({ x }), output: (value) => ({ value }) })
    const failing = monitor.wrap((): never => {
      throw failure
    })
    const asyncCall = monitor.wrap(async (x: number) => x * 2)
    async function* stream() {
      yield 'a'
      yield 'b'
    }
    const streaming = monitor.wrap(stream)
    expect(sync(1)).toBe(2)
    expect(() => failing()).toThrow(failure)
    expect(await asyncCall(4)).toBe(8)
    const items: string[] = []
    for await (const item of streaming()) items.push(item)
    expect(items).toEqual(['a', 'b'])
    const { result, predictionId } = monitor.wrapWithId((x: number) => -x)(3)
    expect(result).toBe(-3)
    expect(predictionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(monitor.lastPredictionId()).toBe(predictionId)
    expect(monitor.logPrediction({ output: { score: 1 } })).toMatch(/^[0-9a-f-]{36}$/)
    expect(monitor.logPrediction({ id: 'order-1', output: { score: 1 } })).toBe('order-1')
    monitor.logOutcome(predictionId, 'repaid')
    await monitor.flush()
    await monitor.shutdown()
    await monitor.shutdown() // twice is fine
    expect(monitor.stats()).toEqual({ recorded: 0, sampledOut: 0, dropped: 0, exported: 0, failed: 0, extractorErrors: 0, truncated: 0 })
  }

  it('without an endpoint (and AIMS_ENDPOINT unset)', async () => {
    await exerciseNoop({ model: MODEL })
  })

  it('with enabled: false, even with an endpoint', async () => {
    await exerciseNoop({ model: MODEL, endpoint: receiver.url, enabled: false })
    expect(receiver.requests).toHaveLength(0)
  })

  it.each(['true', '1'])('with AIMS_DISABLED=%s, even with an endpoint', async (value) => {
    process.env.AIMS_DISABLED = value
    await exerciseNoop({ model: MODEL, endpoint: receiver.url, protocol: 'http/json' })
    expect(receiver.requests).toHaveLength(0)
  })
})

describe('the environment', () => {
  it('AIMS_ENDPOINT and AIMS_API_KEY are used when not given', async () => {
    process.env.AIMS_ENDPOINT = receiver.url
    process.env.AIMS_API_KEY = 'key-from-env-0123'
    const monitor = createMonitor({ model: MODEL, protocol: 'http/json' })
    expect(monitor.enabled).toBe(true)
    monitor.logPrediction({ output: { score: 0.5 } })
    await monitor.shutdown()
    expect(receiver.records).toHaveLength(1)
    expect(receiver.requests[0]!.headers.authorization).toBe('Bearer key-from-env-0123')
    expect(receiver.requests[0]!.headers['content-encoding']).toBe('gzip')
  })

  it('explicit options win over the environment; headers are sent', async () => {
    process.env.AIMS_ENDPOINT = 'http://127.0.0.1:9' // nothing listens there
    process.env.AIMS_API_KEY = 'key-from-env-0123'
    const monitor = createMonitor({ model: MODEL, protocol: 'http/json', endpoint: receiver.url, apiKey: 'explicit-key-456', headers: { 'x-team': 'risk' } })
    monitor.logPrediction({ output: { score: 0.5 } })
    await monitor.shutdown()
    expect(monitor.stats()).toMatchObject({ exported: 1, failed: 0 })
    expect(receiver.requests[0]!.headers.authorization).toBe('Bearer explicit-key-456')
    expect(receiver.requests[0]!.headers['x-team']).toBe('risk')
  })

  it('AIMS_DISABLED=false leaves the monitor on', () => {
    process.env.AIMS_DISABLED = 'false'
    const monitor = createMonitor({ model: MODEL, endpoint: receiver.url })
    expect(monitor.enabled).toBe(true)
    return monitor.shutdown()
  })
})
