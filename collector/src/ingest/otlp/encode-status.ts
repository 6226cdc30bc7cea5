import { otlpProtoTypes } from './otlp-proto-root.js'
import type { OtlpEncoding } from './otlp-model.js'

/** google.rpc.Code values OTLP/HTTP error bodies use. */
export const RPC_CODES = {
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const

/** The google.rpc.Code that says what an HTTP error status says. */
export function rpcCodeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
    case 415:
      return RPC_CODES.INVALID_ARGUMENT
    case 401:
      return RPC_CODES.UNAUTHENTICATED
    case 403:
      return RPC_CODES.PERMISSION_DENIED
    case 404:
      return RPC_CODES.NOT_FOUND
    case 413:
    case 429:
      return RPC_CODES.RESOURCE_EXHAUSTED
    case 502:
    case 503:
    case 504:
      return RPC_CODES.UNAVAILABLE
    default:
      return RPC_CODES.UNKNOWN
  }
}

/** A google.rpc.Status `{ code, message }`, the body of an OTLP/HTTP error, in the request's encoding. */
export function encodeStatus(encoding: OtlpEncoding, code: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }), 'utf8')
  const type = otlpProtoTypes().status
  return Buffer.from(type.encode(type.fromObject({ code, message })).finish())
}
