import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crashedSpool, spooledPrediction, testSpoolOptions } from '../test-support/spool-fixture.js'
import { openStore, predictionsTableName, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { createLogger } from '../logger.js'
import { createCollectorMetrics } from '../metrics.js'
import { COMMIT_RECORD_BYTES, SPOOL_FORMAT_V1, encodeCommitRecord, lastCommit, readCommitRecords, segmentPaths } from './segment-files.js'
import { Spool } from './spool.js'
import { SpoolDrainer } from './spool-drainer.js'
import { recoverSpool } from './spool-recovery.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'aims-spool-recovery-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const freshDir = () => path.join(root, `spool-${++dirs}`)

describe('recoverSpool', () => {
  it('cuts a torn tail back to the last commit record and keeps every committed row', async () => {
    const dir = freshDir()
    await crashedSpool(dir, [3, 2])
    const paths = segmentPaths(dir, 1)
    const committed = readFileSync(paths.rows)
    expect(lastCommit(readFileSync(paths.commits))).toEqual({ bytes: committed.length, rows: 5 })
    // A write that never finished: rows past the last commit, and half a commit record.
    appendFileSync(paths.rows, Buffer.from('garbage bytes of a request that was never acknowledged'))
    appendFileSync(paths.commits, encodeCommitRecord(committed.length + 99, 6, 0).subarray(0, COMMIT_RECORD_BYTES / 2))

    const { segments, nextSeq } = await recoverSpool(dir)
    expect(segments).toHaveLength(1)
    expect(segments[0]).toMatchObject({ bytes: committed.length, rows: 5, meta: { seq: 1, target: { kind: 'predictions', modelId: 'm' } } })
    expect(readFileSync(paths.rows).equals(committed)).toBe(true)
    expect(nextSeq).toBe(2)

    // A spool opened on the directory hands the segment to the drainer and writes new rows elsewhere.
    const spool = await Spool.open(testSpoolOptions(dir), createCollectorMetrics())
    expect(spool.peekSealed()).toMatchObject({ rows: 5, bytes: committed.length })
    expect(spool.depth).toMatchObject({ rows: 5, segments: 1 })
    await spool.append('default', [spooledPrediction('m')], [])
    expect(existsSync(segmentPaths(dir, 2).rows)).toBe(true)
    expect(readFileSync(paths.rows).equals(committed)).toBe(true)
  })

  it('quarantines a segment whose rows or commit records fail their checksums, naming the commit', async () => {
    const dir = freshDir()
    await crashedSpool(dir, [3, 2])
    const paths = segmentPaths(dir, 1)
    const rows = readFileSync(paths.rows)
    const [first] = readCommitRecords(readFileSync(paths.commits), 'aims-spool-segment/v2').records
    // A bit flipped inside the fourth row's timestamp (after its 16-byte id): still valid RowBinary.
    const damaged = Buffer.from(rows)
    damaged[first!.bytes + 20]! ^= 0x04
    writeFileSync(paths.rows, damaged)
    const recovered = await recoverSpool(dir)
    expect(recovered.segments).toEqual([])
    expect(recovered.quarantined.map((q) => [q.seq, q.reason])).toEqual([[1, `${paths.rows}: bytes ${first!.bytes}..${rows.length} (rows 4..5, commit 2) do not match their checksum: damaged on disk`]])
    expect(readFileSync(path.join(dir, 'quarantine', '000000000001.rows')).equals(damaged)).toBe(true)

    // A commit record whose own checksum fails (its row count flipped): damage, not a torn write.
    const other = freshDir()
    await crashedSpool(other, [3, 2])
    const otherPaths = segmentPaths(other, 1)
    const log = readFileSync(otherPaths.commits)
    log[8]! ^= 0x01
    writeFileSync(otherPaths.commits, log)
    expect((await recoverSpool(other)).quarantined.map((q) => q.reason)).toEqual([`${otherPaths.commits}: commit record 1 fails its checksum`])
  })

  it('reads a segment an older collector left (format v1: 16-byte commit records, no checksums)', async () => {
    const dir = freshDir()
    const written = await crashedSpool(dir, [3, 2])
    const paths = segmentPaths(dir, 1)
    const meta = JSON.parse(readFileSync(paths.meta, 'utf8')) as { format: string }
    writeFileSync(paths.meta, JSON.stringify({ ...meta, format: SPOOL_FORMAT_V1 }))
    const v1Log = Buffer.concat(
      readCommitRecords(readFileSync(paths.commits), 'aims-spool-segment/v2').records.map((r) => {
        const record = Buffer.alloc(16)
        record.writeBigUInt64LE(BigInt(r.bytes), 0)
        record.writeBigUInt64LE(BigInt(r.rows), 8)
        return record
      }),
    )
    writeFileSync(paths.commits, Buffer.concat([v1Log, Buffer.alloc(5, 0xee)])) // and a torn v1 record
    const { segments, quarantined } = await recoverSpool(dir)
    expect(quarantined).toEqual([])
    expect(segments).toHaveLength(1)
    expect(segments[0]).toMatchObject({ rows: written.length, bytes: statSync(paths.rows).size, meta: { format: SPOOL_FORMAT_V1 } })
  })

  it('removes segments with no committed row, half-removed ones, and ones whose meta file was never completed', async () => {
    const dir = freshDir()
    await crashedSpool(dir, [2])
    // seq 2: created, rows written, never committed. seq 3: only half a commit record.
    // seq 4: torn meta file (a crash while creating it).
    mkdirSync(dir, { recursive: true })
    const meta = readFileSync(segmentPaths(dir, 1).meta, 'utf8')
    for (const seq of [2, 3]) {
      const p = segmentPaths(dir, seq)
      writeFileSync(p.meta, meta.replace('"seq":1', `"seq":${seq}`))
      writeFileSync(p.rows, Buffer.alloc(64, 7))
      writeFileSync(p.commits, seq === 3 ? encodeCommitRecord(64, 1, 0).subarray(0, 10) : Buffer.alloc(0))
    }
    const torn = segmentPaths(dir, 4)
    writeFileSync(torn.meta, meta.slice(0, 20))
    writeFileSync(torn.rows, Buffer.alloc(0))
    // seq 5: a drained segment whose removal was cut short after its commit log went.
    const halfRemoved = segmentPaths(dir, 5)
    writeFileSync(halfRemoved.meta, meta.replace('"seq":1', '"seq":5'))
    writeFileSync(halfRemoved.rows, Buffer.alloc(64, 7))

    const { segments, nextSeq } = await recoverSpool(dir)
    expect(segments.map((s) => [s.meta.seq, s.rows])).toEqual([[1, 2]])
    expect(readdirSync(dir).sort()).toEqual(['000000000001.commits', '000000000001.meta.json', '000000000001.rows'])
    expect(nextSeq).toBe(6)
  })

  it('refuses to start when a rows file is shorter than its commit log says (acknowledged data lost)', async () => {
    const dir = freshDir()
    await crashedSpool(dir, [4])
    const paths = segmentPaths(dir, 1)
    truncateSync(paths.rows, statSync(paths.rows).size - 1)
    await expect(recoverSpool(dir)).rejects.toThrow(/shorter .* than its commit log says/)
  })

  it('starts empty on a missing directory', async () => {
    const dir = freshDir()
    expect(await recoverSpool(dir)).toEqual({ segments: [], nextSeq: 1, quarantined: [] })
    expect(existsSync(dir)).toBe(true)
  })
})

describe('SpoolDrainer after a crash (embedded store)', () => {
  // chDB allows one data directory per process: one store for this whole describe.
  let store: Store
  beforeAll(async () => {
    store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(root, 'store') }))
  })
  afterAll(async () => {
    await store?.close()
  })

  async function countRows(): Promise<{ predictions: number; distinct: number; outcomes: number }> {
    const table = store.table(predictionsTableName('default', 'm'))
    const [p] = await (await store.client.query({ query: `SELECT count() AS n, uniqExact(id) AS d FROM ${table}`, format: 'JSONEachRow' })).json<{ n: string; d: string }>()
    const [o] = await (
      await store.client.query({ query: `SELECT count() AS n FROM ${store.table('outcomes')} WHERE project = 'default' AND model_id = 'm'`, format: 'JSONEachRow' })
    ).json<{ n: string }>()
    return { predictions: Number(p!.n), distinct: Number(p!.d), outcomes: Number(o!.n) }
  }

  /** Opens a spool on `dir` as a restarted collector would, drains it, and stops. */
  async function restartAndDrain(dir: string): Promise<void> {
    const metrics = createCollectorMetrics()
    const spool = await Spool.open(testSpoolOptions(dir), metrics)
    const drainer = new SpoolDrainer(spool, store, metrics, createLogger('silent'))
    drainer.start()
    expect(await drainer.waitForSeq(spool.lastSealedSeq, 30_000)).toBe(true)
    expect(spool.depth.rows).toBe(0)
    expect(drainer.lastError).toBeUndefined()
    await spool.close()
    await drainer.stop()
  }

  it('inserts the recovered committed rows, and a replay of the same segment inserts nothing twice', async () => {
    const dir = freshDir()
    const written = await crashedSpool(dir, [50, 30], 10)
    appendFileSync(segmentPaths(dir, 1).rows, Buffer.from('torn tail'))
    // Keep a copy, as if the crash had come after the insert but before the files were removed.
    const copy = `${dir}-copy`
    cpSync(dir, copy, { recursive: true })

    await restartAndDrain(dir)
    expect(readdirSync(dir)).toEqual([])
    expect(await countRows()).toEqual({ predictions: 80, distinct: 80, outcomes: 20 })
    const stored = await (
      await store.client.query({ query: `SELECT toString(id) AS id FROM ${store.table(predictionsTableName('default', 'm'))} ORDER BY id`, format: 'JSONEachRow' })
    ).json<{ id: string }>()
    expect(stored.map((r) => r.id)).toEqual(written.map((p) => p.id).sort())

    // The same segments again (same insert deduplication tokens): the store must not gain a row,
    // counted without FINAL and with merges stopped, so no merge can hide a duplicate.
    await store.client.command({ query: `SYSTEM STOP MERGES ${store.table(predictionsTableName('default', 'm'))}` })
    await store.client.command({ query: `SYSTEM STOP MERGES ${store.table('outcomes')}` })
    await restartAndDrain(copy)
    expect(await countRows()).toEqual({ predictions: 80, distinct: 80, outcomes: 20 })
  })
})
