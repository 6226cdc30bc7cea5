/**
 * The collector is down (nothing listens on the endpoint's 127.0.0.1 port), as the issue checks
 * it: a million wrapped calls with 8 features complete, nothing is thrown, the results are the
 * model's, the bounded queue drops and counts (warning once), the heap stays bounded, and
 * shutdown() gives up within the export deadline instead of hanging the application's exit.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createMonitor } from '@aims-monitor/sdk'
import { closedPort } from './support/sdk-otlp-receiver.js'

const CALLS = 1_000_000
const CHUNK = 100_000
const EXPORT_TIMEOUT_MS = 500
const MB = 1024 * 1024

// vitest forks cannot be given --expose-gc per file; V8 can still expose it at run time, so heap
// figures are measured after a full collection rather than at the mercy of GC timing.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
function heapUsedAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const warnings: Array<Error & { code?: string }> = []
const onWarning = (warning: Error) => warnings.push(warning)
beforeAll(() => {
  process.on('warning', onWarning)
})
afterAll(() => {
  process.off('warning', onWarning)
})

it('a million wrapped calls complete with the collector down; memory and shutdown stay bounded', async () => {
  const port = await closedPort()
  const monitor = createMonitor({
    endpoint: `http://127.0.0.1:${port}`,
    apiKey: 'any-key-the-collector-would-check',
    model: { id: 'credit-risk', version: '2.3.0' },
    exportTimeoutMs: EXPORT_TIMEOUT_MS,
  })
  expect(monitor.enabled).toBe(true)
  const model = (x: { a: number; b: number; c: number; d: number; region: string; flag: boolean; e: number; f: number }) => x.a * 0.5 + x.b
  const predict = monitor.wrap(model, {
    // 8 features, a fresh map per call, as an application's extractor makes them.
    features: (x) => ({ a: x.a, b: x.b, c: x.c, d: x.d, region: x.region, flag: x.flag, e: x.e, f: x.f }),
    attributes: (x) => ({ segment: x.region }),
    output: (score) => ({ score }),
  })
  const regions = ['north', 'south', 'east', 'west']

  let checksum = 0
  let heapAt200k = 0
  const started = performance.now()
  for (let done = 0; done < CALLS; ) {
    // A chunk runs synchronously, like a busy request loop; between chunks the event loop turns,
    // so the export timer and the (failing) exports run as they would in an application.
    for (let end = done + CHUNK; done < end; done++) {
      const i = done
      checksum += predict({ a: i & 1023, b: 1, c: i % 7, d: i % 13, region: regions[i & 3]!, flag: (i & 1) === 0, e: 0.5, f: -1 })
    }
    await nextTurn()
    if (done === 200_000) heapAt200k = heapUsedAfterGc()
  }
  const loopMs = performance.now() - started
  const heapAt1M = heapUsedAfterGc()

  // Every result is the model's own.
  let expectedChecksum = 0
  for (let i = 0; i < CALLS; i++) expectedChecksum += (i & 1023) * 0.5 + 1
  expect(checksum).toBe(expectedChecksum)

  const stats = monitor.stats()
  expect(stats.dropped).toBeGreaterThan(0) // the queue is bounded
  expect(stats.recorded + stats.dropped).toBe(CALLS)
  expect(stats.exported).toBe(0)
  expect(stats.extractorErrors).toBe(0)
  // The queue holds at most maxQueueSize (65 536) records with their 8-feature maps, ~25 MB, and at
  // most two batches of 4 096 encoded records are in flight: retained memory does not grow with the
  // number of calls. A leak of even 150 bytes per call would add 120 MB over these 800 000 calls.
  const growthMb = (heapAt1M - heapAt200k) / MB
  expect(growthMb).toBeLessThan(150)

  await nextTurn()
  // Drops and failed exports are each warned once, not once per call or batch.
  expect(warnings.filter((w) => w.code === 'AIMS_MONITOR_DROPPED')).toHaveLength(1)
  expect(warnings.filter((w) => w.code === 'AIMS_MONITOR_EXPORT')).toHaveLength(1)

  // shutdown gives up on the queued records (each batch fails within EXPORT_TIMEOUT_MS: the first
  // retry's backoff, ~1 s, is past the deadline) rather than keeping the process alive. The guard is
  // a hang detector, far above what it takes.
  const shutdownStarted = performance.now()
  const outcome = await Promise.race([
    monitor.shutdown().then(() => 'resolved' as const),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 40 * EXPORT_TIMEOUT_MS).unref()),
  ])
  const shutdownMs = performance.now() - shutdownStarted
  expect(outcome).toBe('resolved')
  const final = monitor.stats()
  expect(final.failed).toBe(final.recorded) // every queued record was tried, none delivered, none left
  expect(final.exported).toBe(0)
  expect(predict({ a: 2, b: 1, c: 0, d: 0, region: 'north', flag: true, e: 0, f: 0 })).toBe(2) // still works after shutdown

  console.log(
    `collector down: ${CALLS} calls in ${loopMs.toFixed(0)} ms (${((loopMs * 1e6) / CALLS).toFixed(0)} ns/call incl. the model and a fresh feature map); ` +
      `recorded ${final.recorded}, dropped ${final.dropped}, failed ${final.failed}; heap after GC ${(heapAt200k / MB).toFixed(1)} MB at 200k, ` +
      `${(heapAt1M / MB).toFixed(1)} MB at 1M (growth ${growthMb.toFixed(1)} MB); shutdown ${shutdownMs.toFixed(0)} ms`,
  )
})
