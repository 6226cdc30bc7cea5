import { otlpProtoTypes } from './otlp-proto-root.js'
import type { OtlpEncoding } from './otlp-model.js'

export interface PartialSuccess {
  rejectedLogRecords: number
  errorMessage: string
}

/**
 * An ExportLogsServiceResponse in the request's encoding. Without rejections it is empty (`{}`, or
 * zero bytes in protobuf): OTLP lets a server leave partial_success unset when all was accepted.
 * In JSON the int64 count is a decimal string, as the protobuf JSON mapping writes 64-bit integers.
 */
export function encodeExportLogsResponse(encoding: OtlpEncoding, partialSuccess?: PartialSuccess): Buffer {
  if (encoding === 'json') {
    const body = partialSuccess
      ? { partialSuccess: { rejectedLogRecords: String(partialSuccess.rejectedLogRecords), errorMessage: partialSuccess.errorMessage } }
      : {}
    return Buffer.from(JSON.stringify(body), 'utf8')
  }
  const type = otlpProtoTypes().exportLogsServiceResponse
  const message = type.fromObject(partialSuccess ? { partialSuccess } : {})
  return Buffer.from(type.encode(message).finish())
}
