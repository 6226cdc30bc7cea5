import type { SpanContext } from '@opentelemetry/api'
import { AIMS_ATTRIBUTES as A, AIMS_EVENT_NAMES, LIMITS } from '@aims-monitor/schema'
import type { FieldSanitizer } from './field-sanitizer.js'
import type { FieldShapes } from './field-shapes.js'
import type { PredictionIds } from './prediction-ids.js'
import { ProtobufWriter, stringField, utf8Length, varintSize } from './protobuf-writer.js'
import { ATTRIBUTE_SHAPE, FEATURE_SHAPE, FIELDS, ITEMS, KIND, KIND_OUTCOME, LATENCY, N, OVERFLOW, SCORE, TIME, VALUE, type RecordQueue } from './record-queue.js'
import type { FieldMap, FieldValue } from './types.js'

/*
 * Field numbers and tags, from the OTLP definitions (opentelemetry-proto v1:
 * collector/logs/v1/logs_service.proto, logs/v1/logs.proto, common/v1/common.proto,
 * resource/v1/resource.proto). A tag byte is (field << 3) | wire type.
 */
const TAG_REQUEST_RESOURCE_LOGS = 0x0a // ExportLogsServiceRequest.resource_logs = 1, message
const TAG_RESOURCE_LOGS_RESOURCE = 0x0a // ResourceLogs.resource = 1, message
const TAG_RESOURCE_LOGS_SCOPE_LOGS = 0x12 // ResourceLogs.scope_logs = 2, message
const TAG_SCOPE_LOGS_SCOPE = 0x0a // ScopeLogs.scope = 1, message
const TAG_SCOPE_LOGS_LOG_RECORD = 0x12 // ScopeLogs.log_records = 2, message
const TAG_RESOURCE_ATTRIBUTE = 0x0a // Resource.attributes = 1, message
const TAG_RESOURCE_DROPPED = 0x10 // Resource.dropped_attributes_count = 2, varint
const FIELD_SCOPE_NAME = 1 // InstrumentationScope.name, string
const FIELD_SCOPE_VERSION = 2 // InstrumentationScope.version, string
const TAG_LOG_TIME = 0x09 // LogRecord.time_unix_nano = 1, fixed64
const TAG_LOG_SEVERITY_NUMBER = 0x10 // LogRecord.severity_number = 2, varint
const FIELD_LOG_SEVERITY_TEXT = 3 // LogRecord.severity_text, string
const TAG_LOG_ATTRIBUTE = 0x32 // LogRecord.attributes = 6, message
const TAG_LOG_DROPPED = 0x38 // LogRecord.dropped_attributes_count = 7, varint
const TAG_LOG_FLAGS = 0x45 // LogRecord.flags = 8, fixed32
const TAG_LOG_TRACE_ID = 0x4a // LogRecord.trace_id = 9, bytes
const TAG_LOG_SPAN_ID = 0x52 // LogRecord.span_id = 10, bytes
const TAG_LOG_OBSERVED_TIME = 0x59 // LogRecord.observed_time_unix_nano = 11, fixed64
const FIELD_LOG_EVENT_NAME = 12 // LogRecord.event_name, string
const FIELD_KEY = 1 // KeyValue.key, string
const TAG_KEY_VALUE_VALUE = 0x12 // KeyValue.value = 2, message
const TAG_ANY_STRING = 0x0a // AnyValue.string_value = 1, string
const TAG_ANY_BOOL = 0x10 // AnyValue.bool_value = 2, varint
const TAG_ANY_INT = 0x18 // AnyValue.int_value = 3, varint (int64)
const TAG_ANY_DOUBLE = 0x21 // AnyValue.double_value = 4, fixed64

const SEVERITY_INFO = 9
/** TraceFlags.SAMPLED, as the official path sets it on the record's span context. */
const TRACE_FLAGS = 1
/** Record lengths take at most 3 varint bytes (2 MiB): 200 features of 256 characters stay far below. */
const RECORD_LENGTH_BYTES = 3

/** Per shape: each position's key field (`aims.feature.<name>` as KeyValue.key bytes) and checks, computed once. */
interface ShapeEncoding {
  keyFields: Uint8Array[]
  allowed: boolean[]
  hashed: boolean[]
}

/**
 * Encodes queued records as an OTLP ExportLogsServiceRequest in protobuf, straight from the
 * queue's columns: no ReadableLogRecord, no attributes object, no hex strings per record. Keys are
 * encoded once per shape, prediction ids are written from the call number, a span's ids once per
 * span. The output is, byte for byte, what the official serializer (@opentelemetry/otlp-transformer
 * 0.301) writes for the records toLogRecord builds — same fields, same order, same number
 * encodings (integers as int_value, other numbers as double_value) — which the tests check; the
 * limits and hashing are the FieldSanitizer's, applied the same way. One difference: an integer
 * beyond ±(2^53 - 1) is written here as a double, which the collector takes, where the official
 * serializer would write an int_value it refuses (toLogRecord leaves such values out, counted).
 *
 * Use: `begin()`, `add(queue, i)` per record (in the queue's drain), `finish()`.
 */
export class OtlpLogEncoder {
  private readonly resourceField: Uint8Array
  private readonly scopeField: Uint8Array
  /** Room left before the first record for the request's header (written last, backwards). */
  private readonly headerRoom: number
  /** severity_number and severity_text (INFO), as the official path sets them. */
  private readonly severityFields = concat([Uint8Array.of(TAG_LOG_SEVERITY_NUMBER, SEVERITY_INFO), stringField(FIELD_LOG_SEVERITY_TEXT, 'INFO')])
  private readonly predictionEventName = stringField(FIELD_LOG_EVENT_NAME, AIMS_EVENT_NAMES.prediction)
  private readonly outcomeEventName = stringField(FIELD_LOG_EVENT_NAME, AIMS_EVENT_NAMES.outcome)
  private readonly keys = {
    predictionId: stringField(FIELD_KEY, A.predictionId),
    outputLabel: stringField(FIELD_KEY, A.outputLabel),
    outputScore: stringField(FIELD_KEY, A.outputScore),
    outputValue: stringField(FIELD_KEY, A.outputValue),
    errorType: stringField(FIELD_KEY, A.errorType),
    errorMessage: stringField(FIELD_KEY, A.errorMessage),
    streamItems: stringField(FIELD_KEY, A.streamItems),
    latencyMs: stringField(FIELD_KEY, A.latencyMs),
    outcomeLabel: stringField(FIELD_KEY, A.outcomeLabel),
    outcomeValue: stringField(FIELD_KEY, A.outcomeValue),
  }
  /** The prediction id attribute up to the id's last 12 hex digits (the monitor's prefix). */
  private readonly predictionIdHead: Uint8Array
  private readonly featureShapes: Array<ShapeEncoding | undefined> = []
  private readonly attributeShapes: Array<ShapeEncoding | undefined> = []
  /** Key fields of names met in overflow maps, bounded. */
  private readonly overflowKeys = new Map<string, Uint8Array>()
  private lastSpan: SpanContext | undefined
  private lastSpanFields = new Uint8Array(0)
  private writer: ProtobufWriter | undefined
  private bytesPerRecord = 512

  constructor(
    resourceAttributes: Readonly<Record<string, unknown>>,
    scope: { name: string; version: string },
    ids: PredictionIds,
    private readonly sanitizer: FieldSanitizer,
    private readonly shapes: FieldShapes,
  ) {
    this.resourceField = message(TAG_RESOURCE_LOGS_RESOURCE, (w) => {
      for (const key in resourceAttributes) {
        const value = resourceAttributes[key]
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') keyValue(w, TAG_RESOURCE_ATTRIBUTE, stringField(FIELD_KEY, key), value)
      }
      w.byte(TAG_RESOURCE_DROPPED)
      w.byte(0)
    })
    this.scopeField = message(TAG_SCOPE_LOGS_SCOPE, (w) => {
      w.raw(stringField(FIELD_SCOPE_NAME, scope.name))
      if (scope.version) w.raw(stringField(FIELD_SCOPE_VERSION, scope.version))
    })
    this.headerRoom = 1 + 5 + this.resourceField.length + 1 + 5 + this.scopeField.length
    // KeyValue(aims.prediction.id, string of 36 ASCII characters): everything up to the last 12 digits.
    const idLength = ids.prefix.length + 12
    const anyLength = 2 + idLength
    const keyValueLength = this.keys.predictionId.length + 2 + anyLength
    this.predictionIdHead = concat([
      Uint8Array.of(TAG_LOG_ATTRIBUTE, keyValueLength),
      this.keys.predictionId,
      Uint8Array.of(TAG_KEY_VALUE_VALUE, anyLength, TAG_ANY_STRING, idLength),
      Buffer.from(ids.prefix, 'latin1'),
    ])
  }

  /** Starts a request. */
  begin(expectedRecords: number): void {
    this.writer = new ProtobufWriter(this.headerRoom + expectedRecords * this.bytesPerRecord + 1024, this.headerRoom)
  }

  /** Appends record `i` of `queue`. If it throws, the request is left as it was before the call. */
  add(queue: RecordQueue, i: number): void {
    const w = this.writer!
    const mark = w.pos
    try {
      w.ensure(256)
      w.byte(TAG_SCOPE_LOGS_LOG_RECORD)
      const start = w.beginMessage(RECORD_LENGTH_BYTES)
      const timeMs = queue.number(i, TIME)
      w.byte(TAG_LOG_TIME)
      writeEpochNanos(w, timeMs)
      w.raw(this.severityFields)
      if (queue.metaOf(i, KIND) === KIND_OUTCOME) {
        this.outcomeAttributes(queue, i)
        w.ensure(128)
        w.byte(TAG_LOG_DROPPED)
        w.byte(0)
        w.byte(TAG_LOG_OBSERVED_TIME)
        writeEpochNanos(w, timeMs)
        w.raw(this.outcomeEventName)
      } else {
        this.predictionAttributes(queue, i)
        w.ensure(128)
        w.byte(TAG_LOG_DROPPED)
        w.byte(0)
        const span = queue.refs.span[i]
        if (span !== undefined) w.raw(this.spanFields(span))
        w.byte(TAG_LOG_OBSERVED_TIME)
        writeEpochNanos(w, timeMs)
        w.raw(this.predictionEventName)
      }
      w.endMessage(start, RECORD_LENGTH_BYTES)
    } catch (error) {
      w.pos = mark
      throw error
    }
  }

  /** The request, or undefined when no record was added. */
  finish(): Uint8Array | undefined {
    const w = this.writer!
    this.writer = undefined
    const recordsLength = w.pos - this.headerRoom
    if (recordsLength === 0) return undefined
    const scopeLogsLength = this.scopeField.length + recordsLength
    const resourceLogsLength = this.resourceField.length + 1 + varintSize(scopeLogsLength) + scopeLogsLength
    const header = new ProtobufWriter(this.headerRoom)
    header.byte(TAG_REQUEST_RESOURCE_LOGS)
    header.varint(resourceLogsLength)
    header.raw(this.resourceField)
    header.byte(TAG_RESOURCE_LOGS_SCOPE_LOGS)
    header.varint(scopeLogsLength)
    header.raw(this.scopeField)
    const start = w.writeBefore(this.headerRoom, header.finish(0))
    const request = w.finish(start)
    return request
  }

  /** Sizes the next request's buffer from this one (records of one model are alike). */
  learnSize(records: number, bytes: number): void {
    if (records > 0) this.bytesPerRecord = Math.max(64, Math.ceil((bytes / records) * 1.1))
  }

  private predictionAttributes(queue: RecordQueue, i: number): void {
    const w = this.writer!
    const refs = queue.refs
    const id = refs.id[i]
    if (id !== undefined) this.string(this.keys.predictionId, id)
    else {
      w.ensure(this.predictionIdHead.length + 12)
      w.raw(this.predictionIdHead)
      w.hexDigits(queue.number(i, N), 12) // as PredictionIds.format writes them
    }
    const fieldStart = queue.metaOf(i, FIELDS)
    const featureShape = queue.metaOf(i, FEATURE_SHAPE)
    let featureLength = 0
    if (featureShape >= 0) {
      featureLength = this.shapes.keys[featureShape]!.length
      this.shapeFields(queue, fieldStart, featureShape, this.featureShapes, A.featurePrefix, LIMITS.maxFeatures)
    } else if (featureShape === OVERFLOW) this.mapFields(refs.overflowFeatures[i], A.featurePrefix, LIMITS.maxFeatures)
    const attributeShape = queue.metaOf(i, ATTRIBUTE_SHAPE)
    if (attributeShape >= 0) this.shapeFields(queue, fieldStart + featureLength, attributeShape, this.attributeShapes, A.attributePrefix, LIMITS.maxAttributes)
    else if (attributeShape === OVERFLOW) this.mapFields(refs.overflowAttributes[i], A.attributePrefix, LIMITS.maxAttributes)

    const label = refs.outputLabel[i]
    // null, like undefined, is "not given" (not counted); setOutput stores it to stay small.
    if (label !== undefined && label !== null) {
      const value = this.sanitizer.value(label)
      if (value !== undefined) this.value(this.keys.outputLabel, value)
    }
    // NaN: not given. Another non-finite number (UNUSABLE_NUMBER included): given, left out, counted.
    const score = queue.number(i, SCORE)
    if (Number.isFinite(score)) this.number(this.keys.outputScore, score)
    else if (score === score) this.sanitizer.truncated++
    const outputValue = queue.number(i, VALUE)
    if (Number.isFinite(outputValue)) this.number(this.keys.outputValue, outputValue)
    else if (outputValue === outputValue) this.sanitizer.truncated++
    const errorType = refs.errorType[i]
    if (errorType !== undefined) {
      this.string(this.keys.errorType, this.sanitizer.text(errorType || 'Error', LIMITS.maxVersionLength * 2))
      const message = refs.errorMessage[i]
      if (message) this.string(this.keys.errorMessage, this.sanitizer.text(typeof message === 'string' ? message : String(message), LIMITS.maxErrorMessageLength))
    }
    const items = queue.number(i, ITEMS)
    if (items >= 0) this.number(this.keys.streamItems, items)
    const latency = queue.number(i, LATENCY)
    if (Number.isFinite(latency)) this.number(this.keys.latencyMs, Math.min(Math.max(latency, 0), LIMITS.maxLatencyMs))
  }

  private outcomeAttributes(queue: RecordQueue, i: number): void {
    this.string(this.keys.predictionId, queue.refs.id[i]!)
    const label = queue.refs.outcomeLabel[i]
    if (label !== undefined) {
      const value = this.sanitizer.value(label)
      if (value !== undefined) this.value(this.keys.outcomeLabel, value)
    }
    const value = queue.number(i, VALUE)
    if (Number.isFinite(value)) this.number(this.keys.outcomeValue, value)
  }

  /** A record's fields by position in its shape, with the FieldSanitizer's rules (see FieldSanitizer.copy). */
  private shapeFields(queue: RecordQueue, start: number, shape: number, cache: Array<ShapeEncoding | undefined>, prefix: string, max: number): void {
    const encoding = (cache[shape] ??= this.encodingOf(this.shapes.keys[shape]!, prefix))
    const ring = queue.fields
    const sanitizer = this.sanitizer
    let taken = 0
    for (let at = 0; at < encoding.keyFields.length; at++) {
      const raw = ring.valueAt(start + at)
      if (raw === undefined || raw === null) continue // missing
      if (taken === max || !encoding.allowed[at]) {
        sanitizer.truncated++
        continue
      }
      const key = encoding.keyFields[at]!
      if (encoding.hashed[at]) {
        const hashed = sanitizer.hash(raw)
        if (hashed === undefined) continue
        this.string(key, hashed)
      } else if (typeof raw === 'number' && Number.isFinite(raw)) {
        this.number(key, raw)
      } else {
        const value = sanitizer.value(raw)
        if (value === undefined) continue
        this.value(key, value)
      }
      taken++
    }
  }

  /** A map kept as given (overflow), with the same rules. */
  private mapFields(map: FieldMap | undefined, prefix: string, max: number): void {
    if (map === undefined || map === null) return
    const sanitizer = this.sanitizer
    let taken = 0
    for (const name in map) {
      const raw = map[name]
      if (raw === undefined || raw === null) continue
      if (taken === max || !sanitizer.nameAllowed(name)) {
        sanitizer.truncated++
        continue
      }
      const value = sanitizer.isHashed(name) ? sanitizer.hash(raw) : sanitizer.value(raw)
      if (value === undefined) continue
      this.value(this.overflowKey(prefix, name), value)
      taken++
    }
  }

  private encodingOf(names: readonly string[], prefix: string): ShapeEncoding {
    return {
      keyFields: names.map((name) => stringField(FIELD_KEY, prefix + name)),
      allowed: names.map((name) => this.sanitizer.nameAllowed(name)),
      hashed: names.map((name) => this.sanitizer.isHashed(name)),
    }
  }

  private overflowKey(prefix: string, name: string): Uint8Array {
    const key = prefix + name
    let field = this.overflowKeys.get(key)
    if (field === undefined) {
      field = stringField(FIELD_KEY, key)
      if (this.overflowKeys.size < 10_000) this.overflowKeys.set(key, field)
    }
    return field
  }

  /** flags, trace_id and span_id of records made inside `span`, encoded once per span. */
  private spanFields(span: SpanContext): Uint8Array {
    if (span !== this.lastSpan) {
      const w = new ProtobufWriter(64)
      w.byte(TAG_LOG_FLAGS)
      w.fixed32(TRACE_FLAGS)
      w.byte(TAG_LOG_TRACE_ID)
      w.byte(16)
      w.hexBytes(span.traceId)
      w.byte(TAG_LOG_SPAN_ID)
      w.byte(8)
      w.hexBytes(span.spanId)
      this.lastSpanFields = Uint8Array.from(w.finish(0))
      this.lastSpan = span
    }
    return this.lastSpanFields
  }

  private value(key: Uint8Array, value: FieldValue): void {
    if (typeof value === 'number') this.number(key, value)
    else if (typeof value === 'string') this.string(key, value)
    else keyValue(this.writer!, TAG_LOG_ATTRIBUTE, key, value)
  }

  private number(key: Uint8Array, value: number): void {
    keyValue(this.writer!, TAG_LOG_ATTRIBUTE, key, value)
  }

  private string(key: Uint8Array, value: string): void {
    keyValue(this.writer!, TAG_LOG_ATTRIBUTE, key, value)
  }
}

/** A KeyValue (key field given as bytes) as field `tagByte` of the enclosing message. */
function keyValue(w: ProtobufWriter, tagByte: number, key: Uint8Array, value: string | number | boolean): void {
  if (typeof value === 'number') {
    // int_value only for safe integers: the collector refuses an int64 it cannot hold exactly as a
    // JavaScript number, so 2^60 goes as the double it is (where the official serializer writes
    // int_value; see toLogRecord, which leaves such values out on that path).
    if (Number.isSafeInteger(value)) {
      const anyLength = 1 + (value >= 0 ? varintSize(value) : 10)
      w.ensure(key.length + 16)
      w.byte(tagByte)
      w.varint(key.length + 2 + anyLength)
      w.raw(key)
      w.byte(TAG_KEY_VALUE_VALUE)
      w.byte(anyLength)
      w.byte(TAG_ANY_INT)
      w.int64(value)
    } else {
      w.ensure(key.length + 16)
      w.byte(tagByte)
      w.varint(key.length + 11)
      w.raw(key)
      w.byte(TAG_KEY_VALUE_VALUE)
      w.byte(9)
      w.byte(TAG_ANY_DOUBLE)
      w.double(value)
    }
  } else if (typeof value === 'string') {
    const length = utf8Length(value)
    const anyLength = 1 + varintSize(length) + length
    const keyValueLength = key.length + 1 + varintSize(anyLength) + anyLength
    w.ensure(keyValueLength + 8)
    w.byte(tagByte)
    w.varint(keyValueLength)
    w.raw(key)
    w.byte(TAG_KEY_VALUE_VALUE)
    w.varint(anyLength)
    w.byte(TAG_ANY_STRING)
    w.varint(length)
    w.stringBytes(value, length)
  } else {
    w.ensure(key.length + 8)
    w.byte(tagByte)
    w.varint(key.length + 4)
    w.raw(key)
    w.byte(TAG_KEY_VALUE_VALUE)
    w.byte(2)
    w.byte(TAG_ANY_BOOL)
    w.byte(value ? 1 : 0)
  }
}

/**
 * Epoch milliseconds as fixed64 nanoseconds, rounded exactly as the official path does
 * (toLogRecord's [seconds, nanoseconds], then the serializer's 64-bit arithmetic on 32-bit halves).
 */
function writeEpochNanos(w: ProtobufWriter, epochMs: number): void {
  const seconds = Math.floor(epochMs / 1000)
  const nanos = Math.round((epochMs - seconds * 1000) * 1e6)
  const lowSeconds = seconds & 0xffff
  const highSeconds = (seconds / 0x10000) >>> 0
  const fromLow = lowSeconds * 1e9
  const fromHigh = highSeconds * 1e9
  const low = (fromLow >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos
  const high = Math.floor(fromLow / 0x1_0000_0000) + ((fromHigh / 0x10000) >>> 0) + Math.floor(low / 0x1_0000_0000)
  w.fixed64(low >>> 0, high >>> 0)
}

/** A complete message field: tag, length, and what `write` writes. */
function message(tagByte: number, write: (w: ProtobufWriter) => void): Uint8Array {
  const w = new ProtobufWriter(1024)
  w.byte(tagByte)
  const start = w.beginMessage(5)
  write(w)
  w.endMessage(start, 5)
  return Uint8Array.from(w.finish(0))
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts))
}
