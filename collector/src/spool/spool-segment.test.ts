import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BASE_PREDICTION_COLUMNS } from '@aims-monitor/store'
import { COMMIT_RECORD_BYTES, lastCommit } from './segment-files.js'
import { SpoolSegment } from './spool-segment.js'
import { recoverSpool } from './spool-recovery.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'aims-spool-segment-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Appends `rows` rows of `size` bytes each (the segment treats rows as opaque bytes). */
function append(segment: SpoolSegment, rows: number, fill: number, size = 64): void {
  segment.pending.bytes(Buffer.alloc(rows * size, fill))
  segment.pendingRows += rows
}

describe('SpoolSegment after a failed commit', () => {
  it('refuses the failed rows and keeps every later commit whole: rows appended during the next commit are not lost', async () => {
    const dir = path.join(root, 'failed-commit')
    mkdirSync(dir)
    const segment = await SpoolSegment.create(dir, 1, { kind: 'outcomes', project: 'default' }, BASE_PREDICTION_COLUMNS)
    append(segment, 2, 0x11)
    expect(await segment.commit()).toBe(2)

    // The disk refuses one write (ENOSPC), as a full disk would, part-way through a commit.
    const rowsFile = (segment as unknown as { rowsFile: FileHandle }).rowsFile
    const write = rowsFile.write.bind(rowsFile)
    let failures = 1
    ;(rowsFile as unknown as { write: unknown }).write = (data: Buffer, offset: number, length: number, position: number) => {
      if (failures-- > 0) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))
      return write(data, offset, length, position)
    }
    append(segment, 3, 0x22)
    await expect(segment.commit()).rejects.toThrow(/ENOSPC/)

    // The next commit, with rows appended while it is in flight (a concurrent request).
    append(segment, 4, 0x33)
    const next = segment.commit()
    append(segment, 5, 0x44)
    expect(await next).toBe(4)
    expect(await segment.commit()).toBe(5)
    await segment.close()

    const rows = readFileSync(segment.paths.rows)
    const expected = Buffer.concat([Buffer.alloc(2 * 64, 0x11), Buffer.alloc(4 * 64, 0x33), Buffer.alloc(5 * 64, 0x44)])
    expect(lastCommit(readFileSync(segment.paths.commits))).toEqual({ bytes: expected.length, rows: 11 })
    expect(rows.subarray(0, expected.length).equals(expected)).toBe(true)
    expect(statSync(segment.paths.commits).size).toBe(3 * COMMIT_RECORD_BYTES)
    const recovered = await recoverSpool(dir)
    expect(recovered.segments.map((s) => [s.rows, s.bytes])).toEqual([[11, expected.length]])
    expect(recovered.quarantined).toEqual([])
  })
})
