/**
 * Adversarial review of spool format v2 (checksummed 32-byte commit records) and of the store-wide
 * column limit (KnownColumns shared by the spool with every ingest worker).
 *
 * The tests that were titled 'FAULT (fails now)' found four faults, fixed since: an all-zero last
 * commit record is an unwritten one (cut, not quarantined), records are 32 bytes (none straddles a
 * sector), and a failed commit's rows are cut from the rows file.
 */
import { randomUUID } from 'node:crypto'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { KnownColumns, Spool, createBatchProcessor, createCollectorMetrics, createLogger, recoverSpool, type NativeBatchResult } from '@aims-monitor/collector'
import { crashedSpool, spooledPrediction, testSpoolOptions } from '../collector/src/test-support/spool-fixture.js'
import { COMMIT_RECORD_BYTES, SPOOL_FORMAT_V1, readCommitRecords, segmentPaths } from '../collector/src/spool/segment-files.js'
import { predictionEvent } from './support/spawn-collector.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'aims-spool-v2-cols-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const freshDir = () => path.join(root, `spool-${++dirs}`)

const V2 = 'aims-spool-segment/v2' as const

describe('spool v2 recovery: crash debris at the end of the commit log', () => {
  // A commit record is written (pwrite) and then fdatasync'd before the request is acknowledged. A
  // power cut in between may leave the file extended to the new size with the record's data not on
  // disk: zeros. That record was never acknowledged, exactly like a record cut short, which recovery
  // drops. Standard WAL practice (SQLite WAL, LevelDB/RocksDB logs): a bad tail record is a torn
  // write, not damage (the whole segment, with every acknowledged commit before it, was quarantined).
  it('a zero-filled last commit record (file extended, data never written) is cut like a torn one, not quarantined', async () => {
    const dir = freshDir()
    await crashedSpool(dir, [3, 2])
    const paths = segmentPaths(dir, 1)
    const committedBytes = statSync(paths.rows).size
    // The third request: its rows reached the rows file, its commit record only as zeros.
    appendFileSync(paths.rows, Buffer.alloc(57, 0x11))
    appendFileSync(paths.commits, Buffer.alloc(COMMIT_RECORD_BYTES))
    const { segments, quarantined } = await recoverSpool(dir)
    expect(quarantined.map((q) => q.reason)).toEqual([])
    expect(segments.map((s) => [s.meta.seq, s.rows, s.bytes])).toEqual([[1, 5, committedBytes]])
    expect(statSync(paths.rows).size).toBe(committedBytes)
  })

  it('a first commit record that is all zeros (crash during the first commit) leaves nothing acknowledged: the segment is removed, not quarantined', async () => {
    const dir = freshDir()
    await crashedSpool(dir, [2])
    const paths = segmentPaths(dir, 1)
    writeFileSync(paths.commits, Buffer.alloc(COMMIT_RECORD_BYTES))
    const { segments, quarantined } = await recoverSpool(dir)
    expect(quarantined.map((q) => q.reason)).toEqual([])
    expect(segments).toEqual([])
    expect(existsSync(path.join(dir, 'quarantine'))).toBe(false)
  })

  // A record must never straddle a sector, or one record's write is not atomic on disk and a power
  // cut can persist half of it. 24-byte records did (record 22 spanned bytes 504..527).
  it('writes 32-byte records: none straddles a 512-byte sector, and record 22 unwritten is cut', async () => {
    expect(512 % COMMIT_RECORD_BYTES).toBe(0)
    const dir = freshDir()
    await crashedSpool(dir, Array.from({ length: 22 }, () => 1))
    const paths = segmentPaths(dir, 1)
    const log = readFileSync(paths.commits)
    expect(log.length).toBe(22 * COMMIT_RECORD_BYTES)
    const { records } = readCommitRecords(log, V2)
    expect(records).toHaveLength(22)
    log.fill(0, 21 * COMMIT_RECORD_BYTES) // record 22 never reached the disk
    writeFileSync(paths.commits, log)
    const { segments, quarantined } = await recoverSpool(dir)
    expect(quarantined.map((q) => q.reason)).toEqual([])
    expect(segments.map((s) => [s.rows, s.bytes])).toEqual([[21, records[20]!.bytes]])
  })
})

describe('spool v2 recovery: what is sound', () => {
  it('cuts unacknowledged garbage past the last commit without quarantining; quarantines a flipped bit in a record\'s own CRC field, naming the file, rows kept', async () => {
    const dir = freshDir()
    await crashedSpool(dir, [3, 2])
    const paths = segmentPaths(dir, 1)
    const rows = readFileSync(paths.rows)
    appendFileSync(paths.rows, Buffer.from('\xff\xff garbage of a request never acknowledged', 'latin1'))
    // And a v2 commit log holding 20 bytes past its whole records (shorter than a record): torn, dropped.
    appendFileSync(paths.commits, Buffer.alloc(20, 0x5a))
    const recovered = await recoverSpool(dir)
    expect(recovered.quarantined).toEqual([])
    expect(recovered.segments.map((s) => [s.rows, s.bytes])).toEqual([[5, rows.length]])
    expect(readFileSync(paths.rows).equals(rows)).toBe(true)

    const other = freshDir()
    await crashedSpool(other, [3, 2])
    const otherPaths = segmentPaths(other, 1)
    const otherRows = readFileSync(otherPaths.rows)
    const log = readFileSync(otherPaths.commits)
    log[COMMIT_RECORD_BYTES + 22]! ^= 0x10 // record 2's own CRC field only
    writeFileSync(otherPaths.commits, log)
    const { segments, quarantined } = await recoverSpool(other)
    expect(segments).toEqual([])
    expect(quarantined.map((q) => q.reason)).toEqual([`${otherPaths.commits}: commit record 2 fails its checksum`])
    expect(readFileSync(path.join(other, 'quarantine', '000000000001.rows')).equals(otherRows)).toBe(true)
    expect(readdirSync(other).filter((n) => n !== 'quarantine')).toEqual([])
  })
})

describe('spool v2 writing: a failed commit', () => {
  // SpoolSegment.commit writes rows at committedBytes, then the commit record. When the record's
  // write fails (ENOSPC, EIO), the request is refused (503) but its rows stay in the rows file past
  // committedBytes. The next, shorter commit overwrites only their beginning; the sealed segment's
  // rows file is then longer than its commit log, and the drainer inserts the whole file
  // (insertRowBinaryFile reads `file`): the tail, rows of the refused request, is inserted, or the
  // file fails checkSegmentRows ("holds N bytes, its commit log M") and a sound segment is quarantined.
  it('after a failed commit, the sealed rows file holds exactly the committed bytes', async () => {
    const dir = freshDir()
    const spool = await Spool.open(testSpoolOptions(dir), createCollectorMetrics())
    try {
      await spool.append('default', [spooledPrediction(), spooledPrediction(), spooledPrediction()], [])
      const slot = [...(spool as unknown as { slots: Map<string, { active?: { commitsFile: { write: (...a: unknown[]) => Promise<unknown> } } }> }).slots.values()][0]!
      const commitsFile = slot.active!.commitsFile
      const write = commitsFile.write.bind(commitsFile)
      let fail = true
      commitsFile.write = (...args: unknown[]) => {
        if (fail) {
          fail = false
          return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))
        }
        return write(...args)
      }
      await expect(spool.append('default', [spooledPrediction(), spooledPrediction()], [])).rejects.toMatchObject({ status: 503 })
      await spool.append('default', [spooledPrediction()], [])
      await spool.sealAll()
      const sealed = spool.peekSealed()!
      expect(sealed.rows).toBe(4)
      expect(statSync(sealed.paths.rows).size).toBe(sealed.bytes)
    } finally {
      await spool.close()
    }
  })
})

const LIMIT = 20 // 14 fixed columns, 6 for features and attributes
const NATIVE = { kind: 'native' } as const
/** Bodies given to the processors as they would arrive uncompressed. */
const AS_SENT = { contentEncoding: 'identity', maxBytes: 64 * 1024 * 1024 } as const

function batch(model: string, ...features: Array<Record<string, number | string | boolean>>): Buffer {
  return Buffer.from(JSON.stringify({ events: features.map((f) => predictionEvent(randomUUID(), model, f)) }))
}

function refusals(result: NativeBatchResult): Array<[number, string]> {
  if (!result.ok) throw new Error(`batch refused whole: ${result.message}`)
  return result.rejected.map((r) => [r.index, r.reason])
}

describe('the store-wide column limit: sound cases', () => {
  it("counts a recovered v1 segment's columns; the spool's own append() shares its columns with every worker; a name sent as number and as string, and ':' in names, are counted right", async () => {
    // A v1 segment (an older collector) of model m with features x (num) and kind (str), attribute segment.
    const dir = freshDir()
    await crashedSpool(dir, [3])
    const paths = segmentPaths(dir, 1)
    const meta = JSON.parse(readFileSync(paths.meta, 'utf8')) as { format: string }
    writeFileSync(paths.meta, JSON.stringify({ ...meta, format: SPOOL_FORMAT_V1 }))
    const [record] = readCommitRecords(readFileSync(paths.commits), V2).records
    const v1 = Buffer.alloc(16)
    v1.writeBigUInt64LE(BigInt(record!.bytes), 0)
    v1.writeBigUInt64LE(BigInt(record!.rows), 8)
    writeFileSync(paths.commits, v1)

    const known = new KnownColumns()
    const spool = await Spool.open(testSpoolOptions(dir, { maxColumnsPerModel: LIMIT }), createCollectorMetrics(), known)
    const pool = createBatchProcessor({ workers: 2, maxColumnsPerModel: LIMIT, knownColumns: known, logger: createLogger('silent') })
    spool.setNewColumnsListener((models) => pool.shareColumns(models))
    try {
      expect(spool.depth.rows).toBe(3)
      expect(known.entries().map((m) => [m.modelId, m.columns.map((c) => c.name).sort()])).toEqual([['m', ['a:segment', 'f:kind:str', 'f:x:num']]])
      // Through the spool's own append: x as a string (a second column), and 'x:num' as a string.
      await spool.append('default', [spooledPrediction('m', { x: 'as-text', 'x:num': 'v' })], [])
      expect(known.entries()[0]!.columns.map((c) => c.name).sort()).toEqual(['a:segment', 'f:kind:str', 'f:x:num', 'f:x:num:str', 'f:x:str'])
      // 5 of 6: in both workers, one more column fits, two do not; existing ones (either kind) are taken.
      const [a, b] = await Promise.all([
        pool.process(NATIVE, 'default', batch('m', { 'x:num': 'w', x: 2 }, { y1: 1, y2: 2 }), AS_SENT),
        pool.process(NATIVE, 'default', batch('m', { x: 'text' }, { z1: true, z2: 1 }), AS_SENT),
      ])
      expect(refusals(a)).toEqual([[1, 'too_many_columns']])
      expect(refusals(b)).toEqual([[1, 'too_many_columns']])
      // All-or-nothing append: two new columns past the limit are a 422 and nothing is counted.
      await expect(spool.append('default', [spooledPrediction('m', { p: 1, q: 2 })], [])).rejects.toMatchObject({ status: 422, code: 'too_many_columns' })
      expect(known.entries()[0]!.columns).toHaveLength(5)
      // Another model, and outcomes-only data, are not affected.
      await spool.append('default', [spooledPrediction('other:model/v.1', { a1: 1, a2: 2, a3: 3, a4: 4, a5: 5 })], [])
      expect(known.entries().map((m) => [m.modelId, m.columns.length])).toEqual([['m', 5], ['other:model/v.1', 6]])
    } finally {
      await spool.close()
      await pool.close()
    }
  })

  it('a worker that stops and is started again counts the columns known by then', async () => {
    const known = new KnownColumns()
    const pool = createBatchProcessor({ workers: 2, maxColumnsPerModel: LIMIT, knownColumns: known, logger: createLogger('silent') })
    const spool = await Spool.open(testSpoolOptions(freshDir(), { maxColumnsPerModel: LIMIT }), createCollectorMetrics(), known)
    spool.setNewColumnsListener((models) => pool.shareColumns(models))
    try {
      const first = await pool.process(NATIVE, 'default', batch('m', { a1: 1, a2: 2, a3: 3, a4: 4, a5: 5 }), AS_SENT)
      expect(refusals(first)).toEqual([])
      if (first.ok) await spool.appendEncoded(first.chunks)
      // No request body makes a worker exit (processBatch answers every failure), so stop them from outside.
      const workers = (pool as unknown as { pool: Array<{ worker: { terminate: () => Promise<number> } }> }).pool
      const before = workers.map((w) => w.worker)
      await Promise.all(before.map((w) => w.terminate()))
      for (let i = 0; i < 100 && workers.some((w, j) => w.worker === before[j]); i++) await sleep(20)
      expect(workers.every((w, j) => w.worker !== before[j])).toBe(true)
      const [c, d] = await Promise.all([pool.process(NATIVE, 'default', batch('m', { a1: 1 }, { n1: 1 }), AS_SENT), pool.process(NATIVE, 'default', batch('m', { n2: 'x' }, { a5: 5 }), AS_SENT)])
      expect(refusals(c)).toEqual([[1, 'too_many_columns']])
      expect(refusals(d)).toEqual([[0, 'too_many_columns']])
    } finally {
      await spool.close()
      await pool.close()
    }
  })
})
