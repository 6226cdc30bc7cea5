import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { predictionsTableName, qualifiedTable } from '@aims-monitor/store'
import {
  getModels,
  killAllChildren,
  outcomeEvent,
  postEvents,
  predictionEvent,
  queryStoreInChild,
  spawnCollector,
  type SpawnedCollector,
} from './support/spawn-collector.js'

/*
 * The check: a kill -9 of the collector during sustained ingest loses no acknowledged event
 * and, after restart, produces no duplicates. Senders record exactly which requests were
 * acknowledged; the collector is killed while requests are in flight (and, with a short seal
 * interval, while segments are being inserted into the store); after restarts the store must hold
 * every acknowledged event exactly once, every unacknowledged one at most once, and the API's counts
 * must be exactly what the store holds.
 */

const KEY = 'crash-test-admin-key-0001'
const MODELS = ['crash-a', 'crash-b'] as const
const SENDERS = 4
const PREDICTIONS_PER_BATCH = 200
const OUTCOMES_PER_BATCH = 40
const INGEST_MS = 2500
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-crash-'))

afterEach(killAllChildren)
afterAll(() => rmSync(root, { recursive: true, force: true }))

interface Batch {
  model: string
  predictionIds: string[]
  outcomeIds: string[]
  events: unknown[]
  state: 'in-flight' | 'acked' | 'failed'
  detail?: string
}

/** One sender: posts batches back to back until told to stop or the collector is gone. */
async function sender(url: string, index: number, batches: Batch[], stop: { now: boolean }): Promise<void> {
  const model = MODELS[index % MODELS.length]!
  for (let b = 0; !stop.now && b < 10_000; b++) {
    const predictionIds = Array.from({ length: PREDICTIONS_PER_BATCH }, () => randomUUID())
    // One sender's model gains a feature part-way: its open segment is retired and its table altered mid-ingest.
    const features: Record<string, number | string | boolean> = index === 3 && b >= 3 ? { x: b, kind: 'k', late: true } : { x: b, kind: 'k' }
    const outcomeIds = predictionIds.slice(0, OUTCOMES_PER_BATCH)
    const events = [...predictionIds.map((id) => predictionEvent(id, model, features)), ...outcomeIds.map((id) => outcomeEvent(id, model))]
    const batch: Batch = { model, predictionIds, outcomeIds, events, state: 'in-flight' }
    batches.push(batch)
    try {
      const { status, body } = await postEvents(url, KEY, events)
      batch.state = status >= 200 && status < 300 ? 'acked' : 'failed'
      if (status !== 200) batch.detail = `${status} ${JSON.stringify(body).slice(0, 300)}`
    } catch (error) {
      batch.state = 'failed'
      batch.detail = (error as Error).message
      return // the collector is gone
    }
  }
}

/** Sustained ingest from several senders, then kill -9 while requests are in flight. */
async function ingestAndKill(collector: SpawnedCollector, batches: Batch[]): Promise<{ inFlightAtKill: number; acked: number }> {
  const stop = { now: false }
  const first = batches.length
  const senders = Array.from({ length: SENDERS }, (_, i) => sender(collector.url, i, batches, stop))
  await sleep(INGEST_MS)
  // On a loaded machine, keep going (bounded) until some batches were acknowledged.
  for (let i = 0; i < 100 && batches.slice(first).filter((b) => b.state === 'acked').length < SENDERS; i++) await sleep(100)
  const inFlightAtKill = batches.slice(first).filter((b) => b.state === 'in-flight').length
  collector.child.kill('SIGKILL')
  stop.now = true
  expect(await collector.waitExit(30_000)).toEqual({ code: null, signal: 'SIGKILL' })
  await Promise.all(senders)
  const mine = batches.slice(first)
  // Requests cut by the kill fail at the connection; none may have been answered with an error status.
  const unexpected = mine.filter((b) => b.state === 'failed' && /^\d{3} /.test(b.detail ?? ''))
  expect(unexpected.map((b) => b.detail)).toEqual([])
  expect(mine.every((b) => b.state !== 'in-flight')).toBe(true)
  return { inFlightAtKill, acked: mine.filter((b) => b.state === 'acked').length }
}

async function crashScenario(name: string, sealAfterMs: number, cycles: number): Promise<void> {
  const dataDir = path.join(root, name)
  const env = { AIMS_INIT_API_KEY: KEY, AIMS_SEAL_AFTER_MS: String(sealAfterMs) }
  const batches: Batch[] = []
  for (let cycle = 0; cycle < cycles; cycle++) {
    // From the second cycle on, the collector also recovers and drains the previous crash's spool while ingesting.
    const collector = await spawnCollector({ dataDir, env })
    const { inFlightAtKill, acked } = await ingestAndKill(collector, batches)
    expect(acked).toBeGreaterThanOrEqual(SENDERS)
    expect(inFlightAtKill).toBeGreaterThan(0)
  }

  const acked = batches.filter((b) => b.state === 'acked')
  const unacked = batches.filter((b) => b.state !== 'acked')

  // Restart: everything acknowledged reaches the store; read the API's counts.
  const restarted = await spawnCollector({ dataDir, env })
  const before = await getModels(restarted.url, KEY, 60_000)
  expect(before.pendingEvents).toBe(0)
  expect(await restarted.stop('SIGTERM')).toEqual({ code: 0, signal: null })

  // What the store holds, row by row, without FINAL: physical duplicates would show here.
  const [predictionRows, outcomeRows, finalCounts] = (await queryStoreInChild(dataDir, [
    {
      query: MODELS.map((m) => `SELECT {m${MODELS.indexOf(m)}:String} AS model, toString(id) AS id, count() AS n FROM ${qualifiedTable('aims', predictionsTableName('default', m))} GROUP BY id`).join(' UNION ALL '),
      params: Object.fromEntries(MODELS.map((m, i) => [`m${i}`, m])),
    },
    { query: `SELECT model_id AS model, toString(prediction_id) AS id, count() AS n FROM aims.outcomes WHERE project = 'default' GROUP BY model_id, prediction_id` },
    {
      query: MODELS.map((m, i) => `SELECT {m${i}:String} AS model, count() AS n FROM ${qualifiedTable('aims', predictionsTableName('default', m))} FINAL`).join(' UNION ALL '),
      params: Object.fromEntries(MODELS.map((m, i) => [`m${i}`, m])),
    },
  ])) as [Array<{ model: string; id: string; n: string }>, Array<{ model: string; id: string; n: string }>, Array<{ model: string; n: string }>]

  const stored = new Map(predictionRows.map((r) => [`${r.model}/${r.id}`, Number(r.n)]))
  const storedOutcomes = new Map(outcomeRows.map((r) => [`${r.model}/${r.id}`, Number(r.n)]))
  const sent = new Set(batches.flatMap((b) => b.predictionIds.map((id) => `${b.model}/${id}`)))
  const sentOutcomes = new Set(batches.flatMap((b) => b.outcomeIds.map((id) => `${b.model}/${id}`)))

  // Nothing that was not sent; nothing twice.
  expect([...stored.keys()].filter((k) => !sent.has(k))).toEqual([])
  expect([...storedOutcomes.keys()].filter((k) => !sentOutcomes.has(k))).toEqual([])
  expect([...stored].filter(([, n]) => n !== 1)).toEqual([])
  expect([...storedOutcomes].filter(([, n]) => n !== 1)).toEqual([])
  // Every acknowledged event is there.
  const missing = acked.flatMap((b) => b.predictionIds.map((id) => `${b.model}/${id}`)).filter((k) => !stored.has(k))
  const missingOutcomes = acked.flatMap((b) => b.outcomeIds.map((id) => `${b.model}/${id}`)).filter((k) => !storedOutcomes.has(k))
  expect(missing).toEqual([])
  expect(missingOutcomes).toEqual([])
  // A request's rows for one table are committed together: an unacknowledged batch is all there or not at all.
  for (const b of unacked) {
    const present = b.predictionIds.filter((id) => stored.has(`${b.model}/${id}`)).length
    expect([0, PREDICTIONS_PER_BATCH]).toContain(present)
  }

  // The API counts exactly what the store holds, per model.
  for (const model of MODELS) {
    const inStore = [...stored.keys()].filter((k) => k.startsWith(`${model}/`)).length
    const outcomesInStore = [...storedOutcomes.keys()].filter((k) => k.startsWith(`${model}/`)).length
    const ackedCount = acked.filter((b) => b.model === model).length * PREDICTIONS_PER_BATCH
    const summary = before.models.find((m) => m.id === model)
    expect(summary, `model ${model} in GET /v1/models`).toBeDefined()
    expect(summary!.predictionCount).toBe(inStore)
    expect(summary!.outcomeCount).toBe(outcomesInStore)
    expect(Number(finalCounts.find((r) => r.model === model)?.n)).toBe(inStore)
    expect(inStore).toBeGreaterThanOrEqual(ackedCount)
  }

  // A client retries what was not acknowledged: afterwards every event counts exactly once through the API,
  // including those the crash had made durable without acknowledging them.
  const retried = await spawnCollector({ dataDir, env })
  for (const b of unacked) {
    const { status, body } = await postEvents(retried.url, KEY, b.events)
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(200)
  }
  const after = await getModels(retried.url, KEY, 60_000)
  expect(after.pendingEvents).toBe(0)
  for (const model of MODELS) {
    const mine = batches.filter((b) => b.model === model)
    expect(after.models.find((m) => m.id === model)).toMatchObject({
      predictionCount: mine.length * PREDICTIONS_PER_BATCH,
      outcomeCount: mine.length * OUTCOMES_PER_BATCH,
    })
  }
  expect(await retried.stop('SIGTERM')).toEqual({ code: 0, signal: null })
}

describe('kill -9 during sustained ingest', () => {
  it('loses no acknowledged event and duplicates none, over two crash/restart cycles', async () => {
    await crashScenario('seal-200ms', 200, 2)
  }, 120_000)

  it('the same while segments are sealed and inserted constantly (crash during drain)', async () => {
    await crashScenario('seal-20ms', 20, 2)
  }, 120_000)
})
