import protobuf from 'protobufjs'
import { expectEnd, expectWireType, int64ToBigInt, messageEnd, readBytesView, readFixed64, readHex, readInterned, skip, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-wire.js'
import { checkNestingDepth } from './any-value-depth.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest, OtlpResourceLogs, OtlpScopeLogs } from './otlp-model.js'

/**
 * Decodes an `application/x-protobuf` ExportLogsServiceRequest straight into the OTLP model the
 * mapping reads. Throws OtlpDecodeError when the body is not one.
 *
 * Written against protobufjs's wire `Reader` rather than its reflected message types: measured on
 * an SDK batch of 8,192 records with 20 attributes each, protobufjs's generic decode spent 19 µs per
 * record building message objects (a Long per 64-bit field, a message per AnyValue) and converting
 * them to this model 11 µs more; reading the fields the mapping needs straight off the wire took
 * 12 µs (BENCHMARKS.md, `pnpm bench sdk`, "After: the OTLP route in the ingest workers"). The wire
 * reading itself (varints, UTF-8, skipping) stays protobufjs's; field numbers are those of
 * collector/proto.
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


function readResourceLogs(reader: protobuf.Reader, end: number): OtlpResourceLogs {
  let resourceAttributes: OtlpKeyValue[] = []
  const scopeLogs: OtlpScopeLogs[] = []
  while (reader.pos < end) {
    const tag = reader.uint32()
    const field = tag >>> 3
    if (field === 1) resourceAttributes = decodeResourceAttributes(reader, messageEnd(reader, tag, 'ResourceLogs.resource'))
    else if (field === 2) scopeLogs.push(readScopeLogs(reader, messageEnd(reader, tag, 'ResourceLogs.scope_logs')))
    else skip(reader, tag)
  }
  expectEnd(reader, end)
  return { resourceAttributes, scopeLogs }
}

/** A Resource message's attributes (also read by the fast path, once per resource). */
export function decodeResourceAttributes(reader: protobuf.Reader, end: number): OtlpKeyValue[] {
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
        checkNestingDepth(depth)
        value = { kind: 'array', values: readArrayValue(reader, messageEnd(reader, tag, 'AnyValue.array_value'), depth + 1) }
        break
      case 6:
        checkNestingDepth(depth)
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

