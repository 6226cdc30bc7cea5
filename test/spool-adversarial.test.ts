import { createHash, randomUUID } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { crc32 } from 'node:zlib'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { predictionsTableName, qualifiedTable } from '@aims-monitor/store'
import { recoverSpool } from '@aims-monitor/collector'
import {
  getModels,
  killAllChildren,
  postEvents,
  predictionEvent,
  queryStoreInChild,
  runCli,
  spawnCollector,
  type SpawnedCollector,
} from './support/spawn-collector.js'

/*
 * Attacks on the write-ahead spool's promise, "nothing already accepted is lost": real collectors
 * as child processes, killed with SIGKILL, their spool files damaged between runs the way a crash,
 * a bad disk or an operator's hands would. Each acknowledged event must reach the store exactly once
 * (counted by id), unless its segment is unreadable, in which case the segment is quarantined
 * (kept, moved aside, reported) rather than deleted or retried forever.
 */

const KEY = 'spool-adversarial-key-0001'
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-spool-adv-'))
afterEach(killAllChildren)
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Segments never seal by age while the first collector runs: everything stays in the spool for us to damage. */
const HOLD = { AIMS_INIT_API_KEY: KEY, AIMS_SEAL_AFTER_MS: '60000', AIMS_INGEST_WORKERS: '0' }
const DRAIN = { AIMS_INIT_API_KEY: KEY, AIMS_SEAL_AFTER_MS: '50', AIMS_INGEST_WORKERS: '0' }

const spoolDir = (dataDir: string) => path.join(dataDir, 'spool')

async function post(c: SpawnedCollector, model: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID())
  const { status, body } = await postEvents(c.url, KEY, ids.map((id) => predictionEvent(id, model, { x: 1, kind: 'k' })))
  expect(status, JSON.stringify(body)).toBe(200)
  return ids
}

async function kill(c: SpawnedCollector): Promise<void> {
  c.child.kill('SIGKILL')
  expect(await c.waitExit(30_000)).toEqual({ code: null, signal: 'SIGKILL' })
}

/** The files of the spool segment holding `model`'s predictions, found by their meta file. */
function segmentOf(dataDir: string, model: string): { meta: string; rows: string; commits: string } {
  const dir = spoolDir(dataDir)
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.meta.json'))) {
    const meta = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { target: { modelId?: string } }
    if (meta.target.modelId === model) {
      const base = path.join(dir, name.slice(0, -'.meta.json'.length))
      return { meta: `${base}.meta.json`, rows: `${base}.rows`, commits: `${base}.commits` }
    }
  }
  throw new Error(`no spool segment for ${model} in ${readdirSync(dir).join(', ')}`)
}

/** How many times each id is stored, per model (physical rows, no FINAL: duplicates show). */
async function storedIds(dataDir: string, models: string[]): Promise<Map<string, Map<string, number>>> {
  const results = (await queryStoreInChild(
    dataDir,
    models.map((m) => ({ query: `SELECT toString(id) AS id, count() AS n FROM ${qualifiedTable('aims', predictionsTableName('default', m))} GROUP BY id` })),
  )) as Array<Array<{ id: string; n: string }>>
  return new Map(models.map((m, i) => [m, new Map(results[i]!.map((r) => [r.id, Number(r.n)]))]))
}

function expectExactlyOnce(stored: Map<string, number> | undefined, ids: string[]): void {
  expect(stored, 'table exists').toBeDefined()
  expect(ids.filter((id) => stored!.get(id) !== 1)).toEqual([])
  expect(stored!.size).toBe(ids.length)
}

function digest(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((n) => [n, statSync(path.join(dir, n)).isFile() ? createHash('sha256').update(readFileSync(path.join(dir, n))).digest('hex') : 'dir']),
  )
}

describe('recovery of a damaged spool (real collectors, SIGKILL, files edited between runs)', () => {
  it('keeps every readable acknowledged event once, quarantines what it cannot read, and survives stray names', async () => {
    const dataDir = path.join(root, 'damaged')
    const first = await spawnCollector({ dataDir, env: HOLD })
    const models = ['intact', 'torn-rows', 'torn-commit', 'bad-version', 'torn-meta', 'flipped', 'bad-commit-log', 'flipped-number'] as const
    const ids: Record<string, string[]> = {}
    for (const m of models) ids[m] = await post(first, m, 40)
    // A second request to the same model: two commit records, so the log has a history to check.
    for (const m of models) ids[m]!.push(...(await post(first, m, 10)))
    await kill(first)

    const seg = Object.fromEntries(models.map((m) => [m, segmentOf(dataDir, m)]))
    // A crash mid-write: rows past the last commit record, half a commit record (mid-record of the log).
    appendFileSync(seg['torn-rows']!.rows, Buffer.alloc(300, 0xab))
    appendFileSync(seg['torn-commit']!.commits, Buffer.alloc(7, 0xff))
    // A spool written by a newer collector (unknown format): must not be deleted, nor inserted blindly.
    const meta = readFileSync(seg['bad-version']!.meta, 'utf8')
    writeFileSync(seg['bad-version']!.meta, meta.replace(/aims-spool-segment\/v\d+/, 'aims-spool-segment/v9'))
    // A meta file damaged after the fact, while its commit log says rows were acknowledged.
    truncateSync(seg['torn-meta']!.meta, 25)
    // A byte flipped inside a committed row (the second row's model_version length): the store cannot parse it.
    const rows = readFileSync(seg['flipped']!.rows)
    const rowBytes = rows.length / 50
    rows[rowBytes + 32] = 0xff
    writeFileSync(seg['flipped']!.rows, rows)
    // A commit log whose last record went backwards, its own checksum made to match (as if written
    // so): it must not cut acknowledged rows off.
    const log = readFileSync(seg['bad-commit-log']!.commits)
    const last = log.length - 32
    log.writeBigUInt64LE(0n, last)
    log.writeUInt32LE(crc32(log.subarray(last, last + 20)), last + 20)
    writeFileSync(seg['bad-commit-log']!.commits, log)
    // A byte flipped inside a number of a committed row (the first row's timestamp, after its 16-byte
    // id): the structure stays whole and the store would read it; the commit's checksum does not match.
    const numbers = readFileSync(seg['flipped-number']!.rows)
    numbers[20]! ^= 0x10
    writeFileSync(seg['flipped-number']!.rows, numbers)
    // Names the spool did not write.
    writeFileSync(path.join(spoolDir(dataDir), 'notes.txt'), 'operator notes')
    writeFileSync(path.join(spoolDir(dataDir), '999999999999.stray'), 'x')
    mkdirSync(path.join(spoolDir(dataDir), '000000000500.commits'))

    const second = await spawnCollector({ dataDir, env: DRAIN })
    const summary = await getModels(second.url, KEY, 20_000)
    // Everything not quarantined reached the store (nothing waits on a segment retried forever).
    expect(summary.pendingEvents, second.stderr().slice(0, 3000)).toBe(0)
    const after = await post(second, 'after-restart', 20)
    await kill(second)

    // The quarantine keeps what could not be read, with a reason, and the live spool no longer holds it.
    const quarantine = path.join(spoolDir(dataDir), 'quarantine')
    const kept = readdirSync(quarantine)
    for (const m of ['bad-version', 'torn-meta', 'flipped', 'bad-commit-log', 'flipped-number']) {
      const base = path.basename(seg[m]!.rows, '.rows')
      expect(kept, m).toEqual(expect.arrayContaining([`${base}.rows`, `${base}.commits`, `${base}.meta.json`, `${base}.reason.txt`]))
      expect(existsSync(seg[m]!.rows), m).toBe(false)
    }
    const reason = (m: string) => readFileSync(path.join(quarantine, `${path.basename(seg[m]!.rows, '.rows')}.reason.txt`), 'utf8')
    expect(reason('bad-version')).toMatch(/aims-spool-segment\/v9/)
    expect(reason('flipped-number')).toMatch(/rows 1\.\.40, commit 1\) do not match their checksum/)
    expect(reason('bad-commit-log')).toMatch(/does not follow the one before/)
    expect(existsSync(path.join(spoolDir(dataDir), 'notes.txt'))).toBe(true)

    // A restart after the stray high sequence number still finds the events acknowledged since.
    const third = await spawnCollector({ dataDir, env: DRAIN })
    expect((await getModels(third.url, KEY, 20_000)).pendingEvents).toBe(0)
    expect(await third.stop('SIGTERM')).toEqual({ code: 0, signal: null })

    // Nothing of a quarantined segment reached the store (no half-inserted segment to duplicate later).
    const [parts] = (await queryStoreInChild(dataDir, [
      {
        query: `SELECT table, toString(sum(rows)) AS n FROM system.parts WHERE database = 'aims' AND active AND table IN {tables:Array(String)} GROUP BY table HAVING sum(rows) > 0`,
        params: { tables: ['bad-version', 'torn-meta', 'flipped', 'bad-commit-log', 'flipped-number'].map((m) => predictionsTableName('default', m)) },
      },
    ])) as [unknown[]]
    expect(parts).toEqual([])
    const stored = await storedIds(dataDir, ['intact', 'torn-rows', 'torn-commit', 'after-restart'])
    for (const m of ['intact', 'torn-rows', 'torn-commit']) expectExactlyOnce(stored.get(m), ids[m]!)
    expectExactlyOnce(stored.get('after-restart'), after)
  }, 90_000)

  it('refuses to start, naming the file, when acknowledged rows are gone or a segment file is not a file', async () => {
    const dataDir = path.join(root, 'refuse')
    const first = await spawnCollector({ dataDir, env: HOLD })
    await post(first, 'short', 30)
    await post(first, 'dir', 30)
    await kill(first)
    const short = segmentOf(dataDir, 'short')
    const dir = segmentOf(dataDir, 'dir')
    await truncationSweep(short)
    // Mid-row: the rows file is cut inside the committed range.
    truncateSync(short.rows, statSync(short.rows).size - 5)
    const before = digest(spoolDir(dataDir))
    const refused = await runCli(['up', '--port', '0', '--data', dataDir], { env: DRAIN, timeoutMs: 60_000 })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain(short.rows)
    expect(refused.stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace
    expect(digest(spoolDir(dataDir))).toEqual(before)

    // A rows file replaced by a directory: named, not an EISDIR without a path.
    rmSync(short.rows)
    writeFileSync(short.commits, Buffer.alloc(0)) // nothing acknowledged in it any more: recovery drops it
    rmSync(dir.rows)
    mkdirSync(dir.rows)
    await expect(recoverSpool(spoolDir(dataDir))).rejects.toThrow(dir.rows)
  }, 60_000)
})

/**
 * Every truncation offset of a real segment's commit log and rows file, and of its meta file, on a
 * copy: recovery keeps exactly the rows the last whole commit record covers, refuses (naming the
 * file) when committed rows are cut off, and quarantines a meta file cut mid-header.
 */
async function truncationSweep(segment: { meta: string; rows: string; commits: string }): Promise<void> {
  const originals = { meta: readFileSync(segment.meta), rows: readFileSync(segment.rows), commits: readFileSync(segment.commits) }
  const records = originals.commits.length / 32
  expect(records).toBe(1)
  const committed = Number(originals.commits.readBigUInt64LE(0))
  expect(committed).toBe(originals.rows.length)
  const base = path.basename(segment.rows, '.rows')
  let n = 0
  const copy = (edit: (files: typeof originals) => void): { dir: string; rows: string } => {
    const dir = path.join(root, `sweep-${++n}`)
    mkdirSync(dir)
    const files = { meta: Buffer.from(originals.meta), rows: Buffer.from(originals.rows), commits: Buffer.from(originals.commits) }
    edit(files)
    writeFileSync(path.join(dir, `${base}.meta.json`), files.meta)
    writeFileSync(path.join(dir, `${base}.rows`), files.rows)
    writeFileSync(path.join(dir, `${base}.commits`), files.commits)
    return { dir, rows: path.join(dir, `${base}.rows`) }
  }
  // Commit log cut at every byte (mid-record): nothing acknowledged under 32 bytes, so the segment goes.
  for (let at = 0; at < 32; at += 3) {
    const { dir } = copy((f) => (f.commits = f.commits.subarray(0, at)))
    const recovered = await recoverSpool(dir)
    expect(recovered.segments).toEqual([])
    expect(readdirSync(dir)).toEqual([])
  }
  // Rows with a torn tail at several lengths: cut back to the commit, every committed byte kept.
  for (const extra of [1, 15, 16, 17, 1000]) {
    const { dir, rows } = copy((f) => (f.rows = Buffer.concat([f.rows, Buffer.alloc(extra, 0x5a)])))
    const recovered = await recoverSpool(dir)
    expect(recovered.segments.map((s) => s.bytes)).toEqual([committed])
    expect(readFileSync(rows).equals(originals.rows)).toBe(true)
  }
  // Rows cut inside the committed range (mid-row, on a row boundary, to nothing): a refusal naming the file.
  for (const at of [0, 1, 31, Math.floor(committed / 2), committed - 1]) {
    const { dir, rows } = copy((f) => (f.rows = f.rows.subarray(0, at)))
    await expect(recoverSpool(dir)).rejects.toThrow(rows)
    expect(statSync(rows).size).toBe(at)
  }
  // The meta file cut mid-header (or emptied): quarantined with its rows, not deleted.
  for (const at of [0, 1, 40, originals.meta.length - 1]) {
    const { dir } = copy((f) => (f.meta = f.meta.subarray(0, at)))
    const recovered = await recoverSpool(dir)
    expect(recovered.segments).toEqual([])
    expect(recovered.quarantined.map((q) => q.seq)).toEqual([Number(base)])
    expect(readFileSync(path.join(dir, 'quarantine', `${base}.rows`)).equals(originals.rows)).toBe(true)
    // The sequence number is not handed out again while the quarantine holds it.
    expect(recovered.nextSeq).toBe(Number(base) + 1)
  }
  // A crash half-way through quarantining (meta moved, rows and commit log still live): finished next time.
  {
    const { dir } = copy(() => undefined)
    mkdirSync(path.join(dir, 'quarantine'))
    writeFileSync(path.join(dir, 'quarantine', `${base}.meta.json`), originals.meta)
    rmSync(path.join(dir, `${base}.meta.json`))
    const recovered = await recoverSpool(dir)
    expect(recovered.quarantined).toHaveLength(1)
    expect(readdirSync(path.join(dir, 'quarantine')).sort()).toEqual([`${base}.commits`, `${base}.meta.json`, `${base}.reason.txt`, `${base}.rows`])
    expect(readdirSync(dir)).toEqual(['quarantine'])
  }
}

describe('a full spool, and a data directory held by another collector', () => {
  it('answers 503 with Retry-After once full, refuses a second collector without touching the spool, and loses nothing acknowledged', async () => {
    const dataDir = path.join(root, 'full')
    const first = await spawnCollector({ dataDir, env: { ...HOLD, AIMS_MAX_SPOOL_BYTES: String(1024 * 1024) } })
    const acked: string[] = []
    let refused: { status: number; retryAfter: string | null; body: unknown; ids: string[] } | undefined
    // Segments never seal while it runs, so the spool only grows: about 4,000 rows a request, 1 MiB limit.
    for (let i = 0; i < 20 && !refused; i++) {
      const ids = Array.from({ length: 4000 }, () => randomUUID())
      const response = await fetch(`${first.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: ids.map((id) => predictionEvent(id, 'full', { x: 1, kind: 'k' })) }),
      })
      const body: unknown = await response.json()
      if (response.status === 200) acked.push(...ids)
      else refused = { status: response.status, retryAfter: response.headers.get('retry-after'), body, ids }
    }
    expect(refused, 'the spool never filled').toBeDefined()
    expect(refused!.status).toBe(503)
    expect(refused!.retryAfter).toMatch(/^\d+$/)
    expect(refused!.body).toMatchObject({ error: { code: 'spool_full' } })
    expect(acked.length).toBeGreaterThan(0)

    // A second collector on the same data directory: a clear refusal, and the spool byte for byte as it was.
    const before = digest(spoolDir(dataDir))
    const second = await runCli(['up', '--port', '0', '--data', dataDir], { env: DRAIN, timeoutMs: 60_000 })
    expect(second.code).not.toBe(0)
    expect(second.stderr).toMatch(/is in use by another aims process \(pid \d+/)
    expect(second.stderr).not.toMatch(/\n\s+at /)
    expect(digest(spoolDir(dataDir))).toEqual(before)

    await kill(first)
    const third = await spawnCollector({ dataDir, env: DRAIN })
    expect((await getModels(third.url, KEY, 30_000)).pendingEvents).toBe(0)
    expect(await third.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    const stored = (await storedIds(dataDir, ['full'])).get('full')!
    expectExactlyOnce(stored, acked)
    expect(refused!.ids.filter((id) => stored.has(id))).toEqual([])
  }, 90_000)
})

describe('SIGKILL while large batches are committed and inserted', () => {
  it('stores every acknowledged event exactly once and each unacknowledged request wholly or not at all', async () => {
    const dataDir = path.join(root, 'large')
    const env = { AIMS_INIT_API_KEY: KEY, AIMS_SEAL_AFTER_MS: '20', AIMS_INGEST_WORKERS: '1' }
    const requests: Array<{ ids: string[]; state: 'in-flight' | 'acked' | 'failed' }> = []
    for (let cycle = 0; cycle < 2; cycle++) {
      const c = await spawnCollector({ dataDir, env })
      const stop = { now: false }
      const send = async (sender: number) => {
        for (let b = 0; !stop.now && b < 200; b++) {
          const request = { ids: Array.from({ length: 6000 }, () => randomUUID()), state: 'in-flight' as 'in-flight' | 'acked' | 'failed' }
          requests.push(request)
          try {
            const { status } = await postEvents(c.url, KEY, request.ids.map((id) => predictionEvent(id, 'large', { x: sender, kind: 'k', wide: b % 2 === 0 })))
            request.state = status === 200 ? 'acked' : 'failed'
            expect(status).toBe(200)
          } catch (error) {
            request.state = 'failed'
            if (!stop.now) throw error
            return
          }
        }
      }
      const senders = [send(0), send(1)]
      const mine = () => requests.filter((r) => r.state === 'acked').length
      const target = mine() + 3
      for (let i = 0; i < 300 && mine() < target; i++) await sleep(50)
      stop.now = true
      await kill(c)
      await Promise.all(senders)
    }
    const restarted = await spawnCollector({ dataDir, env })
    expect((await getModels(restarted.url, KEY, 30_000)).pendingEvents).toBe(0)
    expect(await restarted.stop('SIGTERM')).toEqual({ code: 0, signal: null })

    expect(requests.some((r) => r.state === 'failed'), 'some request was cut by a kill').toBe(true)
    const stored = (await storedIds(dataDir, ['large'])).get('large')!
    const acked = requests.filter((r) => r.state === 'acked')
    expect(acked.length).toBeGreaterThanOrEqual(6)
    expect(acked.flatMap((r) => r.ids).filter((id) => stored.get(id) !== 1)).toEqual([])
    expect([...stored.values()].filter((n) => n !== 1)).toEqual([])
    for (const r of requests.filter((x) => x.state !== 'acked')) expect([0, r.ids.length]).toContain(r.ids.filter((id) => stored.has(id)).length)
    const sent = new Set(requests.flatMap((r) => r.ids))
    expect([...stored.keys()].filter((id) => !sent.has(id))).toEqual([])
  }, 90_000)
})
