import { FieldShapes, type ShapeHint } from './field-shapes.js'
import type { FieldMap, FieldValue, OutcomeInput, PredictionOutput } from './types.js'

/** A queued prediction or outcome as an object (the official exporters' path; see `view`). */
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

/** Field value kinds in `fieldKinds`. MISSING: null or undefined, left out at export. OTHER: not a field value (sanitized, counted and left out at export). */
export const KIND_MISSING = 0
export const KIND_NUMBER = 1
export const KIND_STRING = 2
export const KIND_TRUE = 3
export const KIND_FALSE = 4
export const KIND_OTHER = 5

/** `featureShape` / `attributeShape`: no map given; the map is in the overflow column. */
export const NO_FIELDS = -1
export const OVERFLOW = -2

/**
 * A bounded FIFO of records waiting for export, stored as columns: numbers in typed arrays, field
 * values copied out of the extractor's object into preallocated slots, by position in the object's
 * shape (see FieldShapes). Why: keeping the application's objects (or boxed numbers) alive until
 * export made every one of them survive the young-generation collections and be promoted — measured
 * at 1-5 µs per call; copied, the extractor's object dies young and recording allocates nothing.
 * `reserve` never blocks and never grows: when full it returns -1 and the caller counts a drop.
 */
export class RecordQueue {
  private head = 0
  private count = 0
  readonly shapes = new FieldShapes()
  // Per record.
  readonly isOutcome: Uint8Array
  readonly n: Float64Array
  readonly timestampMs: Float64Array
  readonly latencyMs: Float64Array
  readonly items: Int32Array
  readonly outputScore: Float64Array
  readonly outputValue: Float64Array
  readonly outcomeValue: Float64Array
  /** Shape id of the record's features / attributes, NO_FIELDS or OVERFLOW. */
  readonly featureShape: Int32Array
  readonly attributeShape: Int32Array
  readonly refs: {
    id: Array<string | undefined>
    outputLabel: Array<string | number | boolean | undefined>
    outcomeLabel: Array<string | number | boolean | undefined>
    errorType: Array<string | undefined>
    errorMessage: Array<string | undefined>
    traceId: Array<string | undefined>
    spanId: Array<string | undefined>
    /** Maps that do not fit the inline slots (or new shapes past the shape table's bound), kept as given. */
    overflowFeatures: Array<FieldMap | undefined>
    overflowAttributes: Array<FieldMap | undefined>
  }
  // Per field slot: record index × inlineFields + position (features first, then attributes).
  readonly fieldKinds: Uint8Array
  readonly fieldNumbers: Float64Array
  readonly fieldRefs: Array<unknown>

  constructor(
    readonly capacity: number,
    readonly inlineFields = 32,
  ) {
    this.isOutcome = new Uint8Array(capacity)
    this.n = new Float64Array(capacity)
    this.timestampMs = new Float64Array(capacity)
    this.latencyMs = new Float64Array(capacity)
    this.items = new Int32Array(capacity)
    this.outputScore = new Float64Array(capacity)
    this.outputValue = new Float64Array(capacity)
    this.outcomeValue = new Float64Array(capacity)
    this.featureShape = new Int32Array(capacity)
    this.attributeShape = new Int32Array(capacity)
    const refs = () => new Array(capacity).fill(undefined)
    this.refs = {
      id: refs(), outputLabel: refs(), outcomeLabel: refs(), errorType: refs(), errorMessage: refs(),
      traceId: refs(), spanId: refs(), overflowFeatures: refs(), overflowAttributes: refs(),
    }
    this.fieldKinds = new Uint8Array(capacity * inlineFields)
    this.fieldNumbers = new Float64Array(capacity * inlineFields)
    this.fieldRefs = new Array(capacity * inlineFields).fill(undefined)
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
    let i = this.head + this.count
    if (i >= this.capacity) i -= this.capacity
    this.count++
    this.isOutcome[i] = 0
    this.n[i] = -1
    this.latencyMs[i] = NaN
    this.items[i] = -1
    this.outputScore[i] = NaN
    this.outputValue[i] = NaN
    this.outcomeValue[i] = NaN
    this.featureShape[i] = NO_FIELDS
    this.attributeShape[i] = NO_FIELDS
    // The reference columns are cleared when a record is released (release), so a reserved slot is clean.
    return i
  }

  /**
   * Copies features, then attributes, into record `i`'s field slots; a map that does not fit is
   * kept as the object itself. Values are copied as they are; limits apply at export. The hints
   * (one per extractor) make the common case — same keys as last time — a loop of comparisons.
   */
  setFields(i: number, features: FieldMap | undefined, featureHint: ShapeHint, attributes: FieldMap | undefined, attributeHint: ShapeHint): void {
    let used = 0
    if (features !== undefined) {
      const shape = this.copyFields(i, features, featureHint, 0)
      this.featureShape[i] = shape
      if (shape === OVERFLOW) this.refs.overflowFeatures[i] = features
      else used = this.shapes.keys[shape]!.length
    }
    if (attributes !== undefined) {
      const shape = this.copyFields(i, attributes, attributeHint, used)
      this.attributeShape[i] = shape
      if (shape === OVERFLOW) this.refs.overflowAttributes[i] = attributes
    }
  }

  /** Copies `map`'s values from position `start`; returns its shape id, or OVERFLOW (nothing kept). */
  private copyFields(i: number, map: FieldMap, hint: ShapeHint, start: number): number {
    const keys = hint.keys
    if (start + keys.length <= this.inlineFields) {
      const base = i * this.inlineFields + start
      let at = 0
      for (const name in map) {
        // Keys are interned strings: the same key list compares by identity, cheaply.
        if (name !== keys[at]) return this.copyNewShape(i, map, hint, start)
        this.store(base + at, map[name])
        at++
      }
      if (at === keys.length) return hint.id
    }
    return this.copyNewShape(i, map, hint, start)
  }

  /** The slow path, once per new key list: registers the shape, remembers it in the hint, copies. */
  private copyNewShape(i: number, map: FieldMap, hint: ShapeHint, start: number): number {
    const keys: string[] = []
    for (const name in map) keys.push(name)
    if (start + keys.length > this.inlineFields) return OVERFLOW
    const id = this.shapes.idOf(keys)
    if (id < 0) return OVERFLOW
    hint.keys = this.shapes.keys[id]!
    hint.id = id
    const base = i * this.inlineFields + start
    for (let at = 0; at < keys.length; at++) this.store(base + at, map[keys[at]!])
    return id
  }

  private store(slot: number, value: unknown): void {
    switch (typeof value) {
      case 'number':
        this.fieldKinds[slot] = KIND_NUMBER
        this.fieldNumbers[slot] = value
        return
      case 'string':
        this.fieldKinds[slot] = KIND_STRING
        this.fieldRefs[slot] = value
        return
      case 'boolean':
        this.fieldKinds[slot] = value ? KIND_TRUE : KIND_FALSE
        return
      default:
        if (value === null || value === undefined) {
          this.fieldKinds[slot] = KIND_MISSING
        } else {
          this.fieldKinds[slot] = KIND_OTHER
          this.fieldRefs[slot] = value
        }
    }
  }

  setOutput(i: number, output: PredictionOutput | undefined): void {
    if (output === undefined || output === null) return
    if (output.label !== undefined) this.refs.outputLabel[i] = output.label
    if (output.score !== undefined) this.outputScore[i] = output.score
    if (output.value !== undefined) this.outputValue[i] = output.value
  }

  /** Hands the slot indices of up to `max` oldest records to `visit`, then frees their slots. */
  drain(max: number, visit: (i: number) => void): number {
    const taken = Math.min(max, this.count)
    for (let k = 0; k < taken; k++) {
      const i = (this.head + k) % this.capacity
      visit(i) // must not throw (the recorder's visitors catch)
      this.release(i)
    }
    this.head = (this.head + taken) % this.capacity
    this.count -= taken
    return taken
  }

  /** Record `i` rebuilt as an object (the official exporters' path, and tests). */
  view(i: number): QueuedRecord {
    const r = this.refs
    const outcome = this.isOutcome[i] === 1
    const hasOutput = r.outputLabel[i] !== undefined || !Number.isNaN(this.outputScore[i]!) || !Number.isNaN(this.outputValue[i]!)
    const featureShape = this.featureShape[i]!
    return {
      kind: outcome ? 'outcome' : 'prediction',
      n: this.n[i]!,
      id: r.id[i],
      timestampMs: this.timestampMs[i]!,
      latencyMs: this.latencyMs[i]!,
      features: featureShape === OVERFLOW ? r.overflowFeatures[i] : this.fieldsOf(i, featureShape, 0),
      attributes: this.attributeShape[i] === OVERFLOW ? r.overflowAttributes[i] : this.fieldsOf(i, this.attributeShape[i]!, this.featureCount(i)),
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

  /** Inline slots the record's features use (its attributes start there). */
  featureCount(i: number): number {
    const shape = this.featureShape[i]!
    return shape >= 0 ? this.shapes.keys[shape]!.length : 0
  }

  /** Slot `at` of record `i` as a field value (undefined when missing). */
  valueAt(i: number, at: number): unknown {
    const slot = i * this.inlineFields + at
    switch (this.fieldKinds[slot]) {
      case KIND_NUMBER:
        return this.fieldNumbers[slot]
      case KIND_TRUE:
        return true
      case KIND_FALSE:
        return false
      case KIND_MISSING:
        return undefined
      default:
        return this.fieldRefs[slot]
    }
  }

  private fieldsOf(i: number, shape: number, start: number): FieldMap | undefined {
    if (shape < 0) return undefined
    const keys = this.shapes.keys[shape]!
    const map: Record<string, FieldValue> = {}
    for (let at = 0; at < keys.length; at++) {
      const value = this.valueAt(i, start + at)
      if (value !== undefined) map[keys[at]!] = value as FieldValue
    }
    return map
  }

  /** Lets the application's values go once a record is exported, and leaves the slot clean for reserve. */
  private release(i: number): void {
    const base = i * this.inlineFields
    let used = this.featureCount(i)
    const attributeShape = this.attributeShape[i]!
    if (attributeShape >= 0) used += this.shapes.keys[attributeShape]!.length
    for (let at = 0; at < used; at++) this.fieldRefs[base + at] = undefined
    const r = this.refs
    r.id[i] = r.outputLabel[i] = r.outcomeLabel[i] = r.errorType[i] = r.errorMessage[i] = r.traceId[i] = r.spanId[i] = undefined
    r.overflowFeatures[i] = r.overflowAttributes[i] = undefined
  }
}
