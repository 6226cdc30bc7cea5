import type { SpanContext } from '@opentelemetry/api'
import { FieldRing } from './field-ring.js'
import { isKeySet } from './extractor-keys.js'
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

// The layout of a record. reserve, setFields and setOutput write it with literal offsets (the
// values below, named in a comment beside each): they are inlined into every wrapped call, where V8
// counts each module constant's load and TDZ check against the call's inlining budget (measured:
// a few dozen such bytes too many and setFields was left out of the inlined code, ~20-30 ns per
// call). record-queue.test.ts holds the two to each other.

// Numbers of record i at i * NUMBERS + …: one row per record, so a record touches one cache line.
export const N = 0
export const TIME = 1
export const LATENCY = 2
export const ITEMS = 3
/** Output score (predictions). */
export const SCORE = 4
/** Output value (predictions) or outcome value (outcomes). */
export const VALUE = 5
const NUMBERS = 6

// Small integers of record i at i * META + …
export const KIND = 0
export const FEATURE_SHAPE = 1
export const ATTRIBUTE_SHAPE = 2
/** Start of the record's field values in the FieldRing (features, then attributes), or -1. */
export const FIELDS = 3
const META = 4

export const KIND_PREDICTION = 0
export const KIND_OUTCOME = 1

/** Shape column values besides shape ids: no map given; the map kept as an object (overflow column). */
export const NO_FIELDS = -1
export const OVERFLOW = -2

/**
 * What a score or value slot holds when the output gave something that is not a number (a string,
 * a BigInt, NaN): never a usable value, so export leaves it out and counts it (as a given
 * ±Infinity is), and distinct from NaN, which means "not given".
 */
export const UNUSABLE_NUMBER = Infinity

/** Thrown by setFields for a map that is a Promise (an `async` extractor): see Recorder.fieldsFailed. */
export class PromisedFieldsError extends TypeError {
  constructor() {
    super('an extractor returned a Promise: extractors must be synchronous')
    this.name = 'PromisedFieldsError'
  }
}

/**
 * A bounded FIFO of records waiting for export. Why columns and rows of numbers rather than
 * objects: keeping the application's objects (or boxed numbers) alive until export made every one
 * of them survive the young-generation collections and be promoted — measured at 1-5 µs per call;
 * copied, the extractor's object dies young and recording allocates nothing. Each record's numbers
 * are one row (48 bytes) and its flags another (16 bytes); field values are packed in a FieldRing
 * by position in the object's shape (FieldShapes). References (ids, labels, errors, spans) have a
 * column each, touched only when present.
 * `reserve` never blocks and never grows: when full it returns -1 and the caller counts a drop.
 */
export class RecordQueue {
  private head = 0
  private count = 0
  /** Records `reserve` may hold: the capacity, or 0 once closed (see close). */
  private limit: number
  readonly shapes = new FieldShapes()
  readonly numbers: Float64Array
  readonly meta: Int32Array
  readonly fields: FieldRing
  readonly refs: {
    id: Array<string | undefined>
    outputLabel: Array<string | number | boolean | undefined>
    outcomeLabel: Array<string | number | boolean | undefined>
    errorType: Array<string | undefined>
    errorMessage: Array<string | undefined>
    span: Array<SpanContext | undefined>
    /** Maps that do not fit the field ring (or new shapes past the shape table's bound), copied at the call. */
    overflowFeatures: Array<FieldMap | undefined>
    overflowAttributes: Array<FieldMap | undefined>
  }

  /** `fieldsPerRecord`: field ring size per record, on average (wider records just take more). */
  constructor(
    readonly capacity: number,
    fieldsPerRecord = 32,
  ) {
    this.limit = capacity
    this.numbers = new Float64Array(capacity * NUMBERS)
    this.meta = new Int32Array(capacity * META)
    this.fields = new FieldRing(capacity * fieldsPerRecord)
    const refs = () => new Array(capacity).fill(undefined)
    this.refs = {
      id: refs(), outputLabel: refs(), outcomeLabel: refs(), errorType: refs(), errorMessage: refs(),
      span: refs(), overflowFeatures: refs(), overflowAttributes: refs(),
    }
  }

  get size(): number {
    return this.count
  }

  get full(): boolean {
    return this.count >= this.limit
  }

  /**
   * Takes no record from now on (`reserve` returns -1): after shutdown, a call still in flight
   * that settles must not be queued where no export will ever take it.
   */
  close(): void {
    this.limit = 0
  }

  /** The index of a record with default values (no fields, no output), or -1 when the queue is full or closed. */
  reserve(kind: number, n: number, timestampMs: number, latencyMs: number): number {
    const count = this.count
    if (count >= this.limit) return -1
    let i = this.head + count
    if (i >= this.capacity) i -= this.capacity
    // Literal offsets: see the layout's comment at the top.
    const r = i * 6 // NUMBERS
    const numbers = this.numbers
    numbers[r] = n // N
    numbers[r + 1] = timestampMs // TIME
    numbers[r + 2] = latencyMs // LATENCY
    numbers[r + 3] = -1 // ITEMS
    numbers[r + 4] = NaN // SCORE
    numbers[r + 5] = NaN // VALUE
    const m = i * 4 // META
    const meta = this.meta
    meta[m] = kind // KIND
    meta[m + 1] = -1 // FEATURE_SHAPE = NO_FIELDS
    meta[m + 2] = -1 // ATTRIBUTE_SHAPE = NO_FIELDS
    meta[m + 3] = -1 // FIELDS
    // The reference columns are cleared when a record is released, so a reserved record is clean.
    // Counted last: a store that throws above (a number column given a BigInt) queues nothing.
    this.count = count + 1
    return i
  }

  setNumber(i: number, column: number, value: number): void {
    this.numbers[i * NUMBERS + column] = value
  }

  number(i: number, column: number): number {
    return this.numbers[i * NUMBERS + column]!
  }

  metaOf(i: number, column: number): number {
    return this.meta[i * META + column]!
  }

  /**
   * Copies features, then attributes, into record `i`'s field segment. The hints (one per
   * extractor) make the common case — the same keys as last time — a loop of identity comparisons
   * and the shape's copier; a map that does not fit is copied as an object. Values are copied as
   * they are; limits apply at export. Reading a map may throw (a getter, a Proxy trap): the record's
   * columns are then consistent (shapes set before values are copied) and `clearFields` empties them.
   */
  setFields(i: number, features: FieldMap | undefined, featureHint: ShapeHint, attributes: FieldMap | undefined, attributeHint: ShapeHint): void {
    if (features === undefined && attributes === undefined) return
    if ((features === undefined || featureHint.proven || hasKeys(features, featureHint.keys)) && (attributes === undefined || attributeHint.proven || hasKeys(attributes, attributeHint.keys))) {
      const featureLength = features === undefined ? 0 : featureHint.keys.length
      const ring = this.fields
      const start = ring.alloc(featureLength + (attributes === undefined ? 0 : attributeHint.keys.length))
      if (start >= 0) {
        // Literal offsets (see the layout); both shapes are set before either map is read.
        const m = i * 4 // META
        const meta = this.meta
        meta[m + 3] = start // FIELDS
        if (features !== undefined) meta[m + 1] = featureHint.id // FEATURE_SHAPE
        if (attributes !== undefined) {
          meta[m + 2] = attributeHint.id // ATTRIBUTE_SHAPE
          copyShaped(ring, start + featureLength, attributes, attributeHint)
        }
        if (features !== undefined) copyShaped(ring, start, features, featureHint)
        return
      }
    }
    // A new key list, or no room left in the ring.
    this.setFieldsSlowly(i, features, featureHint, attributes, attributeHint)
  }

  /**
   * Registers the maps' shapes (updating the hints), then copies; once per new key list. A map
   * that does not fit the ring, or whose shape the shape table has no room for, is copied into an
   * object (read now, at the call: a mutation after the call must not change what is sent).
   */
  private setFieldsSlowly(i: number, features: FieldMap | undefined, featureHint: ShapeHint, attributes: FieldMap | undefined, attributeHint: ShapeHint): void {
    // A Promise has no keys of its own, so it always lands here: never on the fast path.
    if (features instanceof Promise || attributes instanceof Promise) throw new PromisedFieldsError()
    const m = i * META
    let featureShape = features === undefined ? NO_FIELDS : this.learn(features, featureHint)
    let attributeShape = attributes === undefined ? NO_FIELDS : this.learn(attributes, attributeHint)
    const featureLength = featureShape >= 0 ? this.shapes.keys[featureShape]!.length : 0
    const attributeLength = attributeShape >= 0 ? this.shapes.keys[attributeShape]!.length : 0
    let start = -1
    if (featureLength + attributeLength > 0) {
      start = this.fields.alloc(featureLength + attributeLength)
      if (start < 0) {
        // No room in the ring: copied as objects instead.
        if (featureShape >= 0) featureShape = OVERFLOW
        if (attributeShape >= 0) attributeShape = OVERFLOW
      }
    }
    // The columns first, so that a map that throws while read leaves a consistent record (clearFields).
    this.meta[m + FIELDS] = start
    this.meta[m + FEATURE_SHAPE] = featureShape
    this.meta[m + ATTRIBUTE_SHAPE] = attributeShape
    if (featureShape >= 0) copyShaped(this.fields, start, features!, featureHint)
    else if (featureShape === OVERFLOW) this.refs.overflowFeatures[i] = snapshot(features!)
    if (attributeShape >= 0) copyShaped(this.fields, start + featureLength, attributes!, attributeHint)
    else if (attributeShape === OVERFLOW) this.refs.overflowAttributes[i] = snapshot(attributes!)
  }

  /**
   * The shape id of `map`'s key list (the hint now names it); NO_FIELDS for a map without keys
   * (the hint is left alone, so it never names an empty list, which a Promise would match); or
   * OVERFLOW when the shape table is full.
   */
  private learn(map: FieldMap, hint: ShapeHint): number {
    const keys: string[] = []
    // Own keys only: one inherited from a prototype (an enumerable key added to Object.prototype)
    // is not a field of the map. (hasKeys's for-in still lists it, so such a map takes this slow
    // path on every call: correct, and only where the prototype was changed.)
    for (const name in map) if (Object.hasOwn(map, name)) keys.push(name)
    if (keys.length === 0) return NO_FIELDS
    const id = this.shapes.idOf(keys)
    if (id < 0) return OVERFLOW
    hint.keys = this.shapes.keys[id]!
    hint.copier = this.shapes.copiers[id]
    hint.id = id
    // The extractor's source proves its keys, and this map has them: no check on later calls.
    hint.proven = hint.fixedKeys !== undefined && isKeySet(keys, hint.fixedKeys)
    return id
  }

  /** Empties record `i`'s features and attributes after reading a map threw (the record is kept, without them). */
  clearFields(i: number): void {
    const m = i * META
    const start = this.meta[m + FIELDS]!
    if (start >= 0) {
      // The segment stays allocated (freed in order on release), holding only missing values.
      const end = start + (this.keysOf(i, FEATURE_SHAPE)?.length ?? 0) + (this.keysOf(i, ATTRIBUTE_SHAPE)?.length ?? 0)
      this.fields.numbers.fill(NaN, start, end)
      this.fields.others.fill(undefined, start, end)
    }
    if (this.meta[m + FEATURE_SHAPE] === OVERFLOW) this.meta[m + FEATURE_SHAPE] = NO_FIELDS
    if (this.meta[m + ATTRIBUTE_SHAPE] === OVERFLOW) this.meta[m + ATTRIBUTE_SHAPE] = NO_FIELDS
    this.refs.overflowFeatures[i] = this.refs.overflowAttributes[i] = undefined
  }

  /**
   * Stores the output. Score and value are stored only when they are numbers (no conversion: a
   * string '0.7', `true` or `[]` is not a score); anything else given is stored as
   * UNUSABLE_NUMBER, left out and counted at export. null and undefined mean "not given". Reading
   * the output may throw (a getter): `clearOutput` then empties it.
   */
  setOutput(i: number, output: PredictionOutput | undefined): void {
    // Small on purpose: inlined into the wrapped call within V8's bytecode budget (see
    // Recorder.record), so what is not a plain number goes through `unusable`, a call the common
    // path never makes.
    if (output === undefined || output === null) return
    if (output.label !== undefined) this.refs.outputLabel[i] = output.label
    const r = i * 6 // NUMBERS (literal offsets: see the layout)
    const score = output.score
    if (score !== undefined) this.numbers[r + 4] = typeof score === 'number' && score === score ? score : unusable(score) // SCORE
    const value = output.value
    if (value !== undefined) this.numbers[r + 5] = typeof value === 'number' && value === value ? value : unusable(value) // VALUE
  }

  clearOutput(i: number): void {
    this.refs.outputLabel[i] = undefined
    const r = i * NUMBERS
    this.numbers[r + SCORE] = NaN
    this.numbers[r + VALUE] = NaN
  }

  /** Hands the indices of up to `max` oldest records to `visit` (which must not throw), then frees them. */
  drain(max: number, visit: (i: number) => void): number {
    const taken = Math.min(max, this.count)
    for (let k = 0; k < taken; k++) {
      let i = this.head + k
      if (i >= this.capacity) i -= this.capacity
      visit(i)
      this.release(i)
    }
    this.head = (this.head + taken) % this.capacity
    this.count -= taken
    return taken
  }

  /** Key list of a record's features or attributes (by its shape column), or undefined. */
  keysOf(i: number, column: typeof FEATURE_SHAPE | typeof ATTRIBUTE_SHAPE): readonly string[] | undefined {
    const shape = this.meta[i * META + column]!
    return shape >= 0 ? this.shapes.keys[shape] : undefined
  }

  /** Record `i` rebuilt as an object (the official exporters' path, and tests). */
  view(i: number): QueuedRecord {
    const r = this.refs
    const outcome = this.metaOf(i, KIND) === KIND_OUTCOME
    const score = this.number(i, SCORE)
    const value = this.number(i, VALUE)
    const hasOutput = r.outputLabel[i] !== undefined || !Number.isNaN(score) || !Number.isNaN(value)
    const fieldStart = this.metaOf(i, FIELDS)
    const featureKeys = this.keysOf(i, FEATURE_SHAPE)
    return {
      kind: outcome ? 'outcome' : 'prediction',
      n: this.number(i, N),
      id: r.id[i],
      timestampMs: this.number(i, TIME),
      latencyMs: this.number(i, LATENCY),
      features: this.metaOf(i, FEATURE_SHAPE) === OVERFLOW ? r.overflowFeatures[i] : this.mapOf(featureKeys, fieldStart),
      attributes: this.metaOf(i, ATTRIBUTE_SHAPE) === OVERFLOW ? r.overflowAttributes[i] : this.mapOf(this.keysOf(i, ATTRIBUTE_SHAPE), fieldStart + (featureKeys?.length ?? 0)),
      output:
        !outcome && hasOutput
          ? {
              ...(r.outputLabel[i] !== undefined ? { label: r.outputLabel[i] } : {}),
              ...(!Number.isNaN(score) ? { score } : {}),
              ...(!Number.isNaN(value) ? { value } : {}),
            }
          : undefined,
      outcome: outcome
        ? {
            ...(r.outcomeLabel[i] !== undefined ? { label: r.outcomeLabel[i] } : {}),
            ...(!Number.isNaN(value) ? { value } : {}),
          }
        : undefined,
      errorType: r.errorType[i],
      errorMessage: r.errorMessage[i],
      traceId: r.span[i]?.traceId,
      spanId: r.span[i]?.spanId,
      items: this.number(i, ITEMS),
    }
  }

  private mapOf(keys: readonly string[] | undefined, start: number): FieldMap | undefined {
    if (keys === undefined) return undefined
    const map: Record<string, FieldValue> = {}
    for (let at = 0; at < keys.length; at++) {
      const value = this.fields.valueAt(start + at)
      if (value !== undefined && value !== null) map[keys[at]!] = value as FieldValue
    }
    return map
  }

  /** Lets the application's values go once a record is exported. */
  private release(i: number): void {
    const start = this.metaOf(i, FIELDS)
    if (start >= 0) this.fields.free(start, (this.keysOf(i, FEATURE_SHAPE)?.length ?? 0) + (this.keysOf(i, ATTRIBUTE_SHAPE)?.length ?? 0))
    const r = this.refs
    r.id[i] = r.outputLabel[i] = r.outcomeLabel[i] = r.errorType[i] = r.errorMessage[i] = undefined
    r.span[i] = undefined
    r.overflowFeatures[i] = r.overflowAttributes[i] = undefined
  }
}

/** Whether `map` has exactly `keys`, in that order (interned strings: compared by identity, cheaply). */
function hasKeys(map: FieldMap, keys: readonly string[]): boolean {
  let at = 0
  for (const name in map) {
    if (name !== keys[at]) return false
    at++
  }
  return at === keys.length
}

/** What a score or value slot holds for `given`, which is not a number or is NaN: NaN (not given) for null, UNUSABLE_NUMBER otherwise. */
function unusable(given: unknown): number {
  return given === null ? NaN : UNUSABLE_NUMBER
}

/** A map's present values, copied into an object of its own (no prototype: any name is a plain key). */
function snapshot(map: FieldMap): FieldMap {
  const copy: Record<string, FieldValue> = Object.create(null)
  for (const name in map) {
    if (!Object.hasOwn(map, name)) continue // inherited: not a field (see learn)
    const value = map[name]
    if (value !== undefined && value !== null) copy[name] = value
  }
  return copy
}

/**
 * Copies the values of `map` (which has the hint's keys) into the ring from `start`: by the shape's
 * compiled copier (named property loads), or by key where the shape has none.
 */
function copyShaped(ring: FieldRing, start: number, map: FieldMap, hint: ShapeHint): void {
  if (hint.copier !== undefined) return hint.copier(ring.numbers, ring.others, start, map)
  const keys = hint.keys
  for (let at = 0; at < keys.length; at++) {
    const value = map[keys[at]!]
    if (typeof value === 'number' && value === value) ring.numbers[start + at] = value
    else {
      ring.numbers[start + at] = NaN
      ring.others[start + at] = value
    }
  }
}
