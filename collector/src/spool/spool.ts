import type { OutcomeRecord, PredictionRecord } from '@aims-monitor/store/encoding'
import { BatchEncoder, type EncodedChunk } from '../ingest/batch-encoder.js'
import { KnownColumns, type ModelColumns } from '../ingest/known-columns.js'
import type { CollectorMetrics } from '../metrics.js'
import { HttpError } from '../http/http-error.js'
import { targetKey, type SegmentTarget } from './segment-files.js'
import { SpoolSegment } from './spool-segment.js'
import { recoverSpool, removeSegmentFiles, type SealedSegment } from './spool-recovery.js'
import type { QuarantinedSegment } from './spool-quarantine.js'

export interface SpoolOptions {
  dir: string
  /** Past this many bytes waiting for the store, ingest answers 503 with Retry-After. */
  maxBytes: number
  /** A segment is sealed (handed to the store) once it is this old… */
  sealAfterMs: number
  /** …or holds this many rows… */
  maxSegmentRows: number
  /** …or this many bytes. */
  maxSegmentBytes: number
  /** Most columns one model's table may gain: bounds DDL and row width against runaway feature names. */
  maxColumnsPerModel: number
}

/**
 * Where rows of one target table with one row layout go. A target has one slot per layout it is
 * sent in; layouts only grow, so older slots fall idle and are sealed by age.
 */
interface LayoutSlot {
  target: SegmentTarget
  columns: EncodedChunk['columns']
  signature: string
  active?: SpoolSegment
  /** A segment being created for this slot, shared by the requests that need one meanwhile. */
  opening?: Promise<void> | undefined
}

export class SpoolFullError extends HttpError {
  constructor(bytes: number, limit: number) {
    super(503, 'spool_full', `the store is not keeping up and the spool holds ${bytes} bytes (limit ${limit}); retry later`, {
      headers: { 'Retry-After': '5' },
    })
  }
}

/**
 * The collector's write-ahead spool: every accepted event is encoded as a RowBinary row of its
 * target table and made durable here (fdatasync, group-committed across concurrent requests)
 * before the request is acknowledged; the drainer then inserts whole segments into ClickHouse.
 * This is what lets ingest acknowledge at disk speed, ride out a slow or unavailable store, and
 * survive `kill -9` without losing or duplicating an acknowledged event.
 */
export class Spool {
  private readonly slots = new Map<string, LayoutSlot>()
  /** Encodes for append(): ingest paths that run in this thread (OTLP, tests). */
  private readonly encoder: BatchEncoder
  private readonly sealed: SealedSegment[] = []
  private readonly retiring: SpoolSegment[] = []
  private nextSeq = 1
  private sealedBytes = 0
  private sealedRows = 0
  private flushing: Promise<void> | undefined
  private flushAgain = false
  private roundWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = []
  private sealTimer: NodeJS.Timeout | undefined
  private onSealed: () => void = () => undefined
  private closed = false
  /** Segments moved to `quarantine/` (at recovery, or by the drainer): kept on disk, not inserted. */
  readonly quarantined: QuarantinedSegment[] = []

  private onNewColumns: (models: ModelColumns[]) => void = () => undefined

  private constructor(
    private readonly options: SpoolOptions,
    private readonly metrics: CollectorMetrics,
    private readonly knownColumns: KnownColumns,
  ) {
    this.encoder = new BatchEncoder(options.maxColumnsPerModel)
  }

  /**
   * `knownColumns`: the models' columns known before (the store's tables); the recovered segments'
   * are added, and every chunk's new ones as it is spooled (see setNewColumnsListener).
   */
  static async open(options: SpoolOptions, metrics: CollectorMetrics, knownColumns = new KnownColumns()): Promise<Spool> {
    const spool = new Spool(options, metrics, knownColumns)
    const recovered = await recoverSpool(options.dir)
    spool.nextSeq = recovered.nextSeq
    spool.quarantined.push(...recovered.quarantined)
    for (const segment of recovered.segments) spool.pushSealed(segment)
    for (const { meta } of recovered.segments) {
      if (meta.target.kind === 'predictions') knownColumns.add(meta.target.project, meta.target.modelId, meta.columns)
    }
    spool.encoder.learnColumns(knownColumns.entries())
    spool.sealTimer = setInterval(() => spool.sealDue(), Math.max(20, Math.min(250, options.sealAfterMs / 2)))
    spool.sealTimer.unref()
    return spool
  }

  /** Told the columns a spooled chunk brought that no encoder had counted yet: the other encoders must. */
  setNewColumnsListener(listener: (models: ModelColumns[]) => void): void {
    this.onNewColumns = listener
  }

  /** Called whenever a segment is sealed, so the drainer wakes up. */
  setSealedListener(listener: () => void): void {
    this.onSealed = listener
  }

  /** Bytes and rows accepted but not yet in the store. */
  get depth(): { bytes: number; rows: number; segments: number } {
    let bytes = this.sealedBytes
    let rows = this.sealedRows
    let segments = this.sealed.length
    for (const s of [...this.retiring, ...this.activeSegments()]) {
      bytes += s.size
      rows += s.committedRows + s.pendingRows
      segments++
    }
    return { bytes, rows, segments }
  }

  /**
   * Encodes and durably spools a request's records (in this thread). Resolves once they are on
   * disk; rejects with SpoolFullError (503) when the store has fallen too far behind, and with a
   * 422 when a model would pass its column limit, before anything is written.
   */
  async append(project: string, predictions: readonly PredictionRecord[], outcomes: readonly OutcomeRecord[]): Promise<void> {
    this.checkAccepting(predictions.length + outcomes.length)
    await this.appendEncoded(this.encoder.encode(project, predictions, outcomes))
  }

  /**
   * Registers the columns of chunks about to be spooled, and shares those new to every encoder,
   * before any await: the sooner the other ingest workers count them, the less a model can pass its
   * limit by events encoded meanwhile in parallel (that overlap is the only way it still can).
   */
  private countColumns(chunks: readonly EncodedChunk[]): void {
    let added: ModelColumns[] | undefined
    for (const { target, columns } of chunks) {
      if (target.kind !== 'predictions') continue
      const fresh = this.knownColumns.add(target.project, target.modelId, columns)
      if (fresh.length > 0) (added ??= []).push({ project: target.project, modelId: target.modelId, columns: fresh })
    }
    if (added === undefined) return
    this.encoder.learnColumns(added)
    this.onNewColumns(added)
  }

  /** Refuses up front when closed or full, so callers need not encode what cannot be taken. */
  checkAccepting(events: number): void {
    // A request refused here is counted once: either by the routes' check before any work (events
    // unknown yet: 0), or, having passed it, by the append's.
    if (this.closed) {
      this.metrics.requestsRefused.inc({ reason: 'shutting_down' })
      throw new HttpError(503, 'shutting_down', 'the collector is shutting down; retry against the restarted collector', { headers: { 'Retry-After': '2' } })
    }
    const depth = this.depth.bytes
    if (depth > this.options.maxBytes) {
      this.metrics.requestsRefused.inc({ reason: 'spool_full' })
      if (events > 0) this.metrics.eventsRejected.inc({ reason: 'spool_full', interface: 'any' }, events)
      throw new SpoolFullError(depth, this.options.maxBytes)
    }
  }

  /** Durably spools chunks encoded anywhere (this thread or an ingest worker). */
  async appendEncoded(chunks: readonly EncodedChunk[]): Promise<void> {
    this.checkAccepting(chunks.reduce((n, c) => n + c.rows, 0))
    this.countColumns(chunks)
    const slots = chunks.map((chunk) => this.slotFor(chunk))
    // Opening a segment awaits the disk, during which the seal timer may retire another slot's
    // segment: repeat until every slot has an open one, then copy the rows without awaiting, so no
    // await ever splits a request's rows.
    for (;;) {
      const missing = slots.filter((slot) => !slot.active || slot.active.retired)
      if (missing.length === 0) break
      for (const slot of missing) await this.ensureActive(slot)
    }
    for (let i = 0; i < chunks.length; i++) {
      const segment = slots[i]!.active!
      segment.pending.bytes(chunks[i]!.bytes)
      segment.pendingRows += chunks[i]!.rows
    }
    await this.commit()
  }

  private slotFor(chunk: EncodedChunk): LayoutSlot {
    const key = `${targetKey(chunk.target)}\u0001${chunk.signature}`
    let slot = this.slots.get(key)
    if (!slot) {
      slot = { target: chunk.target, columns: chunk.columns, signature: chunk.signature }
      this.slots.set(key, slot)
      // A wider layout of the same target supersedes narrower ones: seal them now rather than by age.
      // Slots stay in the map (a request may still hold one); there are only as many as layouts.
      const prefix = `${targetKey(chunk.target)}\u0001`
      for (const [otherKey, other] of this.slots) {
        if (other !== slot && otherKey.startsWith(prefix) && other.columns.length < chunk.columns.length) this.retire(other)
      }
    }
    return slot
  }

  /**
   * Gives the slot an open segment. Concurrent requests share one opening (a segment per request
   * would mean tiny segments, an fsync each, and slow inserts).
   */
  private ensureActive(slot: LayoutSlot): Promise<void> {
    if (slot.active && !slot.active.retired) return Promise.resolve()
    if (slot.opening) return slot.opening
    const seq = this.nextSeq++
    const opening = SpoolSegment.create(this.options.dir, seq, slot.target, slot.columns).then(
      (segment) => {
        slot.opening = undefined
        if (slot.active && !slot.active.retired) this.retire(slot)
        slot.active = segment
      },
      (error: unknown) => {
        slot.opening = undefined
        throw new HttpError(503, 'spool_write_failed', `could not open a spool segment: ${(error as Error).message}`, { cause: error, headers: { 'Retry-After': '5' } })
      },
    )
    slot.opening = opening
    return opening
  }

  private retire(slot: LayoutSlot): void {
    const segment = slot.active
    if (!segment) return
    segment.retired = true
    slot.active = undefined
    this.retiring.push(segment)
  }

  private *activeSegments(): Generator<SpoolSegment> {
    for (const slot of this.slots.values()) if (slot.active) yield slot.active
  }

  /** Group commit: every row encoded before this call is durable when it resolves. */
  commit(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.roundWaiters.push({ resolve, reject }))
    if (this.flushing) this.flushAgain = true
    else this.flushing = this.flushLoop()
    return done
  }

  private async flushLoop(): Promise<void> {
    do {
      this.flushAgain = false
      const waiters = this.roundWaiters
      this.roundWaiters = []
      const started = performance.now()
      try {
        const segments = [...this.activeSegments(), ...this.retiring].filter((s) => s.hasPending)
        await Promise.all(segments.map((s) => s.commit()))
        this.metrics.spoolCommitSeconds.observe((performance.now() - started) / 1000)
        await this.sealRetired()
        for (const w of waiters) w.resolve()
      } catch (error) {
        for (const w of waiters) w.reject(new HttpError(503, 'spool_write_failed', `could not make the events durable: ${(error as Error).message}`, { cause: error, headers: { 'Retry-After': '5' } }))
      }
    } while (this.flushAgain || this.roundWaiters.length > 0)
    this.flushing = undefined
  }

  /** Seals retired segments whose rows are all committed. */
  private async sealRetired(): Promise<void> {
    for (let i = this.retiring.length - 1; i >= 0; i--) {
      const segment = this.retiring[i]!
      if (segment.hasPending) continue
      // Kept in `retiring` while it closes, so `depth` never misses its rows (barriers trust depth);
      // only this loop removes from `retiring`, and retire() appends, so `i` stays valid.
      await segment.close()
      this.retiring.splice(i, 1)
      if (segment.committedRows === 0) {
        await removeSegmentFiles(segment.paths)
        continue
      }
      this.pushSealed({ meta: segment.meta, paths: segment.paths, bytes: segment.committedBytes, rows: segment.committedRows })
    }
    this.updateGauges()
  }

  /** Retires active segments that are old or big enough, so the drainer gets them. */
  private sealDue(force = false): void {
    const now = Date.now()
    let any = false
    for (const slot of this.slots.values()) {
      const s = slot.active
      if (!s || s.committedRows + s.pendingRows === 0) continue
      if (force || now - s.openedAt >= this.options.sealAfterMs || s.size >= this.options.maxSegmentBytes || s.committedRows + s.pendingRows >= this.options.maxSegmentRows) {
        this.retire(slot)
        any = true
      }
    }
    if (any) void this.commit().catch(() => undefined) // errors reach the requests that own the rows
  }

  /** Seals every segment now and resolves when they are handed over (for read-your-writes and shutdown). */
  async sealAll(): Promise<void> {
    this.sealDue(true)
    await this.commit()
  }

  private pushSealed(segment: SealedSegment): void {
    // Segments are sealed out of creation order (a long-lived outcomes segment after a younger
    // predictions one; sealRetired walks backwards): keep them sorted by seq, so the head is the
    // oldest and the tail the newest, as the drainer's barrier (waitForSeq) assumes.
    let at = this.sealed.length
    while (at > 0 && this.sealed[at - 1]!.meta.seq > segment.meta.seq) at--
    this.sealed.splice(at, 0, segment)
    this.sealedBytes += segment.bytes
    this.sealedRows += segment.rows
    this.updateGauges()
    this.onSealed()
  }

  /** The oldest sealed segment, without removing it. */
  peekSealed(): SealedSegment | undefined {
    return this.sealed[0]
  }

  /** Sequence number of the newest sealed segment (for barriers). */
  get lastSealedSeq(): number {
    return this.sealed.length > 0 ? this.sealed[this.sealed.length - 1]!.meta.seq : 0
  }

  /** Called by the drainer once `segment` is in the store. */
  completeSealed(segment: SealedSegment): void {
    const index = this.sealed.indexOf(segment)
    if (index >= 0) this.sealed.splice(index, 1)
    this.sealedBytes -= segment.bytes
    this.sealedRows -= segment.rows
    this.updateGauges()
  }

  private updateGauges(): void {
    const depth = this.depth
    this.metrics.spoolBytes.set(depth.bytes)
    this.metrics.spoolRows.set(depth.rows)
    this.metrics.spoolSegments.set(depth.segments)
  }

  /** Stops taking rows, commits and seals what was taken. */
  async close(): Promise<void> {
    await this.sealAll()
    this.closed = true
    if (this.sealTimer) clearInterval(this.sealTimer)
    await this.flushing
  }
}

