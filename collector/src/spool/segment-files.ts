import path from 'node:path'
import type { ColumnSpec } from '@aims-monitor/store'

/** What a segment holds rows for: one model's predictions table, or a project's outcomes. */
export type SegmentTarget =
  | { kind: 'predictions'; project: string; modelId: string }
  | { kind: 'outcomes'; project: string }

/** Written (and fsync'd) when a segment is created, before any row: enough to insert it after a crash. */
export interface SegmentMeta {
  format: 'aims-spool-segment/v1'
  seq: number
  /** Insert deduplication token: a replay of this segment after a crash inserts nothing twice. */
  id: string
  target: SegmentTarget
  columns: ColumnSpec[]
  createdAt: string
}

/**
 * A segment is three files: `<seq>.meta.json`, `<seq>.rows` (pure RowBinary, which ClickHouse
 * reads as it is) and `<seq>.commits`, an append-only log of 16-byte records (committed bytes,
 * committed rows), each written after the rows it covers were fdatasync'd. After a crash, the last
 * whole record says how much of `.rows` was acknowledged; anything past it is cut off.
 */
export function segmentPaths(dir: string, seq: number) {
  const base = path.join(dir, String(seq).padStart(12, '0'))
  return { meta: `${base}.meta.json`, rows: `${base}.rows`, commits: `${base}.commits` }
}

export const COMMIT_RECORD_BYTES = 16

export function encodeCommitRecord(bytes: number, rows: number): Buffer {
  const record = Buffer.allocUnsafe(COMMIT_RECORD_BYTES)
  record.writeBigUInt64LE(BigInt(bytes), 0)
  record.writeBigUInt64LE(BigInt(rows), 8)
  return record
}

/** The last whole commit record of a commits file's content, or zeros. */
export function lastCommit(content: Buffer): { bytes: number; rows: number } {
  const whole = Math.floor(content.length / COMMIT_RECORD_BYTES)
  if (whole === 0) return { bytes: 0, rows: 0 }
  const at = (whole - 1) * COMMIT_RECORD_BYTES
  return { bytes: Number(content.readBigUInt64LE(at)), rows: Number(content.readBigUInt64LE(at + 8)) }
}

export function targetKey(target: SegmentTarget): string {
  return target.kind === 'predictions' ? `p\0${target.project}\0${target.modelId}` : `o\0${target.project}`
}
