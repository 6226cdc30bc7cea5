/**
 * The decoded ExportLogsServiceRequest, one shape for both encodings: the protobuf and the JSON
 * decoders each produce it, and the mapping reads only it. Only what the mapping needs is kept.
 * 64-bit integers are bigint (no precision lost before the mapping decides what to do with them);
 * trace and span ids are lower-case hex, '' when absent.
 */

/** An OTLP AnyValue: exactly one kind, or `empty` when the sender set none. */
export type OtlpAnyValue =
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'double'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'array'; values: OtlpAnyValue[] }
  | { kind: 'kvlist'; values: OtlpKeyValue[] }
  | { kind: 'empty' }

export interface OtlpKeyValue {
  key: string
  value: OtlpAnyValue
}

export interface OtlpLogRecord {
  /** 0n when unset. */
  timeUnixNano: bigint
  /** 0n when unset. */
  observedTimeUnixNano: bigint
  /** LogRecord.event_name (field 12); '' when unset. */
  eventName: string
  attributes: OtlpKeyValue[]
  /** Lower-case hex of the bytes as sent; '' when unset. All-zero ids are kept here and dropped by the mapping. */
  traceId: string
  spanId: string
}

export interface OtlpScopeLogs {
  logRecords: OtlpLogRecord[]
}

export interface OtlpResourceLogs {
  resourceAttributes: OtlpKeyValue[]
  scopeLogs: OtlpScopeLogs[]
}

export interface OtlpLogsRequest {
  resourceLogs: OtlpResourceLogs[]
}

/** Where a log record sits in its request, for error messages. */
export interface OtlpRecordLocation {
  resource: number
  scope: number
  record: number
}

/** The encodings OTLP/HTTP defines; a response uses the request's. */
export type OtlpEncoding = 'json' | 'protobuf'

export function countLogRecords(request: OtlpLogsRequest): number {
  let n = 0
  for (const resource of request.resourceLogs) for (const scope of resource.scopeLogs) n += scope.logRecords.length
  return n
}
