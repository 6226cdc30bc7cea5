import { randomUUID } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { RowBinaryWriter, type ColumnSpec } from '@aims-monitor/store'
import { COMMIT_RECORD_BYTES, SPOOL_FORMAT, encodeCommitRecord, rowsChecksum, segmentPaths, type SegmentMeta, type SegmentTarget } from './segment-files.js'

/**
 * One spool segment being written. Rows are encoded into `pending` on the request path; a group
 * commit writes them and fdatasyncs, then appends a commit record. A segment stops taking rows when
 * it is retired (its column set grew, it is big or old enough) and is sealed once everything it took
 * is committed.
 */
export class SpoolSegment {
  pending = new RowBinaryWriter(256 * 1024)
  pendingRows = 0
  /** Bytes and rows made durable. */
  committedBytes = 0
  committedRows = 0
  /** Whole commit records written: where the next one goes. */
  private commitRecords = 0
  /** Set when the segment takes no more rows. */
  retired = false
  /** A failed commit may have left rows past `committedBytes` in the rows file (see commit). */
  private uncommittedTail = false
  readonly openedAt = Date.now()
  private spare = new RowBinaryWriter(256 * 1024)

  private constructor(
    readonly meta: SegmentMeta,
    readonly paths: ReturnType<typeof segmentPaths>,
    private readonly rowsFile: fs.FileHandle,
    private readonly commitsFile: fs.FileHandle,
  ) {}

  static async create(dir: string, seq: number, target: SegmentTarget, columns: readonly ColumnSpec[]): Promise<SpoolSegment> {
    const meta: SegmentMeta = {
      format: SPOOL_FORMAT,
      seq,
      id: randomUUID(),
      target,
      columns: [...columns],
      createdAt: new Date().toISOString(),
    }
    const paths = segmentPaths(dir, seq)
    const metaFile = await fs.open(paths.meta, 'wx')
    try {
      await metaFile.writeFile(JSON.stringify(meta))
      await metaFile.datasync()
    } finally {
      await metaFile.close()
    }
    const rowsFile = await fs.open(paths.rows, 'wx')
    const commitsFile = await fs.open(paths.commits, 'wx')
    await fsyncDirectory(dir)
    return new SpoolSegment(meta, paths, rowsFile, commitsFile)
  }

  get hasPending(): boolean {
    return this.pendingRows > 0
  }

  /** Bytes on disk or about to be. */
  get size(): number {
    return this.committedBytes + this.pending.length
  }

  /**
   * Makes the pending rows durable: write, fdatasync the rows, then append and fdatasync the commit
   * record that covers them. Rows encoded while this runs go to the next commit.
   */
  async commit(): Promise<number> {
    if (this.pendingRows === 0) return 0
    const writer = this.pending
    const rows = this.pendingRows
    this.pending = this.spare
    this.pendingRows = 0
    try {
      const bytes = writer.view()
      await writeFully(this.rowsFile, bytes, this.committedBytes)
      await this.rowsFile.datasync()
      const committedBytes = this.committedBytes + bytes.length
      const committedRows = this.committedRows + rows
      // At its own place, not appended: after a failed commit (ENOSPC part-way through a record) the
      // next one overwrites the torn record instead of following it, so the log stays aligned.
      await writeFully(this.commitsFile, encodeCommitRecord(committedBytes, committedRows, rowsChecksum(bytes)), this.commitRecords * COMMIT_RECORD_BYTES)
      await this.commitsFile.datasync()
      this.commitRecords++
      this.committedBytes = committedBytes
      this.committedRows = committedRows
    } catch (error) {
      // The refused rows may be in the rows file past what is committed, and a later, shorter
      // commit would overwrite only their start: the sealed file, which the store reads whole,
      // would then hold rows whose request was refused. Cut them now, or at close.
      this.uncommittedTail = true
      await this.cutUncommittedTail().catch(() => undefined)
      throw error
    } finally {
      // Success or not, `writer` becomes the spare again. Were it left out after a failure, `pending`
      // and `spare` would be one buffer, and the next commit would reset the rows appended while it
      // ran: their requests acknowledged, their bytes gone. The failed rows were refused (503).
      writer.reset()
      this.spare = writer
    }
    return rows
  }

  async close(): Promise<void> {
    // A cut that failed after a failed commit (the disk still failing) must happen before the
    // segment is sealed: the store reads the rows file whole. If it fails again, close fails.
    if (this.uncommittedTail) await this.cutUncommittedTail()
    await Promise.all([this.rowsFile.close(), this.commitsFile.close()])
  }

  private async cutUncommittedTail(): Promise<void> {
    await this.rowsFile.truncate(this.committedBytes)
    this.uncommittedTail = false
  }
}

async function writeFully(file: fs.FileHandle, data: Buffer, position: number | null): Promise<void> {
  let offset = 0
  while (offset < data.length) {
    const { bytesWritten } = await file.write(data, offset, data.length - offset, position === null ? null : position + offset)
    offset += bytesWritten
  }
}

/** New directory entries survive a power cut only once the directory itself is synced. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
