/**
 * The column limit (maxColumnsPerModel) counts a model's table, not one encoder's share of it:
 * columns added by one ingest worker count in the others (shared through the spool as chunks are
 * spooled), and after a restart the columns the table already has count from the start.
 * 20 columns per model is the smallest limit allowed: 14 fixed, 6 for features and attributes.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { KnownColumns, Spool, createBatchProcessor, createCollectorMetrics, createLogger, type NativeBatchResult } from '@aims-monitor/collector'
import { testSpoolOptions } from '../collector/src/test-support/spool-fixture.js'
import { getModels, killAllChildren, postEvents, predictionEvent, spawnCollector } from './support/spawn-collector.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'aims-column-limit-'))
afterEach(killAllChildren)
afterAll(() => rmSync(root, { recursive: true, force: true }))

const LIMIT = 20
const NATIVE = { kind: 'native' } as const
/** Bodies given to the processors as they would arrive uncompressed. */
const AS_SENT = { contentEncoding: 'identity', maxBytes: 64 * 1024 * 1024 } as const

/** A native batch of one prediction per features map, for model `m`. */
function batch(...features: Array<Record<string, number>>): Buffer {
  return Buffer.from(JSON.stringify({ events: features.map((f) => predictionEvent(randomUUID(), 'm', f)) }))
}

function refusals(result: NativeBatchResult): Array<[number, string]> {
  if (!result.ok) throw new Error(`batch refused whole: ${result.message}`)
  return result.rejected.map((r) => [r.index, r.reason])
}

/**
 * Two ingest workers and a spool wired as the collector wires them: the spool shares the columns
 * each spooled chunk brings with the workers.
 */
async function workersAndSpool(dir: string) {
  const known = new KnownColumns()
  const pool = createBatchProcessor({ workers: 2, maxColumnsPerModel: LIMIT, knownColumns: known, logger: createLogger('silent') })
  const spool = await Spool.open(
    testSpoolOptions(path.join(root, dir), { maxColumnsPerModel: LIMIT }),
    createCollectorMetrics(),
    known,
  )
  spool.setNewColumnsListener((models) => pool.shareColumns(models))
  return { known, pool, spool }
}

describe('the column limit across ingest workers', () => {
  it('counts in each worker the columns another worker added, once they are spooled', async () => {
    const { known, pool, spool } = await workersAndSpool('spool')
    try {
      // Sent together, the two requests go to the two workers (the second finds the first busy).
      // Every event also carries the attribute `segment`: a column too. Six columns in all, the limit.
      const [a, b] = await Promise.all([pool.process(NATIVE, 'default', batch({ a1: 1, a2: 2, a3: 3 }), AS_SENT), pool.process(NATIVE, 'default', batch({ b1: 1, b2: 2 }), AS_SENT)])
      expect(refusals(a)).toEqual([])
      expect(refusals(b)).toEqual([])
      for (const result of [a, b]) if (result.ok) await spool.appendEncoded(result.chunks)
      // Each worker now counts all six: a seventh column is refused in either, existing ones are taken.
      const [c, d] = await Promise.all([pool.process(NATIVE, 'default', batch({ c1: 1 }, { a1: 4 }), AS_SENT), pool.process(NATIVE, 'default', batch({ b1: 5 }, { d1: 1 }), AS_SENT)])
      expect(refusals(c)).toEqual([[0, 'too_many_columns']])
      expect(refusals(d)).toEqual([[1, 'too_many_columns']])
      expect(known.entries().map((m) => m.columns.map((col) => col.name).sort())).toEqual([['a:segment', 'f:a1:num', 'f:a2:num', 'f:a3:num', 'f:b1:num', 'f:b2:num']])
        } finally {
      await spool.close()
      await pool.close()
    }
  })
})

describe('a model over its limit', () => {
  it('takes events that use its columns and refuses new ones (two workers adding columns in the same instant can pass the limit)', async () => {
    const { known, pool, spool } = await workersAndSpool('spool-race')
    try {
      // Each worker sees four new columns (within six); together they bring seven: the one overlap left.
      const [a, b] = await Promise.all([pool.process(NATIVE, 'default', batch({ a1: 1, a2: 2, a3: 3 }), AS_SENT), pool.process(NATIVE, 'default', batch({ b1: 1, b2: 2, b3: 3 }), AS_SENT)])
      expect([refusals(a), refusals(b)]).toEqual([[], []])
      for (const result of [a, b]) if (result.ok) await spool.appendEncoded(result.chunks)
      expect(known.entries()[0]!.columns).toHaveLength(7)
      const [c, d] = await Promise.all([pool.process(NATIVE, 'default', batch({ a1: 4 }, { c1: 1 }, { b3: 2 }), AS_SENT), pool.process(NATIVE, 'default', batch({ b1: 5 }), AS_SENT)])
      expect(refusals(c)).toEqual([[1, 'too_many_columns']])
      expect(refusals(d)).toEqual([])
    } finally {
      await spool.close()
      await pool.close()
    }
  })
})

describe('the column limit across restarts', () => {
  it("counts the columns the model's table already has", async () => {
    const dataDir = path.join(root, 'restart')
    const key = 'column-limit-key-0001'
    const env = { AIMS_INIT_API_KEY: key, AIMS_MAX_COLUMNS_PER_MODEL: String(LIMIT), AIMS_SEAL_AFTER_MS: '50' }
    const first = await spawnCollector({ dataDir, env })
    // Five features and the attribute `segment`: six columns, the limit.
    const five = { f1: 1, f2: 2, f3: 3, f4: 4, f5: 5 }
    expect((await postEvents(first.url, key, [predictionEvent(randomUUID(), 'm', five)])).status).toBe(200)
    expect((await getModels(first.url, key, 20_000)).pendingEvents).toBe(0)
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null })

    const second = await spawnCollector({ dataDir, env })
    const { status, body } = await postEvents(second.url, key, [predictionEvent(randomUUID(), 'm', { f1: 7 }), predictionEvent(randomUUID(), 'm', { f6: 1 })])
    // Partly accepted: the event using existing columns is stored, the one bringing a seventh is refused
    // (before, each restart counted from zero: six more columns per restart).
    expect(status, JSON.stringify(body)).toBe(207)
    expect((body as { rejected: Array<{ index: number; reason: string }> }).rejected.map((r) => [r.index, r.reason])).toEqual([[1, 'too_many_columns']])
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null })
  }, 90_000)
})
