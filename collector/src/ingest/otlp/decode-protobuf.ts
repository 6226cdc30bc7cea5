import protobuf from 'protobufjs'
import { MAX_ANY_VALUE_DEPTH } from './any-value-depth.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest, OtlpResourceLogs, OtlpScopeLogs } from './otlp-model.js'

/**
 * Decodes an `application/x-protobuf` ExportLogsServiceRequest straight into the OTLP model the
 * mapping reads. Throws OtlpDecodeError when the body is not one.
 *
 * Written against protobufjs's wire `Reader` rather than its reflected message types: measured on
 * an SDK batch of 8,192 records with 20 attributes each, protobufjs's generic decode spent 19 µs per
 * record building message objects (a Long per 64-bit field, a message per AnyValue) and converting
 * them to this model 11 µs more; reading the fields the mapping needs straight off the wire is
 * several times cheaper (BENCHMARKS.md, "OTLP protobuf ingest"). The wire reading itself (varints,
 * UTF-8, skipping) stays protobufjs's; field numbers are those of collector/proto.
 *
 * Semantics follow protobuf's: unknown fields are skipped, a repeated scalar or message field keeps
 * its last occurrence (as protobufjs did), the last field set in an AnyValue's oneof wins. A known
 * field sent with the wrong wire type is an error naming the field.
 */
export function decodeProtobufLogsRequest(body: Uint8Array): OtlpLogsRequest {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const reader = protobuf.Reader.create(buffer)
  try {
    const resourceLogs: OtlpResourceLogs[] = []
    while (reader.pos < reader.len) {
      const tag = reader.uint32()
      if (tag >>> 3 === 1) resourceLogs.push(readResourceLogs(reader, messageEnd(reader, tag, 'ExportLogsServiceRequest.resource_logs')))
      else skip(reader, tag)
    }
    return { resourceLogs }
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error
    throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: ${(error as Error).message} (at byte ${reader.pos})`, { cause: error })
  }
}

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2

function readResourceLogs(reader: protobuf.Reader, end: number): OtlpResourceLogs {
  let resourceAttributes: OtlpKeyValue[] = []
  const scopeLogs: OtlpScopeLogs[] = []
  while (reader.pos < end) {
    const tag = reader.uint32()
    const field = tag >>> 3
    if (field === 1) resourceAttributes = readResource(reader, messageEnd(reader, tag, 'ResourceLogs.resource'))
    else if (field === 2) scopeLogs.push(readScopeLogs(reader, messageEnd(reader, tag, 'ResourceLogs.scope_logs')))
    else skip(reader, tag)
  }
  expectEnd(reader, end)
  return { resourceAttributes, scopeLogs }
}

function readResource(reader: protobuf.Reader, end: number): OtlpKeyValue[] {
  const attributes: OtlpKeyValue[] = []
  while (reader.pos < end) {
    const tag = reader.uint32()
    if (tag >>> 3 === 1) attributes.push(readKeyValue(reader, messageEnd(reader, tag, 'Resource.attributes'), 1))
    else skip(reader, tag)
  }
  expectEnd(reader, end)
  return attributes
}

function readScopeLogs(reader: protobuf.Reader, end: number): OtlpScopeLogs {
  const logRecords: OtlpLogRecord[] = []
  while (reader.pos < end) {
    const tag = reader.uint32()
    if (tag >>> 3 === 2) logRecords.push(readLogRecord(reader, messageEnd(reader, tag, 'ScopeLogs.log_records')))
    else skip(reader, tag)
  }
  expectEnd(reader, end)
  return { logRecords }
}

function readLogRecord(reader: protobuf.Reader, end: number): OtlpLogRecord {
  const record: OtlpLogRecord = { timeUnixNano: 0n, observedTimeUnixNano: 0n, eventName: '', attributes: [], traceId: '', spanId: '' }
  while (reader.pos < end) {
    const tag = reader.uint32()
    switch (tag >>> 3) {
      case 1:
        expectWireType(tag, WIRE_FIXED64, 'LogRecord.time_unix_nano')
        record.timeUnixNano = readFixed64(reader)
        break
      case 11:
        expectWireType(tag, WIRE_FIXED64, 'LogRecord.observed_time_unix_nano')
        record.observedTimeUnixNano = readFixed64(reader)
        break
      case 6:
        record.attributes.push(readKeyValue(reader, messageEnd(reader, tag, 'LogRecord.attributes'), 1))
        break
      case 9:
        record.traceId = readHex(reader, tag, 'LogRecord.trace_id')
        break
      case 10:
        record.spanId = readHex(reader, tag, 'LogRecord.span_id')
        break
      case 12:
        expectWireType(tag, WIRE_LENGTH_DELIMITED, 'LogRecord.event_name')
        record.eventName = readInterned(reader, 'LogRecord.event_name')
        break
      default:
        skip(reader, tag)
    }
  }
  expectEnd(reader, end)
  return record
}

/** `depth` counts the AnyValues this one sits in, as checkAnyValueDepth does (a record's attribute is at 1). */
function readKeyValue(reader: protobuf.Reader, end: number, depth: number): OtlpKeyValue {
  let key = ''
  let value: OtlpAnyValue = EMPTY
  while (reader.pos < end) {
    const tag = reader.uint32()
    const field = tag >>> 3
    if (field === 1) {
      expectWireType(tag, WIRE_LENGTH_DELIMITED, 'KeyValue.key')
      key = readInterned(reader, 'KeyValue.key')
    } else if (field === 2) value = readAnyValue(reader, messageEnd(reader, tag, 'KeyValue.value'), depth)
    else skip(reader, tag)
  }
  expectEnd(reader, end)
  return { key, value }
}

const EMPTY: OtlpAnyValue = Object.freeze({ kind: 'empty' })

function readAnyValue(reader: protobuf.Reader, end: number, depth: number): OtlpAnyValue {
  let value: OtlpAnyValue = EMPTY
  while (reader.pos < end) {
    const tag = reader.uint32()
    switch (tag >>> 3) {
      case 1:
        expectWireType(tag, WIRE_LENGTH_DELIMITED, 'AnyValue.string_value')
        value = { kind: 'string', value: reader.string() }
        break
      case 2:
        expectWireType(tag, WIRE_VARINT, 'AnyValue.bool_value')
        value = { kind: 'bool', value: reader.bool() }
        break
      case 3:
        expectWireType(tag, WIRE_VARINT, 'AnyValue.int_value')
        value = { kind: 'int', value: int64ToBigInt(reader.int64()) }
        break
      case 4:
        expectWireType(tag, WIRE_FIXED64, 'AnyValue.double_value')
        value = { kind: 'double', value: reader.double() }
        break
      case 5:
        checkDepth(depth)
        value = { kind: 'array', values: readArrayValue(reader, messageEnd(reader, tag, 'AnyValue.array_value'), depth + 1) }
        break
      case 6:
        checkDepth(depth)
        value = { kind: 'kvlist', values: readKeyValueList(reader, messageEnd(reader, tag, 'AnyValue.kvlist_value'), depth + 1) }
        break
      case 7:
        expectWireType(tag, WIRE_LENGTH_DELIMITED, 'AnyValue.bytes_value')
        value = { kind: 'bytes', value: readBytesView(reader) }
        break
      default:
        skip(reader, tag)
    }
  }
  expectEnd(reader, end)
  return value
}

function readArrayValue(reader: protobuf.Reader, end: number, depth: number): OtlpAnyValue[] {
  const values: OtlpAnyValue[] = []
  while (reader.pos < end) {
    const tag = reader.uint32()
    if (tag >>> 3 === 1) values.push(readAnyValue(reader, messageEnd(reader, tag, 'ArrayValue.values'), depth))
    else skip(reader, tag)
  }
  expectEnd(reader, end)
  return values
}

function readKeyValueList(reader: protobuf.Reader, end: number, depth: number): OtlpKeyValue[] {
  const values: OtlpKeyValue[] = []
  while (reader.pos < end) {
    const tag = reader.uint32()
    if (tag >>> 3 === 1) values.push(readKeyValue(reader, messageEnd(reader, tag, 'KeyValueList.values'), depth))
    else skip(reader, tag)
  }
  expectEnd(reader, end)
  return values
}

/** The same rule and message as checkAnyValueDepth, enforced while reading so no body can recurse without bound. */
function checkDepth(depth: number): void {
  if (depth >= MAX_ANY_VALUE_DEPTH) throw new OtlpDecodeError(`an attribute value nests arrays or kvlists more than ${MAX_ANY_VALUE_DEPTH} levels deep`)
}

/** Reads a length-delimited field's length and returns where the embedded message ends. */
function messageEnd(reader: protobuf.Reader, tag: number, field: string): number {
  expectWireType(tag, WIRE_LENGTH_DELIMITED, field)
  const length = reader.uint32()
  const end = reader.pos + length
  if (end > reader.len) throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: ${field} claims ${length} bytes, past the end of the body (at byte ${reader.pos})`)
  return end
}

function expectEnd(reader: protobuf.Reader, end: number): void {
  if (reader.pos !== end) throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: a field runs past the end of its message (at byte ${reader.pos})`)
}

function expectWireType(tag: number, wireType: number, field: string): void {
  if ((tag & 7) !== wireType) {
    throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: ${field} (field ${tag >>> 3}) has wire type ${tag & 7}, expected ${wireType}`)
  }
}

function skip(reader: protobuf.Reader, tag: number): void {
  if (tag >>> 3 === 0) throw new OtlpDecodeError('the body is not a protobuf ExportLogsServiceRequest: field number 0 is not valid')
  reader.skipType(tag & 7)
}

/**
 * Attribute keys and event names repeat in every record of a batch (20 keys × 8,192 records from one
 * SDK): decoding each anew was a third of the decode's time, in UTF-8 decoding and the garbage it
 * leaves. Strings of ASCII bytes up to 64 long are looked up by their bytes in a small table and
 * the same string returned; anything else is decoded as usual. The table is bounded (it stops
 * growing at 1,024 entries), so a sender of ever-new keys costs a lookup, not memory.
 */
const INTERN_MAX_BYTES = 64
const INTERN_MAX_ENTRIES = 1024
const interned = new Map<number, { bytes: Uint8Array; text: string }[]>()
let internedCount = 0

function readInterned(reader: protobuf.Reader, field: string): string {
  const length = reader.uint32()
  const start = reader.pos
  const end = start + length
  if (end > reader.len) throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: ${field} claims ${length} bytes, past the end of the body (at byte ${start})`)
  const buf = reader.buf
  reader.pos = end
  if (length > INTERN_MAX_BYTES) return (buf as Buffer).toString('utf8', start, end)
  // A hash of the bytes picks the bucket; ASCII only, so the bytes are the string's char codes.
  let hash = length
  for (let i = start; i < end; i++) {
    const byte = buf[i]!
    if (byte >= 0x80) return (buf as Buffer).toString('utf8', start, end)
    hash = (Math.imul(hash, 31) + byte) | 0
  }
  const bucket = interned.get(hash)
  if (bucket) {
    for (const entry of bucket) if (sameBytes(entry.bytes, buf, start, length)) return entry.text
  }
  const text = (buf as Buffer).toString('latin1', start, end)
  if (internedCount < INTERN_MAX_ENTRIES) {
    internedCount++
    const entry = { bytes: Uint8Array.prototype.slice.call(buf, start, end), text }
    if (bucket) bucket.push(entry)
    else interned.set(hash, [entry])
  }
  return text
}

function sameBytes(bytes: Uint8Array, buf: Uint8Array, start: number, length: number): boolean {
  if (bytes.length !== length) return false
  for (let i = 0; i < length; i++) if (bytes[i] !== buf[start + i]) return false
  return true
}

/** fixed64 as two little-endian 32-bit halves: no Long object per timestamp. */
function readFixed64(reader: protobuf.Reader): bigint {
  const low = reader.fixed32()
  const high = reader.fixed32()
  return (BigInt(high) << 32n) | BigInt(low)
}

function readHex(reader: protobuf.Reader, tag: number, field: string): string {
  expectWireType(tag, WIRE_LENGTH_DELIMITED, field)
  const length = reader.uint32()
  const start = reader.pos
  if (start + length > reader.len) throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: ${field} claims ${length} bytes, past the end of the body (at byte ${start})`)
  reader.pos = start + length
  return (reader.buf as Buffer).toString('hex', start, start + length)
}

/** A view of the bytes in the body (a plain Uint8Array, as the JSON decoder gives), not a copy. */
function readBytesView(reader: protobuf.Reader): Uint8Array {
  const bytes = reader.bytes()
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** protobufjs gives int64 as a Long (long.js is installed) or, without it, a number. */
function int64ToBigInt(value: protobuf.Long | number): bigint {
  if (typeof value === 'number') return BigInt(Math.trunc(value))
  return BigInt.asIntN(64, (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0))
}
