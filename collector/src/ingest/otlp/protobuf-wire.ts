import protobuf from 'protobufjs'
import { OtlpDecodeError } from './otlp-decode-error.js'

/**
 * Protobuf wire helpers shared by the OTLP readers (decode-protobuf.ts, the general one;
 * protobuf-fast-events.ts; protobuf-row-transcoder.ts): the OTLP tags they walk, reading
 * length-delimited fields within bounds, checking wire types, interning repeated keys, int64
 * varints as numbers. Other varints, UTF-8 and skipping are protobufjs's `Reader`. Every failure of
 * the Reader-based helpers is an OtlpDecodeError that says which field and where.
 */

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LENGTH_DELIMITED = 2
export const WIRE_FIXED32 = 5

/** Tags (field number << 3 | wire type) of the OTLP logs messages the readers walk, as encoders write them. */
export const OTLP_TAGS = {
  /** ExportLogsServiceRequest.resource_logs = 1 */
  resourceLogs: (1 << 3) | WIRE_LENGTH_DELIMITED,
  /** ResourceLogs.resource = 1 */
  resource: (1 << 3) | WIRE_LENGTH_DELIMITED,
  /** ResourceLogs.scope_logs = 2 */
  scopeLogs: (2 << 3) | WIRE_LENGTH_DELIMITED,
  /** ScopeLogs.log_records = 2 */
  logRecord: (2 << 3) | WIRE_LENGTH_DELIMITED,
  /** KeyValue.key = 1 */
  key: (1 << 3) | WIRE_LENGTH_DELIMITED,
  /** KeyValue.value = 2 */
  value: (2 << 3) | WIRE_LENGTH_DELIMITED,
} as const

/** Reads a length-delimited field's length and returns where the embedded message ends. */
export function messageEnd(reader: protobuf.Reader, tag: number, field: string): number {
  expectWireType(tag, WIRE_LENGTH_DELIMITED, field)
  const length = reader.uint32()
  const end = reader.pos + length
  if (end > reader.len) throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: ${field} claims ${length} bytes, past the end of the body (at byte ${reader.pos})`)
  return end
}

export function expectEnd(reader: protobuf.Reader, end: number): void {
  if (reader.pos !== end) throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: a field runs past the end of its message (at byte ${reader.pos})`)
}

export function expectWireType(tag: number, wireType: number, field: string): void {
  if ((tag & 7) !== wireType) {
    throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: ${field} (field ${tag >>> 3}) has wire type ${tag & 7}, expected ${wireType}`)
  }
}

export function skip(reader: protobuf.Reader, tag: number): void {
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

export function readInterned(reader: protobuf.Reader, field: string): string {
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
export function readFixed64(reader: protobuf.Reader): bigint {
  const low = reader.fixed32()
  const high = reader.fixed32()
  return (BigInt(high) << 32n) | BigInt(low)
}

export function readHex(reader: protobuf.Reader, tag: number, field: string): string {
  expectWireType(tag, WIRE_LENGTH_DELIMITED, field)
  const length = reader.uint32()
  const start = reader.pos
  if (start + length > reader.len) throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: ${field} claims ${length} bytes, past the end of the body (at byte ${start})`)
  reader.pos = start + length
  return (reader.buf as Buffer).toString('hex', start, start + length)
}

/** A view of the bytes in the body (a plain Uint8Array, as the JSON decoder gives), not a copy. */
export function readBytesView(reader: protobuf.Reader): Uint8Array {
  const bytes = reader.bytes()
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** protobufjs gives int64 as a Long (long.js is installed) or, without it, a number. */
export function int64ToBigInt(value: protobuf.Long | number): bigint {
  if (typeof value === 'number') return BigInt(Math.trunc(value))
  return BigInt.asIntN(64, (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0))
}

/** Bytes of the varint at buf[start…] (at most 10), or -1 when it runs past `end` or is longer. */
export function varintLength(buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end && i < start + 10; i++) if (buf[i]! < 0x80) return i + 1 - start
  return -1
}

/**
 * The int64 varint of `length` bytes at buf[start…] (see varintLength) as a number when it is
 * within ±(2^53 − 1), else NaN. Read here rather than with protobufjs's reader.int64(), which makes
 * a Long per value: the two 32-bit halves are assembled as the varint lays them out (7 bits per
 * byte, low end first; negative values are 10 bytes, two's complement).
 */
export function safeInt64At(buf: Uint8Array, start: number, length: number): number {
  let low = 0
  let high = 0
  for (let i = 0, shift = 0; i < length; i++, shift += 7) {
    const byte = buf[start + i]! & 0x7f
    if (shift < 28) low |= byte << shift
    else if (shift === 28) {
      // Byte 5: bits 28-31 of the low half, bits 0-2 of the high half.
      low |= (byte & 0x0f) << 28
      high |= byte >> 4
    } else high |= byte << (shift - 32)
  }
  high |= 0
  // |value| <= 2^53 - 1 means high in [-2^21, 2^21), the edges checked exactly by isSafeInteger.
  if (high >= 0x200000 || high < -0x200000) return NaN
  const value = high * 4294967296 + (low >>> 0)
  return Number.isSafeInteger(value) ? value : NaN
}
