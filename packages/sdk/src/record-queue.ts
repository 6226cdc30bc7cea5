import type { FieldMap, FieldValue, OutcomeInput, PredictionOutput } from './types.js'

/** A queued prediction or outcome, as the export side reads it (rebuilt from the columns at drain). */
export interface QueuedRecord {
  kind: 'prediction' | 'outcome'
  /** Call number (ids are formatted at export), or -1 when `id` is given. */
  n: number
  id: string | undefined
  timestampMs: number
  latencyMs: number
  features: FieldMap | undefined
  attributes: FieldMap | undefined
  output: PredictionOutput | undefined
  outcome: OutcomeInput | undefined
  errorType: string | undefined
  errorMessage: string | undefined
  traceId: string | undefined
  spanId: string | undefined
  /** Streaming calls: items the stream yielded; -1 otherwise. */
  items: number
}

const KIND_NUMBER = 1
const KIND_STRING = 2
const KIND_TRUE = 3
const KIND_FALSE = 4

/**
 * A bounded FIFO of records waiting for export, stored as columns: numbers in typed arrays, field
 * values copied out of the extractor's object into preallocated slots. Why: keeping the
 * application's objects (or boxed numbers) alive until export made every one of them survive the
 * young-generation collections and be promoted — measured at 1-5 µs per call; copied, the
 * extractor's object dies young and recording allocates nothing. `reserve` never blocks and never
 * grows: when full it returns -1 and the caller counts a drop.
 */
export class RecordQueue {
  private head = 0
  private count = 0
  // Per record.
  readonly isOutcome: Uint8Array
  readonly n: Float64Array
  readonly timestampMs: Float64Array
  readonly latencyMs: Float64Array
  readonly items: Int32Array
  readonly outputScore: Float64Array
  readonly outputValue: Float64Array
  readonly outcomeValue: Float64Array
  private readonly featureCount: Uint8Array
  private readonly attributeCount: Uint8Array
  readonly refs: {
    id: Array<string | undefined>
    outputLabel: Array<string | number | boolean | undefined>
    outcomeLabel: Array<string | number | boolean | undefined>
    errorType: Array<string | undefined>
    errorMessage: Array<string | undefined>
    traceId: Array<string | undefined>
    spanId: Array<string | undefined>
    /** Fields beyond the inline slots, kept as the extractor's object (rare: wide models). */
    overflowFeatures: Array<FieldMap | undefined>
    overflowAttributes: Array<FieldMap | undefined>
  }
  // Per field slot: record index × inlineFields + position.
  private readonly fieldNames: Array<string | undefined>
  private readonly fieldKinds: Uint8Array
  private readonly fieldNumbers: Float64Array
  private readonly fieldStrings: Array<string | undefined>

  constructor(
    readonly capacity: number,
    private readonly inlineFields = 32,
  ) {
    this.isOutcome = new Uint8Array(capacity)
    this.n = new Float64Array(capacity)
    this.timestampMs = new Float64Array(capacity)
    this.latencyMs = new Float64Array(capacity)
    this.items = new Int32Array(capacity)
    this.outputScore = new Float64Array(capacity)
    this.outputValue = new Float64Array(capacity)
    this.outcomeValue = new Float64Array(capacity)
    this.featureCount = new Uint8Array(capacity)
    this.attributeCount = new Uint8Array(capacity)
    const refs = () => new Array(capacity).fill(undefined)
    this.refs = {
      id: refs(), outputLabel: refs(), outcomeLabel: refs(), errorType: refs(), errorMessage: refs(),
      traceId: refs(), spanId: refs(), overflowFeatures: refs(), overflowAttributes: refs(),
    }
    this.fieldNames = new Array(capacity * inlineFields).fill(undefined)
    this.fieldKinds = new Uint8Array(capacity * inlineFields)
    this.fieldNumbers = new Float64Array(capacity * inlineFields)
    this.fieldStrings = new Array(capacity * inlineFields).fill(undefined)
  }

  get size(): number {
    return this.count
  }

  get full(): boolean {
    return this.count === this.capacity
  }

  /** The index of a cleared record to fill, or -1 when the queue is full. */
  reserve(): number {
    if (this.count === this.capacity) return -1
    const i = (this.head + this.count) % this.capacity
    this.count++
    this.isOutcome[i] = 0
    this.n[i] = -1
    this.latencyMs[i] = NaN
    this.items[i] = -1
    this.outputScore[i] = NaN
    this.outputValue[i] = NaN
    this.outcomeValue[i] = NaN
    this.featureCount[i] = 0
    this.attributeCount[i] = 0
    // The reference columns are cleared when a record is released (release), so a reserved slot is clean.
    return i
  }

  /**
   * Copies features, then attributes, into record `i`'s field slots; whatever does not fit is kept
   * as the object itself. Values are copied as they are; limits apply at export.
   */
  setFields(i: number, features: FieldMap | undefined, attributes: FieldMap | undefined): void {
    let at = 0
    if (features) {
      at = this.copyFields(i, features, 0)
      if (at < 0) {
        this.refs.overflowFeatures[i] = features
        at = 0
      } else this.featureCount[i] = at
    }
    if (attributes) {
      const end = this.copyFields(i, attributes, at)
      if (end < 0) this.refs.overflowAttributes[i] = attributes
      else this.attributeCount[i] = end - at
    }
  }

  /** Returns the next free position, or -1 when the map does not fit (nothing is kept then). */
  private copyFields(i: number, map: FieldMap, start: number): number {
    const base = i * this.inlineFields
    let at = start
    for (const name in map) {
      if (at === this.inlineFields) return -1
      const value = map[name]
      const slot = base + at
      this.fieldNames[slot] = name
      switch (typeof value) {
        case 'number':
          this.fieldKinds[slot] = KIND_NUMBER
          this.fieldNumbers[slot] = value
          break
        case 'string':
          this.fieldKinds[slot] = KIND_STRING
          this.fieldStrings[slot] = value
          break
        case 'boolean':
          this.fieldKinds[slot] = value ? KIND_TRUE : KIND_FALSE
          break
        default:
          // null or undefined: missing; anything else is not a field value and is left out at export.
          if (value === null || value === undefined) continue
          this.fieldKinds[slot] = KIND_STRING
          this.fieldStrings[slot] = value as never
      }
      at++
    }
    return at
  }

  setOutput(i: number, output: PredictionOutput | undefined): void {
    if (!output) return
    this.refs.outputLabel[i] = output.label
    if (output.score !== undefined) this.outputScore[i] = output.score
    if (output.value !== undefined) this.outputValue[i] = output.value
  }

  /** Hands up to `max` oldest records to `visit`, rebuilt as objects, then frees their slots. */
  drain(max: number, visit: (record: QueuedRecord) => void): number {
    const taken = Math.min(max, this.count)
    for (let k = 0; k < taken; k++) {
      const i = (this.head + k) % this.capacity
      visit(this.view(i))
      this.release(i)
    }
    this.head = (this.head + taken) % this.capacity
    this.count -= taken
    return taken
  }

  private view(i: number): QueuedRecord {
    const r = this.refs
    const outcome = this.isOutcome[i] === 1
    const hasOutput = r.outputLabel[i] !== undefined || !Number.isNaN(this.outputScore[i]!) || !Number.isNaN(this.outputValue[i]!)
    return {
      kind: outcome ? 'outcome' : 'prediction',
      n: this.n[i]!,
      id: r.id[i],
      timestampMs: this.timestampMs[i]!,
      latencyMs: this.latencyMs[i]!,
      features: r.overflowFeatures[i] ?? this.fieldsOf(i, 0, this.featureCount[i]!),
      attributes: r.overflowAttributes[i] ?? this.fieldsOf(i, this.featureCount[i]!, this.attributeCount[i]!),
      output: hasOutput
        ? {
            ...(r.outputLabel[i] !== undefined ? { label: r.outputLabel[i] } : {}),
            ...(!Number.isNaN(this.outputScore[i]!) ? { score: this.outputScore[i]! } : {}),
            ...(!Number.isNaN(this.outputValue[i]!) ? { value: this.outputValue[i]! } : {}),
          }
        : undefined,
      outcome: outcome
        ? {
            ...(r.outcomeLabel[i] !== undefined ? { label: r.outcomeLabel[i] } : {}),
            ...(!Number.isNaN(this.outcomeValue[i]!) ? { value: this.outcomeValue[i]! } : {}),
          }
        : undefined,
      errorType: r.errorType[i],
      errorMessage: r.errorMessage[i],
      traceId: r.traceId[i],
      spanId: r.spanId[i],
      items: this.items[i]!,
    }
  }

  private fieldsOf(i: number, start: number, count: number): FieldMap | undefined {
    if (count === 0) return undefined
    const base = i * this.inlineFields
    const map: Record<string, FieldValue> = {}
    for (let at = start; at < start + count; at++) {
      const slot = base + at
      const kind = this.fieldKinds[slot]
      map[this.fieldNames[slot]!] =
        kind === KIND_NUMBER ? this.fieldNumbers[slot]! : kind === KIND_STRING ? this.fieldStrings[slot]! : kind === KIND_TRUE
    }
    return map
  }

  /** Lets the application's values go once a record is exported, and leaves the slot clean for reserve. */
  private release(i: number): void {
    const base = i * this.inlineFields
    const used = this.featureCount[i]! + this.attributeCount[i]!
    for (let at = 0; at < used; at++) this.fieldStrings[base + at] = undefined
    const r = this.refs
    r.id[i] = r.outputLabel[i] = r.outcomeLabel[i] = r.errorType[i] = r.errorMessage[i] = r.traceId[i] = r.spanId[i] = undefined
    r.overflowFeatures[i] = r.overflowAttributes[i] = undefined
  }
}
