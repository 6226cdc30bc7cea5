/**
 * flush() and shutdown(): everything queued reaches the receiver, in batches, before they resolve;
 * after shutdown calls still work and record nothing. A full queue drops, counts and warns once.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createMonitor } from './index.js'
import { startOtlpJsonReceiver, type OtlpJsonReceiver } from '../../../test/support/sdk-otlp-receiver.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }
let receiver: OtlpJsonReceiver

beforeAll(async () => {
  receiver = await startOtlpJsonReceiver()
})
afterAll(() => receiver.close())
beforeEach(() => {
  receiver.records.length = 0
  receiver.requests.length = 0
})

it('shutdown exports everything queued, in batches, then later calls work unrecorded', async () => {
  const exitListeners = process.listenerCount('beforeExit')
  // The timer never fires during the test: only shutdown can deliver.
  const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 60_000, maxBatchSize: 1_000 })
  expect(process.listenerCount('beforeExit')).toBe(exitListeners + 1) // flush on exit
  const sync = monitor.wrapWithId((x: number) => x, { features: (x) => ({ x }), output: (value) => ({ value }) })
  const asyncCall = monitor.wrap(async (x: number) => x, { features: (x) => ({ x }), output: (value) => ({ value }) })
  const ids: string[] = []
  const pending: Promise<number>[] = []
  for (let i = 0; i < 6_000; i++) ids.push(sync(i).predictionId)
  for (let i = 6_000; i < 8_000; i++) pending.push(asyncCall(i))
  await Promise.all(pending)
  for (const id of ids.slice(0, 1_500)) monitor.logOutcome(id, 'repaid')

  await monitor.shutdown()
  expect(process.listenerCount('beforeExit')).toBe(exitListeners)
  const predictions = receiver.byEvent('aims.prediction')
  expect(predictions).toHaveLength(8_000)
  expect(new Set(predictions.map((r) => r.attributes['aims.feature.x']))).toEqual(new Set(Array.from({ length: 8_000 }, (_, i) => i)))
  expect(receiver.byEvent('aims.outcome')).toHaveLength(1_500)
  // In batches of at most maxBatchSize: 9 500 records need at least 10 requests.
  expect(receiver.requests.length).toBeGreaterThanOrEqual(10)
  expect(monitor.stats()).toMatchObject({ recorded: 9_500, exported: 9_500, dropped: 0, failed: 0 })

  // After shutdown: the same functions still work, nothing is recorded or sent.
  const requestsAtShutdown = receiver.requests.length
  expect(sync(1).result).toBe(1)
  expect(await asyncCall(2)).toBe(2)
  monitor.logOutcome(ids[0]!, 'late')
  expect(monitor.logPrediction({ id: 'after', output: { score: 1 } })).toBe('after')
  await monitor.flush()
  await sleep(50)
  expect(receiver.requests.length).toBe(requestsAtShutdown)
  expect(monitor.stats().recorded).toBe(9_500)
})

it('flush resolves once what was queued before it is delivered, and may be called concurrently', async () => {
  const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 60_000, maxBatchSize: 100 })
  const predict = monitor.wrap((x: number) => x, { output: (value) => ({ value }) })
  for (let i = 0; i < 1_000; i++) predict(i)
  await Promise.all([monitor.flush(), monitor.flush()])
  expect(receiver.byEvent('aims.prediction')).toHaveLength(1_000)
  expect(monitor.stats().exported).toBe(1_000)
  await monitor.shutdown()
})

it('the timer exports without flush, and does not keep the process alive (unref)', async () => {
  const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 20 })
  monitor.logPrediction({ output: { score: 0.1 } })
  for (let i = 0; i < 100 && receiver.records.length === 0; i++) await sleep(20)
  expect(receiver.records).toHaveLength(1)
  await monitor.shutdown()
})

it('a full queue drops new records, counts them and warns once; the calls are unaffected', async () => {
  const warnings: Array<Error & { code?: string }> = []
  const onWarning = (w: Error) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 60_000, maxQueueSize: 16 })
    const predict = monitor.wrap((x: number) => x * 2, { output: (value) => ({ value }) })
    let sum = 0
    for (let i = 0; i < 100; i++) sum += predict(i)
    expect(sum).toBe(9_900)
    for (let i = 0; i < 10; i++) monitor.logOutcome(`order-${i}`, 'x')
    expect(monitor.stats()).toMatchObject({ recorded: 16, dropped: 94 })
    await nextTurn()
    expect(warnings.filter((w) => w.code === 'AIMS_MONITOR_DROPPED')).toHaveLength(1)
    await monitor.shutdown()
    expect(receiver.byEvent('aims.prediction').map((r) => r.attributes['aims.output.value'])).toEqual(Array.from({ length: 16 }, (_, i) => i * 2))
  } finally {
    process.off('warning', onWarning)
  }
})

it('an export the receiver refuses is counted as failed and warned once, never thrown', async () => {
  const warnings: Array<Error & { code?: string }> = []
  const onWarning = (w: Error) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    // The receiver answers 400 to anything but OTLP JSON: send protobuf to it.
    const monitor = createMonitor({ endpoint: receiver.url, model: MODEL, exportIntervalMs: 60_000, maxBatchSize: 10, maxConcurrentExports: 2 })
    const predict = monitor.wrap((x: number) => x, { output: (value) => ({ value }) })
    for (let i = 0; i < 30; i++) predict(i)
    await monitor.shutdown()
    expect(monitor.stats()).toMatchObject({ recorded: 30, exported: 0, failed: 30 })
    await nextTurn()
    expect(warnings.filter((w) => w.code === 'AIMS_MONITOR_EXPORT')).toHaveLength(1)
    // 400 is not retried; after a failed export no new one starts (two were already in flight,
    // maxConcurrentExports 2), and shutdown counts the records left as failed.
    expect(receiver.requests.length).toBe(2)
  } finally {
    process.off('warning', onWarning)
  }
})

it('the ring of queue slots wraps around without losing or reordering records', async () => {
  // One export at a time, so arrival order is the queue's order (concurrent exports may arrive in any order).
  const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 60_000, maxQueueSize: 16, maxBatchSize: 5, maxConcurrentExports: 1 })
  const predict = monitor.wrap((x: number) => x, { output: (value) => ({ value }) })
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 11; i++) predict(round * 11 + i) // 11 of 16 slots: the head moves round the ring
    await monitor.flush()
  }
  await monitor.shutdown()
  expect(receiver.byEvent('aims.prediction').map((r) => r.attributes['aims.output.value'])).toEqual(Array.from({ length: 110 }, (_, i) => i))
  expect(monitor.stats()).toMatchObject({ recorded: 110, exported: 110, dropped: 0 })
})

it('a process that ends without shutdown flushes on beforeExit (the compiled SDK, in a child process)', async () => {
  // Needs `pnpm build`: the child runs packages/sdk/dist, as an application would.
  const sdk = fileURLToPath(new URL('../dist/index.js', import.meta.url))
  const script = `
    const { createMonitor } = await import(${JSON.stringify(sdk)})
    const monitor = createMonitor({ endpoint: ${JSON.stringify(receiver.url)}, protocol: 'http/json', model: { id: 'exit-model', version: '1' }, exportIntervalMs: 60000 })
    const predict = monitor.wrap((x) => x, { output: (value) => ({ value }) })
    for (let i = 0; i < 250; i++) predict(i)
    // no flush, no shutdown: the event loop empties and Node emits beforeExit
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  expect(code, stderr).toBe(0)
  const records = receiver.byEvent('aims.prediction').filter((r) => r.resource['aims.model.id'] === 'exit-model')
  expect(records).toHaveLength(250)
})
