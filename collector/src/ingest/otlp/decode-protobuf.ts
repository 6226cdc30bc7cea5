import { checkAnyValueDepth } from './any-value-depth.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest } from './otlp-model.js'
import { otlpProtoTypes } from './otlp-proto-root.js'

/** protobufjs gives 64-bit integers as Long (long.js is installed), or number without it. */
type PbInt64 = { toString(): string } | number | string

interface PbAnyValue {
  /** protobufjs's virtual oneof property: the name of the field that is set. */
  value?: string
  stringValue?: string
  boolValue?: boolean
  intValue?: PbInt64
  doubleValue?: number
  bytesValue?: Uint8Array
  arrayValue?: { values?: PbAnyValue[] } | null
  kvlistValue?: { values?: PbKeyValue[] } | null
}
interface PbKeyValue {
  key?: string
  value?: PbAnyValue | null
}
interface PbLogRecord {
  timeUnixNano?: PbInt64
  observedTimeUnixNano?: PbInt64
  eventName?: string
  attributes?: PbKeyValue[]
  traceId?: Uint8Array
  spanId?: Uint8Array
}
interface PbRequest {
  resourceLogs?: { resource?: { attributes?: PbKeyValue[] } | null; scopeLogs?: { logRecords?: PbLogRecord[] }[] }[]
}

/** Decodes an `application/x-protobuf` ExportLogsServiceRequest. Throws OtlpDecodeError when it is not one. */
export function decodeProtobufLogsRequest(body: Uint8Array): OtlpLogsRequest {
  let message: PbRequest
  try {
    message = otlpProtoTypes().exportLogsServiceRequest.decode(body) as unknown as PbRequest
  } catch (error) {
    throw new OtlpDecodeError(`the body is not a protobuf ExportLogsServiceRequest: ${(error as Error).message}`, { cause: error })
  }
  // protobufjs already refused nesting beyond its recursion limit (100 messages), so the conversion's recursion is bounded.
  const request: OtlpLogsRequest = {
    resourceLogs: (message.resourceLogs ?? []).map((resource) => ({
      resourceAttributes: toKeyValues(resource.resource?.attributes),
      scopeLogs: (resource.scopeLogs ?? []).map((scope) => ({ logRecords: (scope.logRecords ?? []).map(toLogRecord) })),
    })),
  }
  checkAnyValueDepth(request)
  return request
}

function toLogRecord(record: PbLogRecord): OtlpLogRecord {
  return {
    timeUnixNano: toBigInt(record.timeUnixNano),
    observedTimeUnixNano: toBigInt(record.observedTimeUnixNano),
    eventName: record.eventName ?? '',
    attributes: toKeyValues(record.attributes),
    traceId: toHex(record.traceId),
    spanId: toHex(record.spanId),
  }
}

function toKeyValues(list: PbKeyValue[] | undefined): OtlpKeyValue[] {
  return (list ?? []).map((kv) => ({ key: kv.key ?? '', value: toAnyValue(kv.value) }))
}

function toAnyValue(value: PbAnyValue | null | undefined): OtlpAnyValue {
  if (!value) return { kind: 'empty' }
  switch (value.value) {
    case 'stringValue':
      return { kind: 'string', value: value.stringValue ?? '' }
    case 'boolValue':
      return { kind: 'bool', value: value.boolValue ?? false }
    case 'intValue':
      return { kind: 'int', value: toBigInt(value.intValue) }
    case 'doubleValue':
      return { kind: 'double', value: value.doubleValue ?? 0 }
    case 'bytesValue':
      return { kind: 'bytes', value: value.bytesValue ?? new Uint8Array() }
    case 'arrayValue':
      return { kind: 'array', values: (value.arrayValue?.values ?? []).map(toAnyValue) }
    case 'kvlistValue':
      return { kind: 'kvlist', values: toKeyValues(value.kvlistValue?.values) }
    default:
      return { kind: 'empty' }
  }
}

function toBigInt(value: PbInt64 | undefined): bigint {
  if (value === undefined) return 0n
  return typeof value === 'number' ? BigInt(Math.trunc(value)) : BigInt(value.toString())
}

function toHex(bytes: Uint8Array | undefined): string {
  if (!bytes || bytes.length === 0) return ''
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
