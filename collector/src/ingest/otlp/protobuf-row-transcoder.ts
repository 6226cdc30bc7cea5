import { AIMS_ATTRIBUTES as A, AIMS_EVENT_NAMES, ENVIRONMENT_ATTRIBUTES, EVENT_NAME_ATTRIBUTE, ID_PATTERN, LIMITS, MODEL_ID_PATTERN, VERSION_PATTERN, checkFieldName, toEventUuid } from '@aims-monitor/schema'
import { BASE_PREDICTION_COLUMNS, RowBinaryWriter, parseColumnName, type ColumnSpec } from '@aims-monitor/store/encoding'
import protobuf from 'protobufjs'
import type { BatchEncoder, EncodedChunk, PredictionLayout } from '../batch-encoder.js'
import { KeysByPosition, KNOWN_KEY_SLOTS, nextRecordSerial, OUTCOME_ONLY_SLOTS, roleOf, RoleKind, SLOT, type KeyRole } from './attribute-key-roles.js'
import { decodeResourceAttributes } from './decode-protobuf.js'
import { OTLP_TAGS, safeInt64At, varintLength, WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-wire.js'
import { timestampMsOfHalves } from './time-and-ids.js'
import { fallbackString, NO_FALLBACK, resourceFallback, type ResourceFallback } from './resource-fallback.js'

/**
 * The direct path of `POST /v1/logs` for protobuf: writes the RowBinary rows of a request's
 * predictions straight from its bytes — no wire event, record, feature map nor string per value —
 * when every record is a valid AIMS prediction of one model and uses only columns the model's table
 * already has. Anything else (an outcome, a new column, an invalid or unusual record, a second
 * model) returns null, and the request takes the event paths (protobuf-fast-events.ts, then the
 * general decoder), which are the authority and write every error message.
 *
 * Why: at 100k SDK calls per second the collector shares two cores with the application, and the
 * event paths spent ~19 µs of a worker's CPU per record (bench/otlp-decode), most of it building
 * objects and strings the rows then copy, and the garbage collection that follows. Written by hand
 * because no protobuf library writes one format's bytes into another's without objects between.
 *
 * Exactness: a row written here is byte for byte the row the event paths write for the same
 * record; where a check is simpler here it is stricter, never looser (a tag or length varint past
 * 31 bits, a key repeated in a record, an outcome or a second model are handed over). A
 * differential test (protobuf-row-transcoder.test.ts) holds it to that on generated and mutated
 * requests and on what the AIMS SDK and the official serializer send.
 */
export interface TranscodedRows {
  /** Log records in the request, every one a prediction stored by `chunk`. */
  records: number
  chunk: EncodedChunk
}

export function transcodePredictionRows(body: Buffer, project: string, encoder: BatchEncoder, receivedMs: number): TranscodedRows | null {
  buf = body
  bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength)
  pos = 0
  forgetStaleKeys()
  writer.reset()
  const request: RequestState = { project, encoder, receivedMs, maxTimestampMs: Date.now() + LIMITS.maxFutureSkewMs, plan: null, modelId: '', modelIdBytes: NO_BYTES, rows: 0 }
  seenIds.clear()
  try {
    while (pos < buf.length) {
      if (varint32(buf.length) !== RESOURCE_LOGS_TAG) return null
      const end = lengthEnd(buf.length)
      if (end < 0 || !readResourceLogs(end, request)) return null
    }
  } catch {
    // A resource the decoder calls malformed, say: the event paths say what is wrong.
    return null
  } finally {
    buf = EMPTY_BODY
    bodyView = EMPTY_VIEW
  }
  const plan = request.plan
  if (plan === null || request.rows === 0 || request.rows > LIMITS.maxEventsPerBatch) return null
  const layout = plan.layout
  return {
    records: request.rows,
    chunk: { target: layout.target, columns: layout.columns as ColumnSpec[], signature: layout.signature, rows: request.rows, bytes: new Uint8Array(writer.view()) },
  }
}

interface RequestState {
  readonly project: string
  readonly encoder: BatchEncoder
  readonly receivedMs: number
  /** Timestamps past this are refused (the wire format's tolerated clock skew). */
  readonly maxTimestampMs: number
  /** The layout of the request's model, known from its first record. */
  plan: LayoutPlan | null
  /** The request's model (every record's), known with the plan. */
  modelId: string
  modelIdBytes: ExpectedBytes
  rows: number
}

// ---- reading the bytes -------------------------------------------------------------------------
// The body being read and the read position, as module state: this runs to completion, one request
// at a time, and locals passed around would cost more than the reads themselves.
const EMPTY_BODY = Buffer.alloc(0)
let buf: Buffer = EMPTY_BODY
const EMPTY_VIEW: DataView = new DataView(new ArrayBuffer(0))
const NO_BYTES: ExpectedBytes = { bytes: EMPTY_BODY, view: EMPTY_VIEW }
let bodyView: DataView = EMPTY_VIEW
let pos = 0

const { resourceLogs: RESOURCE_LOGS_TAG, resource: RESOURCE_TAG, scopeLogs: SCOPE_LOGS_TAG, logRecord: LOG_RECORD_TAG, key: KEY_TAG, value: VALUE_TAG } = OTLP_TAGS

/** A varint of at most 31 bits (tags, lengths), or -1: longer ones, and any past `limit`, are left to the event paths. */
function varint32(limit: number): number {
  const b = buf
  if (pos < limit && b[pos]! < 0x80) return b[pos++]! // one byte: nearly every tag and length
  let value = 0
  for (let shift = 0; shift < 31; shift += 7) {
    if (pos >= limit) return -1
    const byte = b[pos++]!
    value |= (byte & 0x7f) << shift
    if (byte < 0x80) return shift === 28 && byte > 0x07 ? -1 : value
  }
  return -1
}

/** Reads a length and returns where the field ends, or -1 past `limit`. */
function lengthEnd(limit: number): number {
  const length = varint32(limit)
  if (length < 0 || pos + length > limit) return -1
  return pos + length
}

/** Skips a field of an unread field number; false for group wire types and anything malformed. */
function skipField(tag: number, limit: number): boolean {
  if (tag >>> 3 === 0) return false // not a valid field number: the event paths say so
  switch (tag & 7) {
    case WIRE_VARINT:
      for (let i = 0; i < 10; i++) {
        if (pos >= limit) return false
        if (buf[pos++]! < 0x80) return true
      }
      return false
    case WIRE_FIXED64:
      pos += 8
      return pos <= limit
    case WIRE_LENGTH_DELIMITED: {
      const end = lengthEnd(limit)
      if (end < 0) return false
      pos = end
      return true
    }
    case WIRE_FIXED32:
      pos += 4
      return pos <= limit
    default:
      return false
  }
}

function readResourceLogs(end: number, request: RequestState): boolean {
  let fallback = NO_FALLBACK
  let sawScopes = false
  while (pos < end) {
    const tag = varint32(end)
    if (tag === RESOURCE_TAG) {
      // Before its scopes, as every encoder writes it (the event paths' rule too).
      if (sawScopes) return false
      const resourceEnd = lengthEnd(end)
      if (resourceEnd < 0) return false
      const reader = protobuf.Reader.create(buf.subarray(pos, resourceEnd))
      fallback = resourceFallback(decodeResourceAttributes(reader, reader.len))
      pos = resourceEnd
    } else if (tag === SCOPE_LOGS_TAG) {
      sawScopes = true
      const scopeEnd = lengthEnd(end)
      if (scopeEnd < 0 || !readScopeLogs(scopeEnd, fallback, request)) return false
    } else if (tag < 0 || tag >>> 3 === 1 || tag >>> 3 === 2 || !skipField(tag, end)) return false
  }
  return pos === end
}

function readScopeLogs(end: number, fallback: ResourceFallback, request: RequestState): boolean {
  while (pos < end) {
    const tag = varint32(end)
    if (tag === LOG_RECORD_TAG) {
      const recordEnd = lengthEnd(end)
      if (recordEnd < 0 || !transcodeLogRecord(recordEnd, fallback, request)) return false
    } else if (tag < 0 || tag >>> 3 === 2 || !skipField(tag, end)) return false
  }
  return pos === end
}

// ---- the layout a request's rows are written in ----------------------------------------------------
/** What a column of the layout takes, for the columns after the base ones. */
const enum ColumnKind {
  Number,
  Text,
  Boolean,
  Attribute,
}

/** A model's layout, prepared for writing rows in it: which column each feature and attribute fills. */
interface LayoutPlan {
  readonly serial: number
  readonly layout: PredictionLayout
  /** Per column after the base ones. */
  readonly kinds: Uint8Array
  /** Per feature name, its column (after the base ones) for each kind of value; -1 where the layout has none. */
  readonly featureColumns: ReadonlyMap<string, readonly [number: number, text: number, boolean: number]>
  readonly attributeColumns: ReadonlyMap<string, number>
}

const BASE = BASE_PREDICTION_COLUMNS.length
/** The base columns in the order transcodeLogRecord writes them: a change to the layout must change both. */
const WRITTEN_BASE_COLUMNS = ['id', 'ts', 'received', 'model_version', 'environment', 'status', 'error_type', 'output_label', 'output_score', 'output_value', 'latency_ms', 'stream_items', 'trace_id', 'span_id']
if (BASE_PREDICTION_COLUMNS.map((c) => c.name).join() !== WRITTEN_BASE_COLUMNS.join()) {
  throw new Error(`protobuf-row-transcoder.ts writes the base columns ${WRITTEN_BASE_COLUMNS.join(', ')}; the layout has ${BASE_PREDICTION_COLUMNS.map((c) => c.name).join(', ')}`)
}
const plans = new WeakMap<readonly ColumnSpec[], LayoutPlan>()
let planSerial = 0

function planOf(layout: PredictionLayout): LayoutPlan {
  const known = plans.get(layout.columns)
  if (known !== undefined) return known
  const dynamic = layout.columns.slice(BASE)
  const kinds = new Uint8Array(dynamic.length)
  const featureColumns = new Map<string, [number, number, number]>()
  const attributeColumns = new Map<string, number>()
  dynamic.forEach((column, index) => {
    const parsed = parseColumnName(column.name)
    if (parsed.role === 'attribute') {
      kinds[index] = ColumnKind.Attribute
      attributeColumns.set(parsed.attribute, index)
    } else if (parsed.role === 'feature') {
      const columns = featureColumns.get(parsed.feature) ?? [-1, -1, -1]
      const kind = parsed.kind === 'num' ? ColumnKind.Number : parsed.kind === 'str' ? ColumnKind.Text : ColumnKind.Boolean
      columns[kind] = index
      kinds[index] = kind
      featureColumns.set(parsed.feature, columns)
    } else throw new Error(`column ${column.name} of a predictions layout is neither a feature nor an attribute`)
  })
  const plan: LayoutPlan = { serial: ++planSerial, layout, kinds, featureColumns, attributeColumns }
  plans.set(layout.columns, plan)
  ensureValueSlots(DYNAMIC_SLOTS + dynamic.length)
  return plan
}

// ---- the values of the record being read ------------------------------------------------------------
// One slot per key read by name (KNOWN_KEY_SLOTS), a scratch slot (the first record's model id,
// read ahead of the rest), then one per column after the base ones.
// A slot holds a value when its stamp is the record's serial, so nothing is cleared between records.
const SCRATCH_SLOT = KNOWN_KEY_SLOTS.length
const DYNAMIC_SLOTS = SCRATCH_SLOT + 1
const enum ValueKind {
  /** ASCII string at [start, start + length) of the body: stored as its bytes. */
  Ascii,
  /** Any other string, decoded into `valueText`. */
  Text,
  /** A double: its 8 bytes at `start` (decoded only when a check needs its value: numberIn). */
  Double,
  /** An integer value (an int64 within ±(2^53 − 1)), in `valueNumber`. */
  Integer,
  /** `valueNumber` 1 or 0. */
  Boolean,
}
let valueStamp = new Int32Array(0)
let valueKind = new Uint8Array(0)
let valueStart = new Int32Array(0)
let valueLength = new Int32Array(0)
let valueNumber = new Float64Array(0)
let valueText: string[] = []

function ensureValueSlots(count: number): void {
  if (valueStamp.length >= count) return
  const grown = Math.max(count, valueStamp.length * 2, 64)
  valueStamp = new Int32Array(grown).fill(-1)
  valueKind = new Uint8Array(grown)
  valueStart = new Int32Array(grown)
  valueLength = new Int32Array(grown)
  valueNumber = new Float64Array(grown)
  valueText = new Array<string>(grown).fill('')
}
ensureValueSlots(DYNAMIC_SLOTS)

const STRING_VALUE_TAG = (1 << 3) | WIRE_LENGTH_DELIMITED
const BOOL_VALUE_TAG = (2 << 3) | WIRE_VARINT

/**
 * Reads an AnyValue in [pos, end) into value slot `slot` when it is a string, bool, double or safe
 * integer (what the event paths read); false for anything else, which they report.
 */
function readValue(end: number, slot: number, serial: number): boolean {
  if (pos >= end) return false
  const tag = buf[pos++]!
  switch (tag) {
    case STRING_VALUE_TAG: {
      const valueEnd = lengthEnd(end)
      if (valueEnd < 0) return false
      const start = pos
      let ascii = true
      for (let i = start; i < valueEnd; i++) {
        if (buf[i]! >= 0x80) {
          ascii = false
          break
        }
      }
      if (ascii) {
        valueKind[slot] = ValueKind.Ascii
        valueStart[slot] = start
        valueLength[slot] = valueEnd - start
      } else {
        valueKind[slot] = ValueKind.Text
        valueText[slot] = buf.toString('utf8', start, valueEnd)
      }
      pos = valueEnd
      break
    }
    case BOOL_VALUE_TAG: {
      const bit = varint32(end)
      if (bit !== 0 && bit !== 1) return false
      valueKind[slot] = ValueKind.Boolean
      valueNumber[slot] = bit
      break
    }
    case (3 << 3) | WIRE_VARINT: {
      const length = varintLength(buf, pos, end)
      if (length < 0) return false
      const value = safeInt64At(buf, pos, length)
      if (Number.isNaN(value)) return false
      pos += length
      valueKind[slot] = ValueKind.Integer
      valueNumber[slot] = value
      break
    }
    case (4 << 3) | WIRE_FIXED64: {
      // Not decoded: a feature's double is checked for finiteness by its exponent and copied as its bytes.
      if (pos + 8 > end) return false
      valueKind[slot] = ValueKind.Double
      valueStart[slot] = pos
      pos += 8
      break
    }
    default:
      return false
  }
  valueStamp[slot] = serial
  return pos === end
}

function has(slot: number, serial: number): boolean {
  return valueStamp[slot] === serial
}

/** The value in a slot as a number, for the checks (NaN when it is not a number). */
function numberIn(slot: number): number {
  const kind = valueKind[slot]
  return kind === ValueKind.Double ? bodyView.getFloat64(valueStart[slot]!, true) : kind === ValueKind.Integer ? valueNumber[slot]! : NaN
}

/** A number slot's value is finite: a double's exponent bits are not all ones (the bits of ±Infinity and NaN). */
function isFiniteNumber(slot: number): boolean {
  const kind = valueKind[slot]
  if (kind === ValueKind.Integer) return true
  if (kind !== ValueKind.Double) return false
  const start = valueStart[slot]!
  return (buf[start + 7]! & 0x7f) !== 0x7f || (buf[start + 6]! & 0xf0) !== 0xf0
}

function isString(slot: number): boolean {
  const kind = valueKind[slot]
  return kind === ValueKind.Ascii || kind === ValueKind.Text
}

/** A string's length in UTF-16 units, as the wire format's limits count it. */
function stringLength(slot: number): number {
  return valueKind[slot] === ValueKind.Ascii ? valueLength[slot]! : valueText[slot]!.length
}

/** A feature or attribute value the wire format takes: a finite number, a string of 1-256 characters, a boolean. */
function isFieldValue(slot: number): boolean {
  if (valueKind[slot] === ValueKind.Boolean) return true
  if (isString(slot)) {
    const length = stringLength(slot)
    return length >= 1 && length <= LIMITS.maxStringValueLength
  }
  return isFiniteNumber(slot)
}

/** The slot's ASCII bytes match a pattern given as a table of allowed bytes, the first byte's own table, and a length range. */
function asciiMatches(slot: number, first: Uint8Array, rest: Uint8Array, maxLength: number): boolean {
  if (valueKind[slot] !== ValueKind.Ascii) return false
  const start = valueStart[slot]!
  const length = valueLength[slot]!
  if (length < 1 || length > maxLength || first[buf[start]!] !== 1) return false
  for (let i = start + 1; i < start + length; i++) if (rest[buf[i]!] !== 1) return false
  return true
}

/**
 * Which ASCII bytes a pattern of the wire format (schema's patterns.ts) takes first and after the
 * first, read from the pattern itself (1 where allowed), so the two cannot disagree. Right for the
 * patterns used here, a class then a class repeated (`^[…][…]*$`, `^[…]+$`); the differential test
 * would show a pattern of another shape.
 */
function byteTables(pattern: RegExp): { first: Uint8Array; rest: Uint8Array } {
  const first = new Uint8Array(256)
  const rest = new Uint8Array(256)
  for (let byte = 0; byte < 128; byte++) if (pattern.test(String.fromCharCode(byte))) first[byte] = 1
  const lead = String.fromCharCode(first.indexOf(1))
  for (let byte = 0; byte < 128; byte++) if (pattern.test(lead + String.fromCharCode(byte))) rest[byte] = 1
  return { first, rest }
}
const ID = byteTables(ID_PATTERN)
const MODEL_ID = byteTables(MODEL_ID_PATTERN)
const VERSION = byteTables(VERSION_PATTERN)

// ---- keys, found by their bytes at their position in the record ------------------------------------
/** A key's role, and the column of its layout it fills (resolved again when the layout changes). */
interface KeyAtPosition {
  /** The key's bytes (`bytes` for cachedWithBytes, `expected` for bytesEqual). */
  bytes: Uint8Array
  expected: ExpectedBytes
  role: KeyRole
  /** The plan `columns` was resolved for. */
  planSerial: number
  /** For a feature: its column for each kind of value (-1: none); for an attribute, [column, -1, -1]. */
  columns: readonly [number, number, number]
  /** Whether the feature's or attribute's name is one the wire format takes. */
  validName: boolean
}
const NO_COLUMNS = [-1, -1, -1] as const
const keysAtPosition = new KeysByPosition<KeyAtPosition>()
/** The entry each position had in the last record: tried first, by a four-bytes-at-a-time compare. */
const lastKeyAt: (KeyAtPosition | undefined)[] = []

/** Empties the key caches when the role table has started over (KeysByPosition.forgetIfStale); true then. */
function forgetStaleKeys(): boolean {
  if (!keysAtPosition.forgetIfStale()) return false
  lastKeyAt.length = 0
  return true
}

/**
 * The key at [start, start + length): the one this position had in the last record, else one of
 * its cached keys with these bytes, else looked up. Undefined when the role table started over
 * while the request was being read: the roles of its records read so far may be stale, so the
 * request is handed over.
 */
function keyAt(start: number, length: number, position: number, plan: LayoutPlan): KeyAtPosition | undefined {
  const keep = position < KeysByPosition.MAX_POSITIONS
  let entry: KeyAtPosition | undefined = keep ? lastKeyAt[position] : undefined
  if (entry === undefined || !bytesEqual(start, length, entry.expected)) entry = keysAtPosition.find(buf, start, length, position)
  if (entry === undefined) {
    const role = roleOf(buf.toString('utf8', start, start + length))
    if (forgetStaleKeys()) return undefined
    const validName = (role.kind === RoleKind.Feature || role.kind === RoleKind.Attribute) && checkFieldName(role.name) === undefined
    const expected = expectedBytes(Uint8Array.prototype.slice.call(buf, start, start + length))
    entry = { bytes: expected.bytes, expected, role, planSerial: -1, columns: NO_COLUMNS, validName }
    keysAtPosition.remember(position, entry)
  }
  if (entry.planSerial !== plan.serial) {
    const { role } = entry
    entry.columns =
      role.kind === RoleKind.Feature ? (plan.featureColumns.get(role.name) ?? NO_COLUMNS)
        : role.kind === RoleKind.Attribute ? [plan.attributeColumns.get(role.name) ?? -1, -1, -1]
          : NO_COLUMNS
    entry.planSerial = plan.serial
  }
  if (keep) lastKeyAt[position] = entry
  return entry
}

// ---- one record ------------------------------------------------------------------------------------
/** LogRecord fields read here: one of them with another wire type is malformed, for the event paths to report. */
const READ_FIELDS = (1 << 1) | (1 << 6) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)
/** The record's time_unix_nano and observed_time_unix_nano, each as its low and high 32-bit halves (0 when unset). */
const timeHalves = new Uint32Array(4)
/** LogRecord's bytes fields read by where they are: trace_id, span_id, event_name (by field number). */
const TRACE_ID = 9
const SPAN_ID = 10
const EVENT_NAME = 12
const byteFieldStart = new Int32Array(13)
const byteFieldLength = new Int32Array(13)
const PREDICTION_EVENT_NAME = expectedBytes(Buffer.from(AIMS_EVENT_NAMES.prediction))

const S_ID = SLOT[A.predictionId]
const S_MODEL_ID = SLOT[A.modelId]
const S_VERSION = SLOT[A.modelVersion]
const S_LABEL = SLOT[A.outputLabel]
const S_SCORE = SLOT[A.outputScore]
const S_VALUE = SLOT[A.outputValue]
const S_LATENCY = SLOT[A.latencyMs]
const S_ITEMS = SLOT[A.streamItems]
const S_ERROR_TYPE = SLOT[A.errorType]
const S_ERROR_MESSAGE = SLOT[A.errorMessage]
const S_EVENT_NAME = SLOT[EVENT_NAME_ATTRIBUTE]
const S_ENVIRONMENT = [SLOT[ENVIRONMENT_ATTRIBUTES[0]], SLOT[ENVIRONMENT_ATTRIBUTES[1]]] as const

const writer = new RowBinaryWriter(1024 * 1024)

/**
 * Reads one log record in [pos, end) and, when it is a valid prediction of the request's model
 * whose every field has a column, writes its row; false otherwise (nothing of the request is kept).
 */
function transcodeLogRecord(end: number, fallback: ResourceFallback, request: RequestState): boolean {
  const serial = nextRecordSerial()
  timeHalves.fill(0)
  byteFieldStart[TRACE_ID] = byteFieldStart[SPAN_ID] = byteFieldStart[EVENT_NAME] = -1
  byteFieldLength[TRACE_ID] = byteFieldLength[SPAN_ID] = byteFieldLength[EVENT_NAME] = 0
  let features = 0
  let attributes = 0
  let position = 0
  // Attributes go straight to their columns, so the model's layout must be known before they are
  // read: the request's first record is read ahead for its model id (planForFirstRecord); every
  // later record must be of that model (hasRequestModel, once it is read).
  let plan = request.plan
  const attributesStart = pos
  if (plan === null) {
    plan = planForFirstRecord(end, fallback, request)
    if (plan === null) return false
    pos = attributesStart
  }
  while (pos < end) {
    const tag = varint32(end)
    switch (tag) {
      case (1 << 3) | WIRE_FIXED64:
      case (11 << 3) | WIRE_FIXED64:
        // time_unix_nano, observed_time_unix_nano: their two 32-bit halves (a repeat replaces).
        if (pos + 8 > end) return false
        timeHalves[tag >>> 3 === 1 ? 0 : 2] = buf.readUInt32LE(pos)
        timeHalves[tag >>> 3 === 1 ? 1 : 3] = buf.readUInt32LE(pos + 4)
        pos += 8
        break
      case (6 << 3) | WIRE_LENGTH_DELIMITED: {
        const kvEnd = lengthEnd(end)
        if (kvEnd < 0 || varint32(kvEnd) !== KEY_TAG) return false
        const keyEnd = lengthEnd(kvEnd)
        if (keyEnd < 0) return false
        const key = keyAt(pos, keyEnd - pos, position++, plan)
        if (key === undefined) return false
        pos = keyEnd
        const role = key.role
        if (role.stamp === serial) return false // a repeated key: the event paths take the last
        role.stamp = serial
        if (varint32(kvEnd) !== VALUE_TAG) return false
        const valueEnd = lengthEnd(kvEnd)
        if (valueEnd !== kvEnd) return false
        const kind = role.kind
        if (kind === RoleKind.Ignored) {
          pos = valueEnd
          break
        }
        if (kind === RoleKind.Known) {
          if (!readValue(valueEnd, role.slot, serial)) return false
          break
        }
        if (!key.validName) return false // also Unknown and the own-property names
        // The value's tag says which of the feature's columns it fills (AnyValue's string, bool,
        // int or double); readValue then checks it is that and nothing else.
        let column: number
        if (kind === RoleKind.Feature) {
          if (++features > LIMITS.maxFeatures) return false
          const valueTag = pos < valueEnd ? buf[pos]! : 0
          column = key.columns[valueTag === STRING_VALUE_TAG ? ColumnKind.Text : valueTag === BOOL_VALUE_TAG ? ColumnKind.Boolean : ColumnKind.Number]
        } else {
          if (++attributes > LIMITS.maxAttributes) return false
          column = key.columns[0]
        }
        if (column < 0) return false // a column the layout does not have yet: the event paths add it
        const slot = DYNAMIC_SLOTS + column
        if (!readValue(valueEnd, slot, serial) || !isFieldValue(slot)) return false
        break
      }
      case (9 << 3) | WIRE_LENGTH_DELIMITED:
      case (10 << 3) | WIRE_LENGTH_DELIMITED:
      case (12 << 3) | WIRE_LENGTH_DELIMITED: {
        // trace_id, span_id, event_name: where their bytes are (a repeat replaces, as in the event paths).
        const fieldEnd = lengthEnd(end)
        if (fieldEnd < 0) return false
        byteFieldStart[tag >>> 3] = pos
        byteFieldLength[tag >>> 3] = fieldEnd - pos
        pos = fieldEnd
        break
      }
      default:
        if (tag < 0) return false
        if (tag >>> 3 < 32 && (READ_FIELDS >>> (tag >>> 3)) & 1) return false
        if (!skipField(tag, end)) return false
    }
  }
  if (pos !== end) return false
  // The event: event_name, else the event.name attribute; predictions only.
  if (byteFieldLength[EVENT_NAME]! > 0) {
    if (!bytesEqual(byteFieldStart[EVENT_NAME]!, byteFieldLength[EVENT_NAME]!, PREDICTION_EVENT_NAME)) return false
  } else if (!has(S_EVENT_NAME, serial) || valueKind[S_EVENT_NAME] !== ValueKind.Ascii || !bytesEqual(valueStart[S_EVENT_NAME]!, valueLength[S_EVENT_NAME]!, PREDICTION_EVENT_NAME)) return false
  for (const slot of OUTCOME_ONLY_SLOTS) if (has(slot, serial)) return false
  if (!hasRequestModel(serial, fallback, request)) return false
  const timestampMs = acceptedTimestamp(timeHalves[1]!, timeHalves[0]!, timeHalves[3]!, timeHalves[2]!, request.maxTimestampMs)
  if (timestampMs === undefined) return false
  // The id: a printable-ASCII string of 1-128 bytes, once in the request.
  if (!has(S_ID, serial) || !asciiMatches(S_ID, ID.first, ID.rest, LIMITS.maxIdLength)) return false
  const idStart = valueStart[S_ID]!
  const idLength = valueLength[S_ID]!
  if (!seenIds.add(idStart, idLength)) return false // a repeat: the event paths say of which record
  if (request.rows >= LIMITS.maxEventsPerBatch) return false // too many: the event paths say so
  const version = versionOf(serial, fallback)
  if (version === null || version === undefined) return false
  const environment = environmentOf(serial, fallback)
  if (environment === null) return false
  if (!hasValidMeasures(serial)) return false
  const traceOk = idState(byteFieldStart[TRACE_ID]!, byteFieldLength[TRACE_ID]!, 16)
  const spanOk = idState(byteFieldStart[SPAN_ID]!, byteFieldLength[SPAN_ID]!, 8)
  if (traceOk === null || spanOk === null) return false

  // Valid: the row, in the layout's column order (BASE_PREDICTION_COLUMNS, then the plan's).
  if (idLength === 36 && isCanonicalUuid(idStart)) writer.uuidFromAscii(buf, idStart)
  else writer.uuid(toEventUuid(buf.toString('latin1', idStart, idStart + idLength)))
  writer.datetime64ms(timestampMs)
  writer.datetime64ms(request.receivedMs)
  if (typeof version === 'number') writeString(version)
  else writer.string(version)
  if (environment === undefined) writer.string(DEFAULT_ENVIRONMENT)
  else if (typeof environment === 'number') writeString(environment)
  else writer.string(environment)
  const failed = has(S_ERROR_TYPE, serial)
  writer.string(failed ? 'error' : 'ok')
  if (failed) writeString(S_ERROR_TYPE)
  else writer.string('')
  if (has(S_LABEL, serial)) writeLabel(S_LABEL)
  else writer.string('')
  writeOptionalNumber(S_SCORE, serial)
  writeOptionalNumber(S_VALUE, serial)
  writeOptionalNumber(S_LATENCY, serial)
  writeOptionalNumber(S_ITEMS, serial)
  if (traceOk) writer.hexString(buf, byteFieldStart[TRACE_ID]!, byteFieldLength[TRACE_ID]!)
  else writer.string('')
  if (spanOk) writer.hexString(buf, byteFieldStart[SPAN_ID]!, byteFieldLength[SPAN_ID]!)
  else writer.string('')
  const kinds = plan.kinds
  for (let c = 0; c < kinds.length; c++) {
    const slot = DYNAMIC_SLOTS + c
    const present = valueStamp[slot] === serial
    switch (kinds[c]) {
      case ColumnKind.Number:
      case ColumnKind.Boolean:
        if (!present) writer.float64(NaN)
        else if (valueKind[slot] === ValueKind.Double) writer.float64FromBytes(buf, valueStart[slot]!)
        else writer.float64(valueNumber[slot]!)
        break
      case ColumnKind.Text:
        if (present) writeString(slot)
        else writer.string('')
        break
      default:
        if (present) writeLabel(slot)
        else writer.string('')
    }
  }
  request.rows++
  return true
}

/**
 * The prediction ids of the request being read, by where their bytes are in the body: an
 * open-addressing table of (start, length), found by a hash of the bytes and confirmed by comparing
 * them. Why not a Set of strings: making a string of every id, and hashing it, was a twentieth of
 * the transcoding (ids are ASCII, so equal bytes are equal ids, which is what the event paths compare).
 */
class SeenIds {
  /** Capacity for the most records a request may have, at most half full. */
  private readonly mask = (1 << Math.ceil(Math.log2(LIMITS.maxEventsPerBatch * 2 + 2))) - 1
  /** start + 1 of the id in each slot (0: empty), and its length. */
  private readonly starts = new Int32Array(this.mask + 1)
  private readonly lengths = new Int32Array(this.mask + 1)
  private count = 0

  clear(): void {
    if (this.count > 0) this.starts.fill(0)
    this.count = 0
  }

  /** Adds the id at [start, start + length); false when the request had it already (or is past its size). */
  add(start: number, length: number): boolean {
    if (this.count > LIMITS.maxEventsPerBatch) return false
    let hash = 0x811c9dc5
    for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193)
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const stored = this.starts[slot]!
      if (stored === 0) {
        this.starts[slot] = start + 1
        this.lengths[slot] = length
        this.count++
        return true
      }
      if (this.lengths[slot] === length && sameBodyBytes(stored - 1, start, length)) return false
    }
  }
}
const seenIds = new SeenIds()

function sameBodyBytes(a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (buf[a + i] !== buf[b + i]) return false
  return true
}

/** Environment of a prediction that names none (to-records.ts's DEFAULT_ENVIRONMENT). */
const DEFAULT_ENVIRONMENT = 'production'

/**
 * The first record's model, found before its attributes are read (they are put in the model's
 * columns as they are read): the record's own model id, else its resource's. Null when the model
 * is invalid or its layout is not known yet (its first request takes the event paths, which make it).
 */
function planForFirstRecord(end: number, fallback: ResourceFallback, request: RequestState): LayoutPlan | null {
  let modelId: string | null | undefined
  while (pos < end) {
    const tag = varint32(end)
    if (tag !== ((6 << 3) | WIRE_LENGTH_DELIMITED)) {
      if (tag < 0 || !skipField(tag, end)) return null
      continue
    }
    const kvEnd = lengthEnd(end)
    if (kvEnd < 0 || varint32(kvEnd) !== KEY_TAG) return null
    const keyEnd = lengthEnd(kvEnd)
    if (keyEnd < 0) return null
    const isModelKey = bytesEqual(pos, keyEnd - pos, MODEL_ID_KEY)
    pos = keyEnd
    if (isModelKey) {
      if (varint32(kvEnd) !== VALUE_TAG || lengthEnd(kvEnd) !== kvEnd || !readValue(kvEnd, SCRATCH_SLOT, -2)) return null
      modelId = valueKind[SCRATCH_SLOT] === ValueKind.Ascii ? buf.toString('latin1', valueStart[SCRATCH_SLOT]!, valueStart[SCRATCH_SLOT]! + valueLength[SCRATCH_SLOT]!) : null
    }
    pos = kvEnd
  }
  if (modelId === undefined) modelId = fallbackString(fallback, A.modelId)
  if (modelId === null || modelId === undefined || !matchesText(modelId, MODEL_ID.first, MODEL_ID.rest, LIMITS.maxModelIdLength)) return null
  const layout = request.encoder.layoutOf(request.project, modelId)
  if (layout === undefined) return null
  request.modelId = modelId
  request.modelIdBytes = expectedBytes(Buffer.from(modelId, 'latin1'))
  request.plan = planOf(layout)
  return request.plan
}
const MODEL_ID_KEY = expectedBytes(Buffer.from(A.modelId))

/** The record is of the request's model: its own model id, else its resource's, is the request's. */
function hasRequestModel(serial: number, fallback: ResourceFallback, request: RequestState): boolean {
  if (has(S_MODEL_ID, serial)) return valueKind[S_MODEL_ID] === ValueKind.Ascii && bytesEqual(valueStart[S_MODEL_ID]!, valueLength[S_MODEL_ID]!, request.modelIdBytes)
  return fallbackString(fallback, A.modelId) === request.modelId
}

/**
 * The model version: a slot number (the record's own, written from its bytes), the resource's
 * text, null when invalid or absent (a prediction must have one).
 */
function versionOf(serial: number, fallback: ResourceFallback): number | string | null {
  if (has(S_VERSION, serial)) return asciiMatches(S_VERSION, VERSION.first, VERSION.rest, LIMITS.maxVersionLength) ? S_VERSION : null
  const text = fallbackString(fallback, A.modelVersion)
  return typeof text === 'string' && matchesText(text, VERSION.first, VERSION.rest, LIMITS.maxVersionLength) ? text : null
}

/**
 * The environment, found as the mapping finds it (the first environment key on the record, else
 * the first on the resource): a slot number, the resource's text, undefined when none, null when invalid.
 */
function environmentOf(serial: number, fallback: ResourceFallback): number | string | undefined | null {
  for (const slot of S_ENVIRONMENT) {
    if (has(slot, serial)) return asciiMatches(slot, VERSION.first, VERSION.rest, LIMITS.maxVersionLength) ? slot : null
  }
  for (const key of ENVIRONMENT_ATTRIBUTES) {
    const text = fallbackString(fallback, key)
    if (text === undefined) continue
    return typeof text === 'string' && matchesText(text, VERSION.first, VERSION.rest, LIMITS.maxVersionLength) ? text : null
  }
  return undefined
}

/** The output, latency, stream items and error as the wire format takes them (fast-accept.ts's checks). */
function hasValidMeasures(serial: number): boolean {
  if (has(S_LABEL, serial) && !isLabel(S_LABEL)) return false
  if (has(S_SCORE, serial) && !isFiniteNumber(S_SCORE)) return false
  if (has(S_VALUE, serial) && !isFiniteNumber(S_VALUE)) return false
  if (has(S_LATENCY, serial)) {
    const latency = numberIn(S_LATENCY)
    if (!(latency >= 0 && latency <= LIMITS.maxLatencyMs)) return false
  }
  if (has(S_ITEMS, serial)) {
    const items = numberIn(S_ITEMS)
    if (!(Number.isInteger(items) && items >= 0 && items <= LIMITS.maxStreamItems)) return false
  }
  const failed = has(S_ERROR_TYPE, serial)
  if (failed && !(isString(S_ERROR_TYPE) && stringLength(S_ERROR_TYPE) >= 1 && stringLength(S_ERROR_TYPE) <= LIMITS.maxVersionLength * 2)) return false
  if (has(S_ERROR_MESSAGE, serial) && !(failed && isString(S_ERROR_MESSAGE) && stringLength(S_ERROR_MESSAGE) <= LIMITS.maxErrorMessageLength)) return false
  return true
}

/** A label: a string of 1-256 characters, a finite number or a boolean. */
function isLabel(slot: number): boolean {
  if (isString(slot)) return stringLength(slot) >= 1 && stringLength(slot) <= LIMITS.maxStringValueLength
  return valueKind[slot] === ValueKind.Boolean || isFiniteNumber(slot)
}

/** The time in ms as the wire format keeps it (timestampMsOfHalves), within the accepted range and rounded; undefined otherwise. */
function acceptedTimestamp(timeHigh: number, timeLow: number, observedHigh: number, observedLow: number, maxMs: number): number | undefined {
  const ms = timestampMsOfHalves(timeHigh, timeLow, observedHigh, observedLow)
  if (ms === undefined || !(ms >= LIMITS.minTimestampMs && ms <= maxMs)) return undefined
  return Math.round(ms)
}

/** A trace or span id field: true for an id of `size` bytes, false for none (absent, empty or all zeros: OTLP's "no id"), null for any other. */
function idState(start: number, length: number, size: number): boolean | null {
  if (start < 0) return false
  let zero = true
  for (let i = start; i < start + length; i++) {
    if (buf[i] !== 0) {
      zero = false
      break
    }
  }
  if (zero) return false
  return length === size ? true : null
}

/** Bytes to compare the body's with (bytesEqual), with a view of them for reading four at a time. */
interface ExpectedBytes {
  readonly bytes: Uint8Array
  readonly view: DataView
}

function expectedBytes(bytes: Uint8Array): ExpectedBytes {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) }
}

function bytesEqual(start: number, length: number, expected: ExpectedBytes): boolean {
  const bytes = expected.bytes
  if (length !== bytes.length) return false
  // Four bytes at a time: keys are ~25 bytes, compared ~20 times per record.
  const words = length & ~3
  const view = bodyView
  const expectedView = expected.view
  for (let i = 0; i < words; i += 4) if (view.getInt32(start + i) !== expectedView.getInt32(i)) return false
  const b = buf
  for (let i = words; i < length; i++) if (b[start + i] !== bytes[i]) return false
  return true
}

/** 36 ASCII bytes in the canonical UUID form (hex digits of either case, dashes at 8, 13, 18, 23). */
function isCanonicalUuid(start: number): boolean {
  for (let i = 0; i < 36; i++) {
    const byte = buf[start + i]!
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (byte !== 0x2d) return false
    } else if (HEX_BYTES[byte] !== 1) return false
  }
  return true
}
const HEX_BYTES = byteTables(/^[0-9a-fA-F]+$/).first

/** A text's characters match a pattern's byte tables, and its length is within 1..maxLength. */
function matchesText(text: string, first: Uint8Array, rest: Uint8Array, maxLength: number): boolean {
  if (text.length < 1 || text.length > maxLength) return false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code >= 128 || (i === 0 ? first : rest)[code] !== 1) return false
  }
  return true
}

/** A string slot's value: its bytes when ASCII, else its decoded text (as `writer.string` encodes it). */
function writeString(slot: number): void {
  if (valueKind[slot] === ValueKind.Ascii) writer.stringFromBytes(buf, valueStart[slot]!, valueLength[slot]!)
  else writer.string(valueText[slot]!)
}

/** A label or attribute value as text: a string as it is, a number or boolean as `String(value)` writes it. */
function writeLabel(slot: number): void {
  const kind = valueKind[slot]
  if (kind === ValueKind.Ascii || kind === ValueKind.Text) writeString(slot)
  else if (kind === ValueKind.Boolean) writer.string(valueNumber[slot] === 1 ? 'true' : 'false')
  else writer.string(String(numberIn(slot)))
}

function writeOptionalNumber(slot: number, serial: number): void {
  if (!has(slot, serial)) writer.float64(NaN)
  else if (valueKind[slot] === ValueKind.Double) writer.float64FromBytes(buf, valueStart[slot]!)
  else writer.float64(valueNumber[slot]!)
}
