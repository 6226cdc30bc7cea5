import { promises as fs } from 'node:fs'
import type { ColumnSpec } from '@aims-monitor/store'
import { checksumMismatch, readCommitRecords, type SpoolFormat } from './segment-files.js'

const FIXED_WIDTH: Record<ColumnSpec['encoding'], number> = { uuid: 16, datetime64ms: 8, float64: 8, string: 0 }

/**
 * Walks a segment's rows file as RowBinary of its columns and says what is wrong with it, or
 * undefined when it holds exactly `rows` whole rows in exactly `bytes` bytes and, given its commit
 * log (`commits`: the file and the segment's format), matches the log's checksums. It tells a
 * segment damaged on disk (a length byte flipped, or in a v2 segment any byte) from a store that
 * failed to read a sound one (a cut connection): only the first may be quarantined.
 */
export async function checkSegmentRows(
  file: string,
  columns: readonly ColumnSpec[],
  rows: number,
  bytes: number,
  commits?: { file: string; format: SpoolFormat },
): Promise<string | undefined> {
  const data = await fs.readFile(file)
  if (data.length !== bytes) return `${file} holds ${data.length} bytes, its commit log ${bytes}`
  if (commits !== undefined) {
    const { records, problem } = readCommitRecords(await fs.readFile(commits.file), commits.format)
    if (problem !== undefined) return `${commits.file}: ${problem}`
    const mismatch = checksumMismatch(data, records)
    if (mismatch !== undefined) return `${file}: ${mismatch}`
  }
  let at = 0
  for (let row = 0; row < rows; row++) {
    for (const column of columns) {
      const width = FIXED_WIDTH[column.encoding]
      if (width > 0) {
        at += width
      } else {
        let length = 0
        let shift = 0
        for (;;) {
          if (at >= data.length) return `${file}: row ${row + 1}, column ${column.name}: the file ends inside a string length`
          const byte = data[at++]!
          length += (byte & 0x7f) * 2 ** shift
          shift += 7
          if ((byte & 0x80) === 0) break
          if (shift > 35) return `${file}: row ${row + 1}, column ${column.name}: a string length longer than 5 bytes`
        }
        at += length
      }
      if (at > data.length) return `${file}: row ${row + 1}, column ${column.name} runs past the end of the file (${at} > ${data.length} bytes)`
    }
  }
  if (at !== data.length) return `${file}: ${rows} rows end at byte ${at}, but the file holds ${data.length} bytes`
  return undefined
}
