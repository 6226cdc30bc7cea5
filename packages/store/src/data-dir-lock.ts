import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** What the lock file says about the process holding a data directory. */
export interface LockOwner {
  pid: number
  startedAt: string
  /** The collector's URL once it listens, so other commands can go through its API. */
  url?: string
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `data directory ${dataDir} is in use by another aims process (pid ${owner.pid}, started ${owner.startedAt}` +
        `${owner.url ? `, serving ${owner.url}` : ''}). Embedded ClickHouse allows one process per data directory: ` +
        `stop that process, or pass a different --data directory.`,
    )
    this.name = 'DataDirLockedError'
  }
}

export interface DataDirLock {
  readonly file: string
  update(fields: Partial<Omit<LockOwner, 'pid'>>): void
  release(): void
}

/**
 * Takes the data directory for this process, failing at once with the owner's pid when a live
 * process holds it. A lock left by a killed process (its pid no longer running) is taken over, so
 * a `kill -9` never needs a manual clean-up.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, 'aims.lock')
  const owner: LockOwner = { pid: process.pid, startedAt: new Date().toISOString() }
  for (let attempt = 0; attempt < 3; attempt++) {
    // Written to a private file first and linked into place: link() fails if the lock exists, and
    // the lock never exists without its content, so a reader never sees an empty lock and takes it
    // for a stale one.
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(owner))
    try {
      linkSync(temporary, file)
      let released = false
      return {
        file,
        update(fields) {
          Object.assign(owner, fields)
          const next = `${file}.${process.pid}.tmp`
          writeFileSync(next, JSON.stringify(owner))
          renameSync(next, file)
        },
        release() {
          if (released) return
          released = true
          const current = readLockOwner(dataDir)
          if (current?.pid === process.pid) rmSync(file, { force: true })
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const existing = readLockOwner(dataDir)
      if (existing && existing.pid !== process.pid && isRunning(existing.pid)) throw new DataDirLockedError(dataDir, existing)
      if (existing && existing.pid === process.pid) throw new DataDirLockedError(dataDir, existing)
      rmSync(file, { force: true }) // stale: its process is gone
    } finally {
      rmSync(temporary, { force: true })
    }
  }
  throw new Error(`could not take the lock ${file}: another process keeps recreating it`)
}

/** The owner recorded in a data directory's lock file, if any. */
export function readLockOwner(dataDir: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path.join(dataDir, 'aims.lock'), 'utf8')) as LockOwner
    return typeof parsed.pid === 'number' ? parsed : undefined
  } catch {
    // A missing or half-written lock file means nobody holds the directory.
    return undefined
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
