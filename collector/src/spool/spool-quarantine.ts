import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { segmentPaths } from './segment-files.js'
import { fsyncDirectory } from './spool-segment.js'

/** A segment moved out of the spool because its files could not be trusted. */
export interface QuarantinedSegment {
  seq: number
  reason: string
  /** Where its files are now. */
  files: string[]
}

export function quarantineDirectory(spoolDir: string): string {
  return path.join(spoolDir, 'quarantine')
}

/**
 * Moves a segment's files (those that exist) into `<spool>/quarantine/`, with a `<seq>.reason.txt`
 * saying why, and reports it on stderr. The rows are kept for an operator (the meta file holds the
 * insert deduplication token, so a later manual insert cannot duplicate rows already stored); the
 * spool goes on without them rather than refusing to start or retrying them forever.
 */
export async function quarantineSegment(spoolDir: string, seq: number, paths: ReturnType<typeof segmentPaths>, reason: string): Promise<QuarantinedSegment> {
  const target = quarantineDirectory(spoolDir)
  await fs.mkdir(target, { recursive: true })
  const files: string[] = []
  const base = path.basename(paths.rows, '.rows')
  // Appended: a segment quarantined in two steps (a crash in between) keeps both reasons.
  await fs.appendFile(path.join(target, `${base}.reason.txt`), `${new Date().toISOString()} ${reason}\n`)
  // Meta and rows first, commit log last: a crash half-way leaves the live part with its commit log,
  // which the next recovery quarantines again (the rest is already here), never a removable segment.
  for (const file of [paths.meta, paths.rows, paths.commits]) {
    const to = path.join(target, path.basename(file))
    try {
      await fs.rename(file, to)
      files.push(to)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`could not quarantine spool file ${file}: ${(error as Error).message}`, { cause: error })
    }
  }
  await fsyncDirectory(target)
  await fsyncDirectory(spoolDir)
  process.emitWarning(`spool segment ${seq} moved to ${target}: ${reason}`, { code: 'AIMS_SPOOL_QUARANTINE' })
  return { seq, reason, files }
}
