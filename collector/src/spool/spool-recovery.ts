import { promises as fs } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { SPOOL_FORMAT, SPOOL_FORMAT_V1, V1_COMMIT_RECORD_BYTES, checksumMismatch, readCommitRecords, segmentPaths, type SegmentMeta } from './segment-files.js'
import { quarantineDirectory, quarantineSegment, type QuarantinedSegment } from './spool-quarantine.js'

/** A segment on disk whose committed rows wait to be inserted into the store. */
export interface SealedSegment {
  meta: SegmentMeta
  paths: ReturnType<typeof segmentPaths>
  bytes: number
  rows: number
}

/** A segment whose content cannot be trusted: it is moved to the quarantine, never deleted. */
export class UnreadableSegmentError extends Error {}

/**
 * Reads what a previous run left in the spool: every segment is cut back to its last commit record
 * (anything after it was never acknowledged) and handed to the drainer; segments with no committed
 * row are removed. A segment whose commit log holds acknowledged rows but whose files cannot be read
 * (a damaged or unknown meta file, a commit log that goes backwards, a directory in a file's place)
 * is moved to `quarantine/` with a reason, for an operator to look at: not deleted, and not retried
 * forever ahead of every later segment. A rows file shorter than its commit log, or an I/O error,
 * stops the start with the file's name: acknowledged data is missing or the disk is failing.
 * Returns the segments in creation order, the next free sequence number and what was quarantined.
 */
export async function recoverSpool(dir: string): Promise<{ segments: SealedSegment[]; nextSeq: number; quarantined: QuarantinedSegment[] }> {
  await fs.mkdir(dir, { recursive: true })
  const names = await fs.readdir(dir)
  // Twelve digits or more: segmentPaths pads to twelve, and a sequence number past 10^12 (after a
  // stray file named 999999999999.x) is written with more; missing those would lose their rows.
  const seqs = [...new Set(names.map((n) => /^(\d{12,})\./.exec(n)?.[1]).filter((s): s is string => s !== undefined))].map(Number).sort((a, b) => a - b)
  const segments: SealedSegment[] = []
  const quarantined: QuarantinedSegment[] = []
  for (const seq of seqs) {
    const paths = segmentPaths(dir, seq)
    try {
      const segment = await recoverSegment(seq, paths)
      if (segment) segments.push(segment)
    } catch (error) {
      if (!(error instanceof UnreadableSegmentError)) throw error
      quarantined.push(await quarantineSegment(dir, seq, paths, error.message))
    }
  }
  // Past the quarantined ones too: a reused number would overwrite a quarantined segment's files.
  const kept = await fs.readdir(quarantineDirectory(dir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[]
    throw new Error(`could not read ${quarantineDirectory(dir)}: ${error.message}`, { cause: error })
  })
  const highest = Math.max(0, ...seqs, ...kept.map((n) => Number(/^(\d{12,})\./.exec(n)?.[1] ?? 0)))
  return { segments, nextSeq: highest + 1, quarantined }
}

async function recoverSegment(seq: number, paths: ReturnType<typeof segmentPaths>): Promise<SealedSegment | undefined> {
  const commits = (await readIfPresent(paths.commits)) ?? Buffer.alloc(0)
  // Shorter than the smallest record: no commit log, or nothing whole in it. The segment was being
  // created or removed; nothing in it was acknowledged.
  if (commits.length < V1_COMMIT_RECORD_BYTES) return removeUnacknowledged(paths)
  // The meta file is fsync'd before the first row: with a record written, it must be whole. It
  // names the format, and so the records' size.
  const meta = parseMeta(await readIfPresent(paths.meta), paths.meta, seq)
  const { records, problem } = readCommitRecords(commits, meta.format)
  // A record that is not valid (its checksum, totals going backwards) is damage: trusting it, or
  // dropping it, would cut acknowledged rows.
  if (problem !== undefined) throw new UnreadableSegmentError(`${paths.commits}: ${problem}`)
  const last = records.at(-1)
  if (last === undefined) return removeUnacknowledged(paths)
  const { bytes, rows } = last
  const rowsFile = await fs.lstat(paths.rows).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw new Error(`spool segment ${paths.rows}: ${error.message}`, { cause: error })
  })
  if (!rowsFile || !rowsFile.isFile()) {
    throw new Error(`spool segment ${paths.rows} is ${rowsFile ? 'not a regular file' : 'missing'} while its commit log says ${rows} rows were acknowledged: the disk lost acknowledged data`)
  }
  const size = rowsFile.size
  if (size < bytes) throw new Error(`spool segment ${paths.rows} is shorter (${size} bytes) than its commit log says (${bytes}): the disk lost acknowledged data`)
  if (size > bytes) await fs.truncate(paths.rows, bytes)
  // Read back against the commits' checksums (v2): a bit flipped while the segment waited would
  // otherwise be inserted as read.
  const mismatch = checksumMismatch((await readIfPresent(paths.rows)) ?? Buffer.alloc(0), records)
  if (mismatch !== undefined) throw new UnreadableSegmentError(`${paths.rows}: ${mismatch}: damaged on disk`)
  return { meta, paths, bytes, rows }
}

async function removeUnacknowledged(paths: ReturnType<typeof segmentPaths>): Promise<undefined> {
  await removeSegmentFiles(paths)
  return undefined
}

/** A file's content; undefined when it does not exist. Any other failure names the file. */
async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'EISDIR') throw new UnreadableSegmentError(`${file} is a directory, not a spool file`)
    // EIO, EACCES…: must stop the start, not make recovery delete or move acknowledged rows.
    throw new Error(`could not read spool file ${file}: ${(error as Error).message}`, { cause: error })
  }
}

const columnSchema = z.object({ name: z.string().min(1), type: z.string().min(1), defaultExpression: z.string(), encoding: z.enum(['uuid', 'datetime64ms', 'string', 'float64']) })
const metaSchema = z.object({
  format: z.enum([SPOOL_FORMAT, SPOOL_FORMAT_V1]),
  seq: z.number().int().positive(),
  id: z.string().regex(/^[0-9a-zA-Z-]{1,64}$/),
  target: z.union([
    z.object({ kind: z.literal('predictions'), project: z.string().min(1), modelId: z.string().min(1) }),
    z.object({ kind: z.literal('outcomes'), project: z.string().min(1) }),
  ]),
  columns: z.array(columnSchema).min(1),
  createdAt: z.string(),
})

function parseMeta(content: Buffer | undefined, file: string, seq: number): SegmentMeta {
  if (content === undefined) throw new UnreadableSegmentError(`${file} is missing although its commit log holds acknowledged rows`)
  let json: unknown
  try {
    json = JSON.parse(content.toString('utf8'))
  } catch (error) {
    throw new UnreadableSegmentError(`${file} is not valid JSON (${(error as Error).message}) although its commit log holds acknowledged rows`)
  }
  const format = (json as { format?: unknown } | null)?.format
  if (format !== SPOOL_FORMAT && format !== SPOOL_FORMAT_V1) throw new UnreadableSegmentError(`${file} has format ${JSON.stringify(format)}; this collector reads ${SPOOL_FORMAT} and ${SPOOL_FORMAT_V1}`)
  const parsed = metaSchema.safeParse(json)
  if (!parsed.success) throw new UnreadableSegmentError(`${file} is not a valid segment description: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  if (parsed.data.seq !== seq) throw new UnreadableSegmentError(`${file} describes segment ${parsed.data.seq}, not ${seq}`)
  return parsed.data as SegmentMeta
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
