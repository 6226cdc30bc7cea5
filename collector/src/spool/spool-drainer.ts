import path from 'node:path'
import { PredictionTables, type Store } from '@aims-monitor/store'
import type { CollectorMetrics } from '../metrics.js'
import type { Logger } from '../logger.js'
import type { Spool } from './spool.js'
import { removeSegmentFiles, type SealedSegment } from './spool-recovery.js'
import { quarantineSegment } from './spool-quarantine.js'
import { checkSegmentRows } from './segment-check.js'

/**
 * Moves sealed spool segments into ClickHouse, oldest first, one at a time (the embedded engine
 * inserts on one thread: parallel inserts measured no faster). A failed insert is retried with
 * exponential backoff, keeping the segment; the spool meanwhile keeps accepting events up to its
 * limit. A segment's files are deleted only after its insert succeeded, and the insert carries the
 * segment's id as deduplication token, so a crash between the two never duplicates rows.
 */
export class SpoolDrainer {
  private readonly tables: PredictionTables
  private wake: (() => void) | undefined
  private running: Promise<void> | undefined
  private stopping = false
  private drainedSeq = 0
  private readonly seqWaiters: Array<{ seq: number; resolve: () => void }> = []
  private consecutiveFailures = 0
  /** The last segment whose failed insert was checked and found sound: not read again at each retry. */
  private checkedSoundSeq: number | undefined
  lastError: string | undefined

  constructor(
    private readonly spool: Spool,
    private readonly store: Store,
    private readonly metrics: CollectorMetrics,
    private readonly logger: Logger,
    private readonly retry = { initialMs: 200, maxMs: 30_000 },
  ) {
    this.tables = new PredictionTables(store)
    spool.setSealedListener(() => this.wake?.())
  }

  start(): void {
    this.running ??= this.loop()
  }

  /** Highest sequence number known to be in the store. */
  get storedThroughSeq(): number {
    return this.drainedSeq
  }

  /** Resolves once every segment up to `seq` is in the store, or after `timeoutMs` (false). */
  waitForSeq(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.spool.peekSealed() === undefined || this.spool.peekSealed()!.meta.seq > seq) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.seqWaiters.indexOf(waiter)
        if (i >= 0) this.seqWaiters.splice(i, 1)
        resolve(false)
      }, timeoutMs)
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer)
          resolve(true)
        },
      }
      this.seqWaiters.push(waiter)
    })
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const segment = this.spool.peekSealed()
      if (!segment) {
        await new Promise<void>((resolve) => (this.wake = resolve))
        this.wake = undefined
        continue
      }
      try {
        await this.insert(segment)
        this.consecutiveFailures = 0
        this.lastError = undefined
      } catch (error) {
        const quarantined = await this.quarantineIfUnreadable(segment, error).catch((moveError: unknown) => {
          // Could not move it aside: keep it where it is and go on retrying, as for any failure.
          this.logger.error({ err: (moveError as Error).message, segment: segment.meta.seq }, 'could not quarantine an unreadable spool segment')
          return false
        })
        if (quarantined) {
          this.consecutiveFailures = 0
          continue
        }
        this.consecutiveFailures++
        this.lastError = (error as Error).message
        this.metrics.storeErrors.inc()
        const delay = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** (this.consecutiveFailures - 1))
        const jittered = delay / 2 + Math.random() * (delay / 2)
        this.logger.warn({ err: this.lastError, segment: segment.meta.seq, retryInMs: Math.round(jittered) }, 'store insert failed; segment kept in the spool')
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, jittered)
          this.wake = () => {
            if (this.stopping) {
              clearTimeout(timer)
              resolve()
            }
          }
        })
        this.wake = undefined
      }
    }
  }

  /**
   * A segment the store cannot parse (a length byte flipped on disk) fails the same way at every
   * attempt: retried forever it would hold back every later segment and fill the spool. After a
   * failed insert the segment's own bytes are checked once (segment-check.ts; the store's error
   * messages differ between chDB and a server): a damaged one is moved to the quarantine (kept,
   * with the reason) and draining goes on. A sound one (the store down, slow, out of space, a body
   * cut in transit) stays and is retried.
   */
  private async quarantineIfUnreadable(segment: SealedSegment, error: unknown): Promise<boolean> {
    if (this.checkedSoundSeq === segment.meta.seq) return false
    const problem = await checkSegmentRows(segment.paths.rows, segment.meta.columns, segment.rows, segment.bytes, { file: segment.paths.commits, format: segment.meta.format })
    if (problem === undefined) {
      this.checkedSoundSeq = segment.meta.seq
      return false
    }
    const reason = `the store cannot read ${segment.paths.rows} (${segment.rows} acknowledged rows): ${problem}; the store said: ${(error as Error).message}`
    const moved = await quarantineSegment(path.dirname(segment.paths.rows), segment.meta.seq, segment.paths, reason)
    this.spool.completeSealed(segment)
    this.spool.quarantined.push(moved)
    this.logger.error({ segment: segment.meta.seq, rows: segment.rows, files: moved.files, problem, err: (error as Error).message }, 'spool segment damaged on disk; moved to the quarantine')
    this.releaseWaiters()
    return true
  }

  private async insert(segment: SealedSegment): Promise<void> {
    const started = performance.now()
    const { target, columns, id } = segment.meta
    const table = target.kind === 'predictions' ? await this.tables.ensure(target.project, target.modelId, columns) : 'outcomes'
    await this.store.insertRowBinaryFile({ table, columns, file: segment.paths.rows, dedupToken: id })
    this.metrics.storeWriteSeconds.observe((performance.now() - started) / 1000)
    this.metrics.storeRowsWritten.inc({ table_kind: target.kind }, segment.rows)
    this.spool.completeSealed(segment)
    await removeSegmentFiles(segment.paths)
    this.drainedSeq = Math.max(this.drainedSeq, segment.meta.seq)
    this.releaseWaiters()
  }

  private releaseWaiters(): void {
    for (let i = this.seqWaiters.length - 1; i >= 0; i--) {
      const waiter = this.seqWaiters[i]!
      const next = this.spool.peekSealed()
      if (!next || next.meta.seq > waiter.seq) {
        this.seqWaiters.splice(i, 1)
        waiter.resolve()
      }
    }
  }

  /**
   * Stops after the segment being inserted. With `drainFor` > 0, first keeps inserting until the
   * spool is empty or that many milliseconds pass; whatever is left stays on disk for next start.
   */
  async stop(drainForMs = 0): Promise<void> {
    if (drainForMs > 0 && this.spool.peekSealed()) await this.waitForSeq(this.spool.lastSealedSeq, drainForMs)
    this.stopping = true
    this.wake?.()
    await this.running
  }
}
