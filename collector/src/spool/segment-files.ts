import path from 'node:path'
import { crc32 } from 'node:zlib'
import type { ColumnSpec } from '@aims-monitor/store'

/** The format segments are written in: v2 commit records carry checksums (see encodeCommitRecord). */
export const SPOOL_FORMAT = 'aims-spool-segment/v2'
/** Segments of the first format, left by an older collector, are still read (without checksums). */
export const SPOOL_FORMAT_V1 = 'aims-spool-segment/v1'
export type SpoolFormat = typeof SPOOL_FORMAT | typeof SPOOL_FORMAT_V1

/** What a segment holds rows for: one model's predictions table, or a project's outcomes. */
export type SegmentTarget =
  | { kind: 'predictions'; project: string; modelId: string }
  | { kind: 'outcomes'; project: string }

/** Written (and fsync'd) when a segment is created, before any row: enough to insert it after a crash. */
export interface SegmentMeta {
  format: SpoolFormat
  seq: number
  /** Insert deduplication token: a replay of this segment after a crash inserts nothing twice. */
  id: string
  target: SegmentTarget
  columns: ColumnSpec[]
  createdAt: string
}

/**
 * A segment is three files: `<seq>.meta.json`, `<seq>.rows` (pure RowBinary, which ClickHouse
 * reads as it is) and `<seq>.commits`, an append-only log of commit records, each written after the
 * rows it covers were fdatasync'd. After a crash, the last whole record says how much of `.rows` was
 * acknowledged; anything past it is cut off.
 */
export function segmentPaths(dir: string, seq: number) {
  const base = path.join(dir, String(seq).padStart(12, '0'))
  return { meta: `${base}.meta.json`, rows: `${base}.rows`, commits: `${base}.commits` }
}

/**
 * A v2 commit record, 32 bytes: committed bytes (u64), committed rows (u64), the CRC-32 of the rows
 * bytes this commit made durable (u32), the CRC-32 of those 20 bytes (u32), and 8 zero bytes. Why
 * checksums: RowBinary has no redundancy, so a bit flipped on disk inside a number or an id while
 * the segment waits (a crash, a store down for hours) would be inserted as read; with them, recovery
 * sees it and quarantines the segment instead. The record's own checksum tells a damaged record from
 * a valid one. Why 32 bytes: a power of two, so no record ever straddles a 512-byte sector and one
 * record is written whole or not at all (24 bytes would put record 22 across bytes 504..527).
 */
export const COMMIT_RECORD_BYTES = 32
/** A v1 commit record: committed bytes and rows (u64 each), no checksum. */
export const V1_COMMIT_RECORD_BYTES = 16

export function commitRecordBytes(format: SpoolFormat): number {
  return format === SPOOL_FORMAT_V1 ? V1_COMMIT_RECORD_BYTES : COMMIT_RECORD_BYTES
}

export function encodeCommitRecord(bytes: number, rows: number, rowsCrc: number): Buffer {
  const record = Buffer.allocUnsafe(COMMIT_RECORD_BYTES)
  record.writeBigUInt64LE(BigInt(bytes), 0)
  record.writeBigUInt64LE(BigInt(rows), 8)
  record.writeUInt32LE(rowsCrc >>> 0, 16)
  record.writeUInt32LE(crc32(record.subarray(0, 20)), 20)
  record.fill(0, 24)
  return record
}

/** The CRC-32 (zlib's) of rows bytes: what a commit record holds for the bytes it covers. */
export function rowsChecksum(bytes: Uint8Array): number {
  return crc32(bytes)
}

/** One commit record as read: the totals after it and, in v2, the checksum of the bytes since the record before. */
export interface CommitRecord {
  bytes: number
  rows: number
  rowsCrc: number | undefined
}

/**
 * The whole commit records of a commits file's content. Left out, as never acknowledged: a torn
 * record at the end (shorter than a record), and a last record of zeros (the file was extended and
 * a crash came before the record's bytes reached the disk: a commit is acknowledged only after its
 * record is synced, and each waits for the one before, so only the last can be unwritten; a real
 * record never is all zeros, its byte count being above 0). Any other record that is not valid — a
 * v2 record whose own checksum fails, totals past 2^53, totals that do not grow — is damage:
 * `problem` names it, and the records before it are returned.
 */
export function readCommitRecords(content: Buffer, format: SpoolFormat): { records: CommitRecord[]; problem?: string } {
  const size = commitRecordBytes(format)
  const records: CommitRecord[] = []
  let bytes = 0
  let rows = 0
  for (let at = 0; at + size <= content.length; at += size) {
    const n = at / size + 1
    if (at + size > content.length - size && isZeros(content, at, at + size)) break // the unwritten last record
    if (format !== SPOOL_FORMAT_V1 && crc32(content.subarray(at, at + 20)) !== content.readUInt32LE(at + 20)) {
      return { records, problem: `commit record ${n} fails its checksum` }
    }
    const b = content.readBigUInt64LE(at)
    const r = content.readBigUInt64LE(at + 8)
    if (b > BigInt(Number.MAX_SAFE_INTEGER) || r > BigInt(Number.MAX_SAFE_INTEGER) || Number(b) <= bytes || Number(r) <= rows) {
      return { records, problem: `commit record ${n} (${b} bytes, ${r} rows) does not follow the one before (${bytes} bytes, ${rows} rows)` }
    }
    bytes = Number(b)
    rows = Number(r)
    records.push({ bytes, rows, rowsCrc: format === SPOOL_FORMAT_V1 ? undefined : content.readUInt32LE(at + 16) })
  }
  return { records }
}

/** The last whole commit record of a v2 commits file's content, or zeros (tests and tools). */
export function lastCommit(content: Buffer): { bytes: number; rows: number } {
  const { records } = readCommitRecords(content, SPOOL_FORMAT)
  const last = records.at(-1)
  return last ? { bytes: last.bytes, rows: last.rows } : { bytes: 0, rows: 0 }
}

/**
 * Where `rows` (a rows file's content) differs from the checksums of `records`, or undefined when
 * every committed range matches (v1 records, without checksums, always do).
 */
export function checksumMismatch(rows: Uint8Array, records: readonly CommitRecord[]): string | undefined {
  let from = 0
  let fromRow = 0
  for (const [index, record] of records.entries()) {
    if (record.rowsCrc !== undefined && rowsChecksum(rows.subarray(from, record.bytes)) !== record.rowsCrc) {
      return `bytes ${from}..${record.bytes} (rows ${fromRow + 1}..${record.rows}, commit ${index + 1}) do not match their checksum`
    }
    from = record.bytes
    fromRow = record.rows
  }
  return undefined
}

export function targetKey(target: SegmentTarget): string {
  return target.kind === 'predictions' ? `p\0${target.project}\0${target.modelId}` : `o\0${target.project}`
}

function isZeros(content: Buffer, from: number, to: number): boolean {
  for (let at = from; at < to; at++) if (content[at] !== 0) return false
  return true
}
