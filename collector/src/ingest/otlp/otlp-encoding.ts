import type { OtlpEncoding } from './otlp-model.js'

export const OTLP_CONTENT_TYPES: Record<OtlpEncoding, string> = {
  json: 'application/json',
  protobuf: 'application/x-protobuf',
}

/**
 * The encoding a request is in, by its Content-Type; a response uses the same one (OTLP/HTTP).
 * Anything that is not protobuf is answered in JSON, which includes the 415 for unknown types.
 */
export function otlpEncodingOf(contentType: string | undefined): OtlpEncoding {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === OTLP_CONTENT_TYPES.protobuf ? 'protobuf' : 'json'
}
