import { promises as fs } from 'node:fs'
import path from 'node:path'
import { lastCommit, segmentPaths, type SegmentMeta } from './segment-files.js'

/** A segment on disk whose committed rows wait to be inserted into the store. */
export interface SealedSegment {
  meta: SegmentMeta
  paths: ReturnType<typeof segmentPaths>
  bytes: number
  rows: number
}

/**
 * Reads what a previous run left in the spool: every segment is cut back to its last commit record
 * (anything after it was never acknowledged) and handed to the drainer; segments with no committed
 * row are removed. Returns them in creation order, and the next free sequence number.
 */
export async function recoverSpool(dir: string): Promise<{ segments: SealedSegment[]; nextSeq: number }> {
  await fs.mkdir(dir, { recursive: true })
  const names = await fs.readdir(dir)
  const seqs = [...new Set(names.map((n) => /^(\d{12})\./.exec(n)?.[1]).filter((s): s is string => s !== undefined))].map(Number).sort((a, b) => a - b)
  const segments: SealedSegment[] = []
  for (const seq of seqs) {
    const paths = segmentPaths(dir, seq)
    const meta = await readMeta(paths.meta)
    const commits = await fs.readFile(paths.commits).catch((error: NodeJS.ErrnoException) => {
      // No commit log: the segment was being created or removed, nothing in it was acknowledged.
      // Any other error (EIO, EACCES) must stop the start, not make recovery delete acknowledged rows.
      if (error.code === 'ENOENT') return Buffer.alloc(0)
      throw error
    })
    const { bytes, rows } = lastCommit(commits)
    if (!meta || rows === 0) {
      await removeSegmentFiles(paths)
      continue
    }
    const size = (await fs.stat(paths.rows)).size
    if (size < bytes) throw new Error(`spool segment ${paths.rows} is shorter (${size} bytes) than its commit log says (${bytes}): the disk lost acknowledged data`)
    if (size > bytes) await fs.truncate(paths.rows, bytes)
    segments.push({ meta, paths, bytes, rows })
  }
  const nextSeq = seqs.length > 0 ? seqs[seqs.length - 1]! + 1 : 1
  return { segments, nextSeq }
}

async function readMeta(file: string): Promise<SegmentMeta | undefined> {
  try {
    const meta = JSON.parse(await fs.readFile(file, 'utf8')) as SegmentMeta
    return meta.format === 'aims-spool-segment/v1' ? meta : undefined
  } catch (error) {
    // A meta file is fsync'd before any row is written, so a missing or torn one has no rows either.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined
    throw error
  }
}

/**
 * Commit log first, then rows, meta last: a crash half-way leaves a segment with no commit record,
 * which recovery removes. (Rows first would leave a commit log without its rows file, which
 * recovery must treat as lost data and refuse to start on.)
 */
export async function removeSegmentFiles(paths: ReturnType<typeof segmentPaths>): Promise<void> {
  await fs.rm(paths.commits, { force: true })
  await fs.rm(paths.rows, { force: true })
  await fs.rm(paths.meta, { force: true })
}

export function spoolDirectory(dataDir: string): string {
  return path.join(dataDir, 'spool')
}
