/**
 * How exports are paced: the first requests are small probes (whether the collector is there is
 * known before a full batch is encoded), then full batches follow back to back; while the
 * collector is unreachable, each export interval costs one probe, and the rest stays queued.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { createMonitor } from './index.js'
import { startOtlpCapture, type OtlpCapture } from './test-support/otlp-capture.js'
import { closedPort } from '../../../test/support/sdk-otlp-receiver.js'
import { decodeProtobufLogsRequest } from '../../../collector/src/ingest/otlp/decode-protobuf.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }
let capture: OtlpCapture
beforeAll(async () => {
  capture = await startOtlpCapture()
})
afterAll(() => capture.close())

it('sends a probe of at most 256 records first, then full batches', async () => {
  const monitor = createMonitor({ endpoint: capture.url, model: MODEL, maxBatchSize: 1_000, exportIntervalMs: 60_000 })
  const predict = monitor.wrap((x: number) => x * 2, { features: (x) => ({ x }) })
  for (let i = 0; i < 5_000; i++) expect(predict(i)).toBe(i * 2)
  await monitor.flush()
  const sizes = capture.requests.map((r) => decodeProtobufLogsRequest(r.body).resourceLogs[0]!.scopeLogs[0]!.logRecords.length)
  // Probes (a flush and the queue's own trigger may each start one) until one is delivered, then full batches.
  const firstFull = sizes.indexOf(1_000)
  expect(firstFull).toBeGreaterThan(0)
  expect(sizes.slice(0, firstFull).every((n) => n <= 256)).toBe(true)
  expect(sizes.slice(firstFull, -1).every((n) => n === 1_000)).toBe(true)
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(5_000)
  expect(monitor.stats()).toMatchObject({ recorded: 5_000, exported: 5_000, failed: 0 })
  await monitor.shutdown()
})

it('while the collector is unreachable, tries one probe per interval and keeps the rest queued', async () => {
  const warnings: string[] = []
  const onWarning = (w: Error & { code?: string }) => warnings.push(w.code ?? '')
  process.on('warning', onWarning)
  try {
    const monitor = createMonitor({ endpoint: `http://127.0.0.1:${await closedPort()}`, model: MODEL, maxBatchSize: 1_000, exportIntervalMs: 100, exportTimeoutMs: 200 })
    const predict = monitor.wrap((x: number) => x, { features: (x) => ({ x }) })
    for (let i = 0; i < 5_000; i++) predict(i)
    await sleep(550) // about five export intervals
    const stats = monitor.stats()
    expect(stats.failed).toBeGreaterThan(0)
    expect(stats.failed).toBeLessThanOrEqual(256 * 10) // probes only (about one per interval), not 1,000-record batches back to back
    expect(stats.recorded - stats.failed).toBeGreaterThan(2_000) // the rest waits in the queue
    expect(warnings.filter((code) => code === 'AIMS_MONITOR_EXPORT')).toHaveLength(1)
    await monitor.shutdown()
    expect(monitor.stats()).toMatchObject({ recorded: 5_000, exported: 0, failed: 5_000 })
  } finally {
    process.off('warning', onWarning)
  }
})
