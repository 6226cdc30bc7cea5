/**
 * A running collector (`aims up` in a child process, embedded store) takes what every exporter
 * sends: the direct protobuf encoder (the default), the official OpenTelemetry protobuf exporter
 * (`exporter: 'official'`) and the official JSON exporter. Each sends predictions (sync, failing,
 * inside a span) and outcomes for its own model; GET /v1/models counts them all.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createMonitor, type MonitorOptions } from './index.js'
import { spawnCollector, type SpawnedCollector } from '../../../test/support/spawn-collector.js'

const KEY = 'sdk-exporters-test-key-0123456789'
const PREDICTIONS = 1_000
const OUTCOMES = 100
let collector: SpawnedCollector
let dataDir: string
const tracer = new BasicTracerProvider().getTracer('collector-accepts-exporters.test')

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  dataDir = mkdtempSync(join(tmpdir(), 'aims-sdk-exporters-'))
  collector = await spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: KEY } })
}, 90_000)
afterAll(async () => {
  await collector?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  context.disable()
}, 90_000)

async function send(modelId: string, exporterOptions: Pick<MonitorOptions, 'exporter' | 'protocol'>): Promise<void> {
  const monitor = createMonitor({ endpoint: collector.url, apiKey: KEY, model: { id: modelId, version: '1.0.0' }, ...exporterOptions })
  const predict = monitor.wrapWithId(
    (a: { age: number; region: string }) => {
      if (a.age < 0) throw new RangeError('negative age')
      return a.age / 100
    },
    { features: (a) => ({ age: a.age, region: a.region }), attributes: (a) => ({ segment: a.region }), output: (score) => ({ score }) },
  )
  const ids: string[] = []
  await tracer.startActiveSpan('batch', async (span) => {
    for (let i = 0; i < PREDICTIONS; i++) {
      try {
        ids.push(predict({ age: i % 10 === 9 ? -1 : 20 + (i % 50), region: ['north', 'south'][i % 2]! }).predictionId)
      } catch {
        ids.push(monitor.lastPredictionId()!)
      }
    }
    span.end()
  })
  for (const id of ids.slice(0, OUTCOMES)) monitor.logOutcome(id, { label: 'repaid', value: 1 })
  await monitor.shutdown()
  expect(monitor.stats()).toMatchObject({ recorded: PREDICTIONS + OUTCOMES, exported: PREDICTIONS + OUTCOMES, failed: 0, dropped: 0 })
}

it('counts every prediction and outcome sent by the direct, the official protobuf and the official JSON exporter', async () => {
  await send('via-direct', {})
  await send('via-official-protobuf', { exporter: 'official' })
  await send('via-official-json', { protocol: 'http/json' })
  const response = await fetch(`${collector.url}/v1/models?wait=30000`, { headers: { authorization: `Bearer ${KEY}` } })
  expect(response.status).toBe(200)
  const { models } = (await response.json()) as { models: Array<{ id: string; predictionCount: number; outcomeCount: number }> }
  for (const id of ['via-direct', 'via-official-protobuf', 'via-official-json']) {
    const model = models.find((m) => m.id === id)
    expect(model, id).toBeDefined()
    expect(model!.predictionCount, id).toBe(PREDICTIONS)
    expect(model!.outcomeCount, id).toBe(OUTCOMES)
  }
}, 120_000)
