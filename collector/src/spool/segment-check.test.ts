import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Store } from '@aims-monitor/store'
import { outcomeRecord, predictionRecord } from '../test-support/records.js'
import { createLogger } from '../logger.js'
import { createCollectorMetrics } from '../metrics.js'
import { checkSegmentRows } from './segment-check.js'
import { Spool } from './spool.js'
import { testSpoolOptions } from '../test-support/spool-fixture.js'
import { SpoolDrainer } from './spool-drainer.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'aims-segment-check-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0


/** A spool with one sealed outcomes segment of `count` rows (strings of several lengths). */
async function sealedOutcomes(count: number): Promise<Spool> {
  const spool = await Spool.open(testSpoolOptions(path.join(root, `spool-${++dirs}`)), createCollectorMetrics())
  const outcomes = Array.from({ length: count }, (_, i) =>
    outcomeRecord(predictionRecord(i + 1, { modelId: 'm'.repeat(1 + (i % 200)), timestampMs: Date.now(), receivedMs: Date.now(), features: { x: i } }), { receivedMs: Date.now() }),
  )
  await spool.append('default', [], outcomes)
  await spool.sealAll()
  return spool
}

describe('checkSegmentRows', () => {
  it('accepts a segment as written, and finds a flipped length byte, a missing byte and an extra one', async () => {
    const spool = await sealedOutcomes(300)
    const segment = spool.peekSealed()!
    const { rows, bytes, meta, paths } = segment
    expect(await checkSegmentRows(paths.rows, meta.columns, rows, bytes)).toBeUndefined()
    const original = readFileSync(paths.rows)
    // The first string column's length byte of the first row (after the fixed-width columns before it).
    let at = 0
    for (const c of meta.columns) {
      if (c.encoding === 'string') break
      at += c.encoding === 'uuid' ? 16 : 8
    }
    const flipped = Buffer.from(original)
    flipped[at] = 0xff
    writeFileSync(paths.rows, flipped)
    expect(await checkSegmentRows(paths.rows, meta.columns, rows, bytes)).toMatch(/row \d+, column \w+/)
    writeFileSync(paths.rows, original.subarray(0, bytes - 1))
    expect(await checkSegmentRows(paths.rows, meta.columns, rows, bytes)).toMatch(/holds \d+ bytes, its commit log \d+/)
    writeFileSync(paths.rows, original)
    expect(await checkSegmentRows(paths.rows, meta.columns, rows + 1, bytes)).toMatch(/row 301/)
    expect(await checkSegmentRows(paths.rows, meta.columns, rows - 1, bytes)).toMatch(/end at byte/)
  })
})

describe('SpoolDrainer with a store that fails to read a sound segment', () => {
  it('keeps the segment and retries: only a segment whose own bytes are damaged is quarantined', async () => {
    const spool = await sealedOutcomes(20)
    const segment = spool.peekSealed()!
    let attempts = 0
    // A store double, because the case is a store answering "cannot read" about a sound file (a body
    // cut in transit to a server), which a real embedded store cannot be made to do.
    const store = {
      insertRowBinaryFile: async () => {
        attempts++
        throw new Error('Cannot read all data. Bytes read: 10. Bytes expected: 20: While executing BinaryRowInputFormat')
      },
    } as unknown as Store
    const drainer = new SpoolDrainer(spool, store, createCollectorMetrics(), createLogger('silent'), { initialMs: 10, maxMs: 20 })
    drainer.start()
    for (let i = 0; i < 200 && attempts < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(attempts).toBeGreaterThanOrEqual(4)
    expect(spool.peekSealed()).toBe(segment)
    expect(spool.quarantined).toEqual([])
    expect(existsSync(segment.paths.rows)).toBe(true)
    await drainer.stop()
    await spool.close()
  })

  it('finds, given the commit log, a byte flipped inside a number, which leaves the structure whole', async () => {
    const spool = await sealedOutcomes(50)
    const { rows, bytes, meta, paths } = spool.peekSealed()!
    const commits = { file: paths.commits, format: meta.format }
    expect(await checkSegmentRows(paths.rows, meta.columns, rows, bytes, commits)).toBeUndefined()
    const damaged = readFileSync(paths.rows)
    damaged[20]! ^= 0x01 // the first row's first number after its 16-byte id
    writeFileSync(paths.rows, damaged)
    expect(await checkSegmentRows(paths.rows, meta.columns, rows, bytes)).toBeUndefined()
    expect(await checkSegmentRows(paths.rows, meta.columns, rows, bytes, commits)).toBe(`${paths.rows}: bytes 0..${bytes} (rows 1..50, commit 1) do not match their checksum`)
  })
})
