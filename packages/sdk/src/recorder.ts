import type { SpanContext } from '@opentelemetry/api'
import type { Resource } from '@opentelemetry/resources'
import { NO_ERROR, describeError, errorMessageOf, errorTypeOf } from './call-error.js'
import { WallClock, now } from './clock.js'
import type { ResolvedMonitorOptions } from './config.js'
import { FieldSanitizer, isUsableValue } from './field-sanitizer.js'
import { ShapeHint } from './field-shapes.js'
import type { ExportBatch, LogTransport, TransportContext } from './log-export.js'
import { isValidId, manualError, preview, timestampOf } from './manual-input.js'
import { PredictionIds, inSample, sampleHash } from './prediction-ids.js'
import { KIND_OUTCOME, KIND_PREDICTION, PromisedFieldsError, RecordQueue, VALUE } from './record-queue.js'
import { SCOPE } from './to-log-record.js'
import { ActiveSpanContext } from './trace-context.js'
import type { FieldMap, ManualPrediction, MonitorStats, OutcomeInput, PredictionOutput } from './types.js'

/** Records in a probe batch: the first export, and the first after a failure (see exportQueued). */
const PROBE_RECORDS = 256

/** Where record() was when something threw (see recordFailed); record() writes them as literals (smaller bytecode). */
const READING_FIELDS = 1
const READING_OUTPUT = 2

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
   * a full queue costs the caller almost nothing. The common case (everything sampled, room left) is
   * one test here and the rest in `admitSampled`: V8 inlines this into every wrapped call, within a
   * bytecode budget the recorded path shares (see record).
   */
  admit(n: number): boolean {
    return this.sampleRate >= 1 && !this.queue.full ? true : this.admitSampled(n)
  }

  private admitSampled(n: number): boolean {
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
    this.warnOnce('extractor', () => `an extractor threw (${describeError(error)}); the prediction is recorded without that part, and further failures are only counted`)
  }

  /**
   * `map`, or undefined when it is a Promise (an `async` extractor), counted as an extractor error.
   * For calls recorded later (a Promise or a stream result): the extractor's Promise gets a
   * handler now, so its rejection never goes unhandled (which would end the process).
   */
  withoutPromise(map: FieldMap | undefined): FieldMap | undefined {
    if (!(map instanceof Promise)) return map
    ignoreRejection(map)
    this.extractorFailed(new PromisedFieldsError())
    return undefined
  }

  /**
   * Reading the maps into record `i` threw (a getter or Proxy trap, or a map that is a Promise):
   * the record keeps everything else. Counted as an extractor error (wrapped calls) or a field
   * left out (logPrediction).
   */
  private fieldsFailed(i: number, error: unknown, features: unknown, attributes: unknown, manual: boolean): void {
    this.queue.clearFields(i)
    if (features instanceof Promise) ignoreRejection(features)
    if (attributes instanceof Promise) ignoreRejection(attributes)
    if (manual) this.leftOut(() => `logPrediction: its features or attributes could not be read (${describeError(error)}); the prediction is recorded without them`)
    else this.extractorFailed(error)
  }

  private outputFailed(i: number, error: unknown, manual: boolean): void {
    this.queue.clearOutput(i)
    if (manual) this.leftOut(() => `logPrediction: its output could not be read (${describeError(error)}); the prediction is recorded without it`)
    else this.extractorFailed(error)
  }

  /** Something given to logPrediction/logOutcome that the collector would refuse: left out, counted, warned once. */
  private leftOut(message: () => string): void {
    this.sanitizer.truncated++
    this.warnOnce('invalid', () => `${message()} (counted in stats().truncated; further cases are only counted)`)
  }

  /**
   * A prediction the queue did not take: full (dropped), or closed because the monitor was shut
   * down while the call was in flight (counted as recorded and failed, so that exported + failed
   * + dropped still accounts for every recorded prediction).
   */
  private notQueued(features: unknown, attributes: unknown): void {
    if (features instanceof Promise) ignoreRejection(features)
    if (attributes instanceof Promise) ignoreRejection(attributes)
    if (this.active) return this.drop()
    this.counters.recorded++
    this.counters.failed++
    this.warnOnce('shutdown-left', () => 'a call that settled after shutdown() could not be exported (counted in stats().failed)')
  }

  /**
   * Queues a finished prediction. `items` < 0: not a stream. Never throws.
   *
   * Kept small on purpose: V8 inlines this, and the queue's methods, into the wrapped call within
   * a bytecode budget, and every byte of a failure path here is paid by the common one (measured:
   * a record() a third larger left setFields out of the inlined code, ~20 ns per call). So the
   * reads of the application's maps and output are guarded by this one try, and `step` tells
   * recordFailed which part threw.
   */
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
    let i = -1
    let step = 0 // reserving
    try {
      const q = this.queue
      i = q.reserve(0 /* KIND_PREDICTION */, n, this.wallClock.offset + start, now() - start)
      if (i < 0) return this.notQueued(features, attributes)
      if (items >= 0) q.setNumber(i, 3 /* ITEMS */, items)
      step = 1 // READING_FIELDS
      q.setFields(i, features, featureHint, attributes, attributeHint)
      step = 2 // READING_OUTPUT
      q.setOutput(i, output)
      step = 3 // finishing
      if (span !== undefined) q.refs.span[i] = span
      if (error !== NO_ERROR) this.setError(i, error)
      this.queued()
    } catch (thrown) {
      this.recordFailed(i, step, thrown, features, attributes, output, span, error)
    }
  }

  /**
   * record() threw at `step`. Reading the maps (a getter or Proxy trap, a map that is a Promise)
   * or the output (a getter) costs that part only, counted as an extractor error; the rest of the
   * record is written here. Anything else is the SDK's own failure: reported, and a reserved
   * record (which export will take) still counted.
   */
  private recordFailed(i: number, step: number, thrown: unknown, features: unknown, attributes: unknown, output: PredictionOutput | undefined, span: SpanContext | undefined, error: unknown): void {
    try {
      if (step === READING_FIELDS) {
        this.fieldsFailed(i, thrown, features, attributes, false)
        try {
          this.queue.setOutput(i, output)
        } catch (unreadable) {
          this.outputFailed(i, unreadable, false)
        }
      } else if (step === READING_OUTPUT) this.outputFailed(i, thrown, false)
      else throw thrown
      if (span !== undefined) this.queue.refs.span[i] = span
      if (error !== NO_ERROR) this.setError(i, error)
      this.queued()
    } catch (internal) {
      // A reserved record stays queued (export takes it): counted, so exported never exceeds recorded.
      if (i >= 0) this.counters.recorded++
      this.warnOnce('internal', () => `could not record a prediction: ${describeError(internal)}`)
    }
  }

  private setError(i: number, error: unknown): void {
    this.queue.refs.errorType[i] = errorTypeOf(error)
    this.queue.refs.errorMessage[i] = errorMessageOf(error)
  }

  /**
   * Queues a prediction described by hand (logPrediction); returns its id: the one given (as
   * given, even when it is left out as invalid), or a fresh one. Never throws.
   */
  recordManual(prediction: ManualPrediction): string {
    let id: string | undefined
    try {
      const given: unknown = prediction?.id
      if (given !== undefined && given !== null) id = given as string
      const n = id === undefined ? this.nextCall() : -1
      if (id === undefined) id = this.ids.format(n)
      if (!this.active) return id
      if (typeof prediction !== 'object' || prediction === null) {
        this.leftOut(() => `logPrediction: expected an object, received ${preview(prediction)}; nothing was recorded`)
        return id
      }
      if (n < 0 && !isValidId(id)) {
        this.leftOut(() => `logPrediction: the id ${preview(id)} is not 1-128 printable ASCII characters without spaces; the prediction was left out`)
        return id
      }
      const timestampMs = timestampOf(prediction.timestamp)
      if (Number.isNaN(timestampMs)) {
        this.leftOut(() => 'logPrediction: its timestamp is not a Date or epoch milliseconds between 2000-01-01 and 10 minutes from now; the prediction was left out')
        return id
      }
      if (!(n >= 0 ? this.admit(n) : this.idSampled(id))) return id
      const givenLatency: unknown = prediction.latencyMs
      let latencyMs = NaN
      if (typeof givenLatency === 'number') latencyMs = givenLatency
      else if (givenLatency !== undefined && givenLatency !== null) this.leftOut(() => `logPrediction: latencyMs is a ${typeof givenLatency}, not a number; it was left out`)
      const { features, attributes, output } = prediction
      const error = manualError(prediction.error)
      const q = this.queue
      const i = q.reserve(KIND_PREDICTION, n, timestampMs, latencyMs)
      if (i < 0) {
        this.notQueued(features, attributes)
        return id
      }
      if (n < 0) q.refs.id[i] = id
      try {
        q.setFields(i, features, this.manualFeatureHint, attributes, this.manualAttributeHint)
      } catch (unreadable) {
        this.fieldsFailed(i, unreadable, features, attributes, true)
      }
      try {
        q.setOutput(i, output)
      } catch (unreadable) {
        this.outputFailed(i, unreadable, true)
      }
      const span = this.activeSpan()
      if (span !== undefined) q.refs.span[i] = span
      if (error !== undefined) {
        q.refs.errorType[i] = error.type
        q.refs.errorMessage[i] = error.message
      }
      this.queued()
      return id
    } catch (internal) {
      this.warnOnce('internal', () => `could not record a prediction: ${describeError(internal)}`)
      return id ?? this.ids.format(this.nextCall())
    }
  }

  /**
   * Queues an outcome for `predictionId` when that prediction is in the sample. What the collector
   * would refuse is left out and counted: an invalid id or timestamp, an outcome with neither a
   * usable label nor a finite value (one of the two unusable beside a usable other: that one is
   * left out and counted). Never throws.
   */
  recordOutcome(predictionId: unknown, outcome: unknown, options: unknown): void {
    try {
      if (!this.active) return
      if (!isValidId(predictionId)) return this.leftOut(() => `logOutcome: the prediction id ${preview(predictionId)} is not 1-128 printable ASCII characters without spaces; the outcome was left out`)
      const timestampMs = timestampOf(typeof options === 'object' && options !== null ? (options as { timestamp?: unknown }).timestamp : undefined)
      if (Number.isNaN(timestampMs)) return this.leftOut(() => `logOutcome(${predictionId}): its timestamp is not a Date or epoch milliseconds between 2000-01-01 and 10 minutes from now; the outcome was left out`)
      if (!this.idSampled(predictionId)) return
      const given: OutcomeInput = typeof outcome === 'object' && outcome !== null ? (outcome as OutcomeInput) : { label: outcome as OutcomeInput['label'] }
      const label: unknown = given.label
      const value: unknown = given.value
      const hasLabel = isUsableValue(label)
      const hasValue = typeof value === 'number' && Number.isFinite(value)
      // The collector would refuse it: an outcome needs a label or a value.
      if (!hasLabel && !hasValue) return this.leftOut(() => `logOutcome(${predictionId}) had neither a usable label (a finite number, a boolean or a non-empty string) nor a finite value; it was left out`)
      if (!hasLabel && label !== undefined && label !== null) this.sanitizer.truncated++
      if (!hasValue && value !== undefined && value !== null) this.sanitizer.truncated++
      const q = this.queue
      const i = q.reserve(KIND_OUTCOME, -1, timestampMs, NaN)
      if (i < 0) return this.drop()
      q.refs.id[i] = predictionId
      if (hasLabel) q.refs.outcomeLabel[i] = label as string | number | boolean
      if (hasValue) q.setNumber(i, VALUE, value)
      this.queued()
    } catch (internal) {
      this.warnOnce('internal', () => `could not record an outcome: ${describeError(internal)}`)
    }
  }

  private queued(): void {
    this.counters.recorded++
    // exportSoon checked here too: once a batch is waiting, every call until the export runs gets here.
    if (this.queue.size >= this.batchSize && !this.exportSoon) this.scheduleExport()
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
    this.spans.refresh()
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
        // A partial success: the collector took the request but refused some records (they are lost).
        const rejected = Math.min(Math.max(Math.trunc(result.rejected ?? 0), 0), records) || 0
        this.counters.exported += records - rejected
        if (rejected > 0) {
          this.counters.failed += rejected
          this.warnOnce('export', () => `the collector at ${this.options.endpoint} refused ${rejected} of ${records} records: ${result.message ?? 'no reason given'} (counted in stats().failed; further refusals are only counted)`)
        }
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
    await this.flush()
    this.active = false
    // A call in flight now that settles later finds the queue closed (see notQueued).
    this.queue.close()
    // Left: what the deadline did not let out, and what a call settling between the flush's end
    // and this line queued.
    const left = this.queue.drain(this.queue.size, () => undefined)
    this.counters.failed += left
    if (left > 0) this.warnOnce('shutdown-left', () => `shutdown: ${left} records could not be exported before the deadline and were discarded`)
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

/** Handles a rejection already counted (an extractor's Promise), so that it never ends the process as unhandled. */
function ignoreRejection(promise: Promise<unknown>): void {
  promise.then(undefined, () => undefined)
}
