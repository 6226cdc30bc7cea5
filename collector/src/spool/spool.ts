import {
  BASE_PREDICTION_COLUMNS,
  OUTCOME_COLUMNS,
  attributeColumn,
  compilePredictionEncoder,
  encodeOutcome,
  featureColumn,
  featureKindOf,
  parseColumnName,
  type ColumnSpec,
  type OutcomeRecord,
  type PredictionRecord,
  type RowBinaryWriter,
} from '@aims-monitor/store'
import type { CollectorMetrics } from '../metrics.js'
import { HttpError } from '../http/http-error.js'
import { targetKey, type SegmentTarget } from './segment-files.js'
import { SpoolSegment } from './spool-segment.js'
import { recoverSpool, removeSegmentFiles, type SealedSegment } from './spool-recovery.js'

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

/** Columns known for one target, in the order segments write them; only ever grows. */
interface TargetState {
  target: SegmentTarget
  columns: ColumnSpec[]
  /** Per feature name, the kinds it has columns for (1 number, 2 string, 4 boolean). */
  featureKinds: Map<string, number>
  attributeNames: Set<string>
  active?: SpoolSegment
  /** A segment being created for this target, shared by the requests that need one meanwhile. */
  opening?: Promise<void> | undefined
  openingColumns?: number | undefined
  encode?: (writer: RowBinaryWriter, record: PredictionRecord) => void
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
  private readonly targets = new Map<string, TargetState>()
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

  private constructor(
    private readonly options: SpoolOptions,
    private readonly metrics: CollectorMetrics,
  ) {}

  static async open(options: SpoolOptions, metrics: CollectorMetrics): Promise<Spool> {
    const spool = new Spool(options, metrics)
    const recovered = await recoverSpool(options.dir)
    spool.nextSeq = recovered.nextSeq
    for (const segment of recovered.segments) spool.pushSealed(segment)
    spool.sealTimer = setInterval(() => spool.sealDue(), Math.max(20, Math.min(250, options.sealAfterMs / 2)))
    spool.sealTimer.unref()
    return spool
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
   * Encodes and durably spools a request's records. Resolves once they are on disk; rejects with
   * SpoolFullError (503) when the store has fallen too far behind, before anything is written.
   */
  async append(project: string, predictions: readonly PredictionRecord[], outcomes: readonly OutcomeRecord[]): Promise<void> {
    if (this.closed) throw new HttpError(503, 'shutting_down', 'the collector is shutting down; retry against the restarted collector', { headers: { 'Retry-After': '2' } })
    const depth = this.depth.bytes
    if (depth > this.options.maxBytes) {
      this.metrics.eventsRejected.inc({ reason: 'spool_full', interface: 'any' }, predictions.length + outcomes.length)
      throw new SpoolFullError(depth, this.options.maxBytes)
    }
    const byModel = new Map<string, PredictionRecord[]>()
    for (const p of predictions) {
      const list = byModel.get(p.modelId)
      if (list) list.push(p)
      else byModel.set(p.modelId, [p])
    }
    // All schema work (new columns, new segments) first, so no await splits a request's rows.
    const plans: Array<{ state: TargetState; records: readonly PredictionRecord[] }> = []
    for (const [modelId, records] of byModel) {
      const state = this.predictionTarget(project, modelId)
      this.extendColumns(state, records)
      plans.push({ state, records })
    }
    const outcomeState = outcomes.length > 0 ? this.outcomeTarget(project) : undefined
    const states = outcomeState ? [...plans.map((p) => p.state), outcomeState] : plans.map((p) => p.state)
    // Opening a segment awaits the disk, during which the seal timer may retire another target's
    // segment: repeat until every target has an open one, then encode without awaiting.
    for (;;) {
      const missing = states.filter((s) => !s.active || s.active.retired || s.active.meta.columns.length !== s.columns.length)
      if (missing.length === 0) break
      for (const state of missing) await this.ensureActive(state)
    }
    for (const { state, records } of plans) {
      const segment = state.active!
      for (const record of records) state.encode!(segment.pending, record)
      segment.pendingRows += records.length
    }
    if (outcomeState) {
      const segment = outcomeState.active!
      for (const record of outcomes) encodeOutcome(segment.pending, project, record)
      segment.pendingRows += outcomes.length
    }
    await this.commit()
  }

  private predictionTarget(project: string, modelId: string): TargetState {
    const target: SegmentTarget = { kind: 'predictions', project, modelId }
    const key = targetKey(target)
    let state = this.targets.get(key)
    if (!state) {
      state = { target, columns: [...BASE_PREDICTION_COLUMNS], featureKinds: new Map(), attributeNames: new Set() }
      this.targets.set(key, state)
    }
    return state
  }

  private outcomeTarget(project: string): TargetState {
    const target: SegmentTarget = { kind: 'outcomes', project }
    const key = targetKey(target)
    let state = this.targets.get(key)
    if (!state) {
      state = { target, columns: [...OUTCOME_COLUMNS], featureKinds: new Map(), attributeNames: new Set() }
      this.targets.set(key, state)
    }
    return state
  }

  /** Adds the columns of features and attributes first seen in `records`; retires a segment that lacks them. */
  private extendColumns(state: TargetState, records: readonly PredictionRecord[]): void {
    // Hot path: one map lookup per feature, no allocation unless a column is new.
    const added: ColumnSpec[] = []
    for (const record of records) {
      for (const name in record.features) {
        const value = record.features[name]!
        const bit = typeof value === 'number' ? 1 : typeof value === 'string' ? 2 : 4
        const known = state.featureKinds.get(name) ?? 0
        if ((known & bit) === 0) {
          state.featureKinds.set(name, known | bit)
          added.push(featureColumn(name, featureKindOf(value)))
        }
      }
      for (const name in record.attributes) {
        if (!state.attributeNames.has(name)) {
          state.attributeNames.add(name)
          added.push(attributeColumn(name))
        }
      }
    }
    if (added.length === 0) return
    if (state.columns.length + added.length > this.options.maxColumnsPerModel) {
      for (const c of added) forgetColumn(state, c)
      throw new HttpError(
        422,
        'too_many_columns',
        `model ${(state.target as { modelId: string }).modelId} would have more than ${this.options.maxColumnsPerModel} feature and attribute columns; ` +
          `feature names must be a fixed set, not values`,
      )
    }
    state.columns.push(...added)
    state.encode = undefined
    if (state.active) this.retire(state)
  }

  /**
   * Gives the target an open segment with its current columns. Concurrent requests share one
   * opening (a segment per request would mean tiny segments, an fsync each, and slow inserts).
   */
  private ensureActive(state: TargetState): Promise<void> {
    if (state.active && !state.active.retired && state.active.meta.columns.length === state.columns.length) return Promise.resolve()
    const columnCount = state.columns.length
    if (state.opening && state.openingColumns === columnCount) return state.opening
    const seq = this.nextSeq++
    const opening = SpoolSegment.create(this.options.dir, seq, state.target, state.columns).then((segment) => {
      if (state.opening === opening) {
        state.opening = undefined
        state.openingColumns = undefined
      }
      if (state.active && !state.active.retired) this.retire(state)
      state.active = segment
      if (state.target.kind === 'predictions') state.encode = compilePredictionEncoder(segment.meta.columns)
    })
    state.opening = opening
    state.openingColumns = columnCount
    return opening
  }

  private retire(state: TargetState): void {
    const segment = state.active
    if (!segment) return
    segment.retired = true
    state.active = undefined
    this.retiring.push(segment)
  }

  private *activeSegments(): Generator<SpoolSegment> {
    for (const state of this.targets.values()) if (state.active) yield state.active
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
    for (const state of this.targets.values()) {
      const s = state.active
      if (!s || s.committedRows + s.pendingRows === 0) continue
      if (force || now - s.openedAt >= this.options.sealAfterMs || s.size >= this.options.maxSegmentBytes || s.committedRows + s.pendingRows >= this.options.maxSegmentRows) {
        this.retire(state)
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

function forgetColumn(state: TargetState, column: ColumnSpec): void {
  const parsed = parseColumnName(column.name)
  if (parsed.role === 'attribute') state.attributeNames.delete(parsed.attribute)
  else if (parsed.role === 'feature') {
    const bit = parsed.kind === 'num' ? 1 : parsed.kind === 'str' ? 2 : 4
    const left = (state.featureKinds.get(parsed.feature) ?? 0) & ~bit
    if (left === 0) state.featureKinds.delete(parsed.feature)
    else state.featureKinds.set(parsed.feature, left)
  }
}
