import type { SpanContext } from '@opentelemetry/api'
import type { Resource } from '@opentelemetry/resources'
import { WallClock, now } from './clock.js'
import type { ResolvedMonitorOptions } from './config.js'
import { FieldSanitizer } from './field-sanitizer.js'
import { ShapeHint } from './field-shapes.js'
import type { ExportBatch, LogTransport, TransportContext } from './log-export.js'
import { PredictionIds, inSample, sampleHash } from './prediction-ids.js'
import { ITEMS, KIND_OUTCOME, KIND_PREDICTION, RecordQueue, VALUE } from './record-queue.js'
import { SCOPE } from './to-log-record.js'
import { ActiveSpanContext } from './trace-context.js'
import type { FieldMap, MonitorStats, OutcomeInput, PredictionOutput } from './types.js'

/** Passed as `error` when the call succeeded (a model may throw `undefined`, which is a failure). */
export const NO_ERROR: unique symbol = Symbol('no error')

/** Records in a probe batch: the first export, and the first after a failure (see exportQueued). */
const PROBE_RECORDS = 256

/** Items of a stream kept for the output extractor, at most. */
export const MAX_STREAM_ITEMS_KEPT = 10_000

/**
 * The monitor's engine. On the call: count, sample, run extractors (guarded), copy into the queue.
 * Off the call (a timer that never keeps the process alive, or the next turn of the event loop
 * once a batch is full): encode queued records into OTLP requests through the transport. No
 * method here throws into the application.
 */
export class Recorder {
  active: boolean
  private calls = 0
  private readonly queue: RecordQueue
  private readonly ids = new PredictionIds()
  private readonly spans = new ActiveSpanContext()
  private readonly wallClock = new WallClock()
  /** Shape hints for logPrediction's maps (wrapped functions have their own). */
  private readonly manualFeatureHint = new ShapeHint()
  private readonly manualAttributeHint = new ShapeHint()
  private readonly sanitizer: FieldSanitizer
  private readonly counters = { recorded: 0, sampledOut: 0, dropped: 0, exported: 0, failed: 0, extractorErrors: 0 }
  private readonly warned = new Set<string>()
  private readonly inFlight = new Set<Promise<void>>()
  private readonly transport: LogTransport | undefined
  // Read on every call: kept as fields of this class rather than looked up in the options object.
  private readonly sampleRate: number
  private readonly batchSize: number
  private timer: NodeJS.Timeout | undefined
  private exportSoon = false
  /** The latest export was delivered. Until then (at start, after a failure) batches are probes and are not chained. */
  private collectorReachable = false
  private lastExportFailed = false

  /** Without a transport (unconfigured or disabled), a working no-op. */
  constructor(
    private readonly options: ResolvedMonitorOptions,
    resource: Resource,
    createTransport: ((context: TransportContext) => LogTransport) | undefined,
  ) {
    this.sampleRate = options.sampleRate
    this.batchSize = options.maxBatchSize
    this.queue = new RecordQueue(createTransport ? options.maxQueueSize : 16)
    this.sanitizer = new FieldSanitizer(options.hashFields, options.hashSalt)
    this.transport = createTransport?.({ resource, scope: SCOPE, ids: this.ids, sanitizer: this.sanitizer, shapes: this.queue.shapes })
    this.active = this.transport !== undefined
    if (this.active) {
      this.timer = setInterval(() => this.exportQueued(), options.exportIntervalMs)
      this.timer.unref()
    }
  }

  nextCall(): number {
    return ++this.calls
  }

  idOf(n: number): string {
    return this.ids.format(n)
  }

  /**
   * Whether call `n` is recorded: in the sample (deterministic by prediction id, the same in every
   * process) and with room in the queue. Decided before the extractors run, so a sampled-out call or
   * a full queue costs the caller almost nothing.
   */
  admit(n: number): boolean {
    if (this.sampleRate < 1 && !inSample(this.ids.hashOf(n), this.sampleRate)) {
      this.counters.sampledOut++
      return false
    }
    if (this.queue.full) {
      this.drop()
      return false
    }
    return true
  }

  idSampled(id: string): boolean {
    if (this.options.sampleRate >= 1 || inSample(sampleHash(id), this.options.sampleRate)) return true
    this.counters.sampledOut++
    return false
  }

  activeSpan(): SpanContext | undefined {
    return this.spans.current()
  }

  /** Runs a features or attributes extractor on the call's arguments (`args`, or the single `a0`); never throws. */
  extract(extractor: (...args: unknown[]) => FieldMap, args: unknown[] | undefined, a0: unknown): FieldMap | undefined {
    try {
      return args === undefined ? extractor(a0) : extractor(...args)
    } catch (error) {
      this.extractorFailed(error)
      return undefined
    }
  }

  /** Runs the output extractor on the result and the call's arguments; never throws. */
  output(extractor: (result: unknown, ...args: unknown[]) => PredictionOutput | undefined, result: unknown, args: unknown[] | undefined, a0: unknown): PredictionOutput | undefined {
    try {
      return args === undefined ? extractor(result, a0) : extractor(result, ...args)
    } catch (error) {
      this.extractorFailed(error)
      return undefined
    }
  }

  private extractorFailed(error: unknown): void {
    this.counters.extractorErrors++
    this.warnOnce('extractor', () => `an extractor threw (${(error as Error)?.message ?? String(error)}); the prediction is recorded without that part, and further failures are only counted`)
  }

  /** Queues a finished prediction. `items` < 0: not a stream. Never throws. */
  record(
    n: number,
    start: number,
    features: FieldMap | undefined,
    featureHint: ShapeHint,
    attributes: FieldMap | undefined,
    attributeHint: ShapeHint,
    span: SpanContext | undefined,
    output: PredictionOutput | undefined,
    error: unknown | typeof NO_ERROR,
    items: number,
  ): void {
    try {
      const q = this.queue
      const i = q.reserve(KIND_PREDICTION, n, this.wallClock.offset + start, now() - start)
      if (i < 0) return this.drop()
      if (items >= 0) q.setNumber(i, ITEMS, items)
      q.setFields(i, features, featureHint, attributes, attributeHint)
      q.setOutput(i, output)
      if (span !== undefined) q.refs.span[i] = span
      if (error !== NO_ERROR) {
        q.refs.errorType[i] = error instanceof Error ? error.name || 'Error' : typeof error
        q.refs.errorMessage[i] = error instanceof Error ? error.message : undefined
      }
      this.queued()
    } catch (internal) {
      this.warnOnce('internal', () => `could not record a prediction: ${(internal as Error).message}`)
    }
  }

  /** Queues a prediction described by hand (logPrediction). */
  recordManual(params: {
    id: string | undefined
    timestampMs: number
    latencyMs: number
    features: FieldMap | undefined
    attributes: FieldMap | undefined
    output: PredictionOutput | undefined
    error: { type: string; message?: string } | undefined
  }): string | undefined {
    try {
      const n = params.id === undefined ? this.nextCall() : -1
      const id = params.id ?? this.ids.format(n)
      if (!this.active) return id
      if (!(params.id === undefined ? this.admit(n) : this.idSampled(id))) return id
      const q = this.queue
      const i = q.reserve(KIND_PREDICTION, n, params.timestampMs, params.latencyMs)
      if (i < 0) {
        this.drop()
        return id
      }
      q.refs.id[i] = params.id
      q.setFields(i, params.features, this.manualFeatureHint, params.attributes, this.manualAttributeHint)
      q.setOutput(i, params.output)
      const span = this.activeSpan()
      if (span !== undefined) q.refs.span[i] = span
      if (params.error) {
        q.refs.errorType[i] = params.error.type
        q.refs.errorMessage[i] = params.error.message
      }
      this.queued()
      return id
    } catch (internal) {
      this.warnOnce('internal', () => `could not record a prediction: ${(internal as Error).message}`)
      return params.id
    }
  }

  /** Queues an outcome for `predictionId` when that prediction is in the sample. Never throws. */
  recordOutcome(predictionId: string, outcome: OutcomeInput, timestampMs: number): void {
    try {
      if (!this.active || !this.idSampled(predictionId)) return
      const hasLabel = outcome.label !== undefined && outcome.label !== '' && outcome.label !== null
      const hasValue = typeof outcome.value === 'number' && Number.isFinite(outcome.value)
      if (!hasLabel && !hasValue) {
        // The collector would refuse it: an outcome needs a label or a value.
        this.sanitizer.truncated++
        this.warnOnce('outcome', () => `logOutcome(${predictionId}) had neither a label nor a finite value; it was left out (counted in stats().truncated)`)
        return
      }
      const q = this.queue
      const i = q.reserve(KIND_OUTCOME, -1, timestampMs, NaN)
      if (i < 0) return this.drop()
      q.refs.id[i] = predictionId
      if (hasLabel) q.refs.outcomeLabel[i] = outcome.label
      if (hasValue) q.setNumber(i, VALUE, outcome.value!)
      this.queued()
    } catch (internal) {
      this.warnOnce('internal', () => `could not record an outcome: ${(internal as Error).message}`)
    }
  }

  /**
   * Passes a stream through unchanged, counting its items (and keeping them for the output
   * extractor when there is one); `done` runs once, when it ends, fails or is abandoned.
   */
  stream<T>(source: AsyncIterable<T>, done: (items: T[], error: unknown | typeof NO_ERROR, count: number) => void, keepItems: boolean): AsyncIterable<T> {
    const iterator = source[Symbol.asyncIterator]()
    const items: T[] = []
    let count = 0
    let finished = false
    const finish = (error: unknown) => {
      if (finished) return
      finished = true
      done(items, error, count)
    }
    const passthrough: AsyncIterableIterator<T> & { throw?: (e?: unknown) => Promise<IteratorResult<T>> } = {
      async next(...args: [] | [unknown]) {
        try {
          const step = await iterator.next(...args)
          if (step.done) finish(NO_ERROR)
          else {
            count++
            if (keepItems && items.length < MAX_STREAM_ITEMS_KEPT) items.push(step.value)
          }
          return step
        } catch (error) {
          finish(error)
          throw error
        }
      },
      async return(value?: unknown) {
        finish(NO_ERROR)
        return iterator.return ? iterator.return(value) : { done: true, value: value as T }
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
    if (iterator.throw) {
      passthrough.throw = async (error?: unknown) => {
        finish(error)
        return iterator.throw!(error)
      }
    }
    return passthrough
  }

  private queued(): void {
    this.counters.recorded++
    if (this.queue.size >= this.batchSize) this.scheduleExport()
  }

  /** exportQueued on the next turn of the event loop (once, however often asked), never during the call. */
  private scheduleExport(): void {
    if (this.exportSoon) return
    this.exportSoon = true
    setImmediate(() => {
      this.exportSoon = false
      this.exportQueued()
    }).unref()
  }

  private drop(): void {
    this.counters.dropped++
    this.warnOnce('dropped', () => `the export queue is full (${this.options.maxQueueSize} records): predictions are being dropped and counted; is the collector at ${this.options.endpoint} reachable?`)
  }

  /**
   * Starts one export of what is queued, if the in-flight bound allows, and asks for the next one
   * on the following turn of the event loop: encoding a batch holds the application's thread for
   * a few milliseconds, so one batch per turn keeps the application responsive. Until an export
   * has been delivered — at start, and after a failure — a batch is a probe of at most
   * PROBE_RECORDS and none is chained: whether the collector is reachable is known after a
   * millisecond of encoding instead of a full batch's encoding and compression, and an unreachable
   * collector costs one small batch per export interval.
   */
  exportQueued(): void {
    const transport = this.transport
    if (!transport) return
    this.wallClock.resync()
    const batchSize = this.collectorReachable ? this.options.maxBatchSize : Math.min(PROBE_RECORDS, this.options.maxBatchSize)
    let records = 0
    let batch: ExportBatch | undefined
    while (records === 0 && this.queue.size > 0 && this.inFlight.size < this.options.maxConcurrentExports) {
      batch = transport.batch(Math.min(this.queue.size, batchSize))
      const building = batch
      this.queue.drain(batchSize, (i) => {
        try {
          building.add(this.queue, i)
        } catch (internal) {
          this.counters.failed++
          this.warnOnce('encode', () => `could not encode a record: ${(internal as Error).message}`)
        }
      })
      records = batch.size
    }
    if (batch === undefined || records === 0) return
    const exporting: Promise<void> = batch.send().then((result) => {
      this.inFlight.delete(exporting)
      if (result.ok) {
        this.counters.exported += records
        this.collectorReachable = true
        // Keep the pipe full: a finished export starts the next while a batch waits.
        if (this.queue.size >= this.options.maxBatchSize) this.scheduleExport()
      } else {
        this.counters.failed += records
        this.collectorReachable = false
        this.lastExportFailed = true
        this.warnOnce('export', () => `could not export to ${this.options.endpoint}: ${result.error?.message ?? 'unknown error'} (further failures are only counted)`)
      }
    })
    this.inFlight.add(exporting)
    if (this.collectorReachable && this.queue.size >= this.options.maxBatchSize && this.inFlight.size < this.options.maxConcurrentExports) this.scheduleExport()
  }

  /**
   * Exports what is queued and waits for the exports in flight, for at most `deadlineMs` in all.
   * Once an export fails (the collector is down), no new one is started: what is still queued stays
   * queued for later. Resolves false when something was left.
   */
  async flush(deadlineMs: number = this.options.exportTimeoutMs): Promise<boolean> {
    const deadline = Date.now() + deadlineMs
    this.lastExportFailed = false
    while (this.queue.size > 0 || this.inFlight.size > 0) {
      if (!this.lastExportFailed) this.exportQueued()
      const left = deadline - Date.now()
      if (this.inFlight.size === 0 || left <= 0) break
      let timer: NodeJS.Timeout | undefined
      await Promise.race([...this.inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))])
      clearTimeout(timer)
    }
    return this.queue.size === 0 && this.inFlight.size === 0
  }

  /** Flushes within the export deadline, then stops; what could not be sent is counted as failed. */
  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    const complete = await this.flush()
    this.active = false
    if (!complete) {
      const left = this.queue.drain(this.queue.size, () => undefined)
      this.counters.failed += left
      if (left > 0) this.warnOnce('shutdown-left', () => `shutdown: ${left} records could not be exported before the deadline and were discarded`)
    }
    // The exporter has nothing left to send (flushed above); a failure to close it changes nothing.
    await this.transport?.shutdown().catch((error: unknown) => this.warnOnce('shutdown', () => `exporter shutdown failed: ${(error as Error).message}`))
  }

  stats(): MonitorStats {
    return { ...this.counters, truncated: this.sanitizer.truncated }
  }

  /** One process warning per kind; the message is only built the first time. */
  private warnOnce(kind: string, message: () => string): void {
    if (this.warned.has(kind)) return
    this.warned.add(kind)
    process.emitWarning(message(), { code: `AIMS_MONITOR_${kind.toUpperCase().replace(/-/g, '_')}` })
  }
}
