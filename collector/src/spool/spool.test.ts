import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { outcomeRecord, predictionRecord } from '../test-support/records.js'
import type { OutcomeRecord, PredictionRecord } from '@aims-monitor/store'
import { createCollectorMetrics } from '../metrics.js'
import { HttpError } from '../http/http-error.js'
import { COMMIT_RECORD_BYTES, lastCommit, segmentPaths, type SegmentMeta } from './segment-files.js'
import { testSpoolOptions } from '../test-support/spool-fixture.js'
import { Spool, SpoolFullError, type SpoolOptions } from './spool.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'aims-spool-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0

/** A spool in a fresh directory; segments only seal when a test says so, unless it overrides that. */
function openSpool(options: Partial<SpoolOptions> = {}): Promise<Spool> {
  return Spool.open(testSpoolOptions(path.join(root, `spool-${++dirs}`), options), createCollectorMetrics())
}

let ids = 0
function prediction(modelId: string, features: PredictionRecord['features'] = { x: 1 }): PredictionRecord {
  return predictionRecord(++ids, { modelId, features })
}

function outcome(modelId: string): OutcomeRecord {
  const n = ++ids
  return outcomeRecord(predictionRecord(n, { modelId }), { timestampMs: Date.UTC(2026, 0, 2), receivedMs: Date.UTC(2026, 0, 2) })
}

function predictions(modelId: string, count: number, features?: PredictionRecord['features']): PredictionRecord[] {
  return Array.from({ length: count }, () => prediction(modelId, features))
}

function dirOf(spool: Spool): string {
  return (spool as unknown as { options: SpoolOptions }).options.dir
}

function readMeta(dir: string, seq: number): SegmentMeta {
  return JSON.parse(readFileSync(segmentPaths(dir, seq).meta, 'utf8')) as SegmentMeta
}

/** Takes every sealed segment out the way the drainer does, in the order it would insert them. */
function drainAll(spool: Spool): Array<{ seq: number; rows: number; columns: string[] }> {
  const out: Array<{ seq: number; rows: number; columns: string[] }> = []
  for (let s = spool.peekSealed(); s; s = spool.peekSealed()) {
    out.push({ seq: s.meta.seq, rows: s.rows, columns: s.meta.columns.map((c) => c.name) })
    spool.completeSealed(s)
  }
  return out
}

describe('Spool', () => {
  it('makes appended rows durable: a meta file, the rows, and a commit log that covers them', async () => {
    const spool = await openSpool()
    const dir = dirOf(spool)
    await spool.append('default', predictions('m', 3), [])
    expect(readdirSync(dir).sort()).toEqual(['000000000001.commits', '000000000001.meta.json', '000000000001.rows'])
    const paths = segmentPaths(dir, 1)
    const meta = readMeta(dir, 1)
    expect(meta).toMatchObject({ format: 'aims-spool-segment/v2', seq: 1, target: { kind: 'predictions', project: 'default', modelId: 'm' } })
    expect(meta.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['id', 'ts', 'f:x:num', 'a:segment']))
    let commits = readFileSync(paths.commits)
    expect(commits.length).toBe(COMMIT_RECORD_BYTES)
    expect(lastCommit(commits)).toEqual({ bytes: statSync(paths.rows).size, rows: 3 })

    await spool.append('default', predictions('m', 2), [])
    commits = readFileSync(paths.commits)
    expect(commits.length).toBe(2 * COMMIT_RECORD_BYTES)
    expect(lastCommit(commits)).toEqual({ bytes: statSync(paths.rows).size, rows: 5 })
    expect(spool.depth).toMatchObject({ rows: 5, segments: 1, bytes: statSync(paths.rows).size })
    // Not sealed: the segment is neither old nor big enough.
    expect(spool.peekSealed()).toBeUndefined()
  })

  it('group-commits concurrent appends: every one is durable when it resolves, with fewer commit records than requests', async () => {
    const spool = await openSpool()
    const dir = dirOf(spool)
    await spool.append('default', predictions('m', 1), []) // opens the segment
    await Promise.all(Array.from({ length: 20 }, () => spool.append('default', predictions('m', 2), [])))
    const commits = readFileSync(segmentPaths(dir, 1).commits)
    expect(lastCommit(commits)).toEqual({ bytes: statSync(segmentPaths(dir, 1).rows).size, rows: 41 })
    expect(commits.length % COMMIT_RECORD_BYTES).toBe(0)
    expect(commits.length / COMMIT_RECORD_BYTES).toBeLessThan(21)
    expect(spool.depth).toMatchObject({ rows: 41, segments: 1 })
  })

  it('writes outcomes to a segment of their own, per project', async () => {
    const spool = await openSpool()
    const dir = dirOf(spool)
    await spool.append('default', predictions('m', 1), [outcome('m'), outcome('m')])
    await spool.append('other', [], [outcome('m')])
    const targets = [1, 2, 3].map((seq) => readMeta(dir, seq).target)
    expect(targets).toEqual([
      { kind: 'predictions', project: 'default', modelId: 'm' },
      { kind: 'outcomes', project: 'default' },
      { kind: 'outcomes', project: 'other' },
    ])
    expect(lastCommit(readFileSync(segmentPaths(dir, 2).commits)).rows).toBe(2)
    expect(spool.depth.rows).toBe(4)
  })

  it('retires the active segment when a new feature arrives and opens one with the extra column', async () => {
    const spool = await openSpool()
    const dir = dirOf(spool)
    await spool.append('default', predictions('m', 2, { x: 1 }), [])
    await spool.append('default', predictions('m', 3, { x: 2, y: 'new' }), [])
    // The old segment, complete and unchanged, is handed to the drainer at once.
    const sealed = spool.peekSealed()
    expect(sealed).toMatchObject({ rows: 2, meta: { seq: 1 } })
    expect(sealed!.meta.columns.map((c) => c.name)).not.toContain('f:y:str')
    const next = readMeta(dir, 2)
    expect(next.columns.map((c) => c.name)).toEqual([...sealed!.meta.columns.map((c) => c.name), 'f:y:str'])
    expect(lastCommit(readFileSync(segmentPaths(dir, 2).commits)).rows).toBe(3)
    // The same feature with another value kind is another column.
    await spool.append('default', predictions('m', 1, { x: 'text' }), [])
    expect(readMeta(dir, 3).columns.map((c) => c.name)).toContain('f:x:str')
    await spool.sealAll()
    expect(drainAll(spool).map((s) => [s.seq, s.rows])).toEqual([
      [1, 2],
      [2, 3],
      [3, 1],
    ])
  })

  it('answers 503 SpoolFullError past maxBytes, writing nothing, and takes rows again once drained', async () => {
    const spool = await openSpool({ maxBytes: 2048 })
    const dir = dirOf(spool)
    await spool.append('default', predictions('m', 30), [])
    const before = spool.depth
    expect(before.bytes).toBeGreaterThan(2048)
    const refused = spool.append('default', predictions('m', 1), [outcome('m')])
    await expect(refused).rejects.toBeInstanceOf(SpoolFullError)
    await expect(refused).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': expect.any(String) } })
    expect(spool.depth).toEqual(before)
    expect(readdirSync(dir).filter((n) => n.startsWith('000000000002'))).toEqual([])
    await spool.sealAll()
    drainAll(spool)
    expect(spool.depth).toEqual({ bytes: 0, rows: 0, segments: 0 })
    await spool.append('default', predictions('m', 1), [])
    expect(spool.depth.rows).toBe(1)
  })

  it('refuses a model that would exceed maxColumnsPerModel with 422, and still takes valid rows', async () => {
    const spool = await openSpool({ maxColumnsPerModel: 20 })
    const wide = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, i]))
    const refused = spool.append('default', predictions('m', 1, wide), [])
    await expect(refused).rejects.toBeInstanceOf(HttpError)
    await expect(refused).rejects.toMatchObject({ status: 422 })
    expect(spool.depth.rows).toBe(0)
    await spool.append('default', predictions('m', 1, { x: 1 }), [])
    expect(spool.depth.rows).toBe(1)
  })

  it('sealAll hands every segment over, oldest first, tells the listener, and lastSealedSeq is the newest', async () => {
    const spool = await openSpool()
    let told = 0
    spool.setSealedListener(() => told++)
    // One request opens three segments (two models and the outcomes); they are sealed together.
    await spool.append('default', [...predictions('a', 2), ...predictions('b', 3)], [outcome('a')])
    expect(spool.peekSealed()).toBeUndefined()
    await spool.sealAll()
    expect(told).toBeGreaterThan(0)
    expect(spool.lastSealedSeq).toBe(3)
    // The drainer's barrier waits until the head's seq passes lastSealedSeq: the head must be the oldest.
    expect(spool.peekSealed()!.meta.seq).toBe(1)
    const drained = drainAll(spool)
    expect(drained.map((s) => s.seq)).toEqual([1, 2, 3])
    expect(drained.map((s) => s.rows)).toEqual([2, 3, 1])
    expect(spool.depth).toEqual({ bytes: 0, rows: 0, segments: 0 })
    // The next rows go to new segments.
    await spool.append('default', predictions('a', 1), [])
    await spool.sealAll()
    expect(drainAll(spool).map((s) => s.seq)).toEqual([4])
  })

  it('keeps seals sorted by seq when an older segment is sealed after a younger one', async () => {
    const spool = await openSpool()
    await spool.append('default', predictions('a', 1), [outcome('a')]) // seq 1 (a), seq 2 (outcomes)
    await spool.append('default', predictions('a', 1, { x: 1, z: true }), []) // a's new column: seq 1 sealed, seq 3 opened
    await spool.append('default', predictions('a', 1, { x: 1, z: true, w: 'w' }), []) // seq 3 sealed, seq 4 opened
    await spool.sealAll() // seals seq 2 (outcomes) and seq 4
    expect(spool.lastSealedSeq).toBe(4)
    expect(drainAll(spool).map((s) => s.seq)).toEqual([1, 2, 3, 4])
  })

  it('seals a segment once it is old enough, without any request', async () => {
    const spool = await openSpool({ sealAfterMs: 50 })
    await spool.append('default', predictions('m', 2), [])
    for (let i = 0; i < 100 && !spool.peekSealed(); i++) await sleep(20)
    expect(spool.peekSealed()).toMatchObject({ rows: 2, meta: { seq: 1 } })
  })

  it('seals a segment once it holds maxSegmentRows', async () => {
    const spool = await openSpool({ maxSegmentRows: 5 })
    await spool.append('default', predictions('m', 6), [])
    for (let i = 0; i < 100 && !spool.peekSealed(); i++) await sleep(20)
    expect(spool.peekSealed()).toMatchObject({ rows: 6, meta: { seq: 1 } })
  })

  it('on close, seals what it took and refuses further rows with 503', async () => {
    const spool = await openSpool()
    await spool.append('default', predictions('m', 2), [outcome('m')])
    await spool.close()
    expect(drainAll(spool).map((s) => s.rows)).toEqual([2, 1])
    await expect(spool.append('default', predictions('m', 1), [])).rejects.toMatchObject({ status: 503 })
  })
})
