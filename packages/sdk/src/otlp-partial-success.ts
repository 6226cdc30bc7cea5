import type { ExportOutcome } from './log-export.js'

/**
 * What an OTLP ExportLogsServiceResponse says about refused records, as an ExportOutcome's
 * `rejected` and `message`. The response is the serializer's decoding: ours (a number), the
 * official protobuf one (a number or a Long) or the JSON one (an int64 as a number or a string).
 */
export function partialSuccessOf(response: unknown): Pick<ExportOutcome, 'rejected' | 'message'> {
  try {
    const partial = (response as { partialSuccess?: { rejectedLogRecords?: unknown; errorMessage?: unknown } } | undefined)?.partialSuccess
    if (partial === undefined || partial === null) return {}
    const rejected = Number(partial.rejectedLogRecords ?? 0)
    const message = typeof partial.errorMessage === 'string' && partial.errorMessage !== '' ? partial.errorMessage : undefined
    return { ...(rejected > 0 ? { rejected } : {}), ...(message !== undefined ? { message } : {}) }
  } catch {
    // A response no serializer of ours makes (a count that is not a number): read as a full success, as the exporters do.
    return {}
  }
}

/**
 * A serializer whose responses are seen: the OTLP export delegate decodes the response and then,
 * synchronously, calls the export's result callback, so the latest response decoded is that
 * export's (exports in flight never interleave between the two). `take()` returns and forgets it.
 */
export class ResponseWatch<Request> {
  private latest: unknown

  constructor(private readonly serializer: { serializeRequest(request: Request): Uint8Array | undefined; deserializeResponse(data: Uint8Array): unknown }) {}

  readonly watched = {
    serializeRequest: (request: Request) => this.serializer.serializeRequest(request),
    deserializeResponse: (data: Uint8Array) => {
      this.latest = undefined
      const response = this.serializer.deserializeResponse(data)
      this.latest = response
      return response
    },
  }

  take(): Pick<ExportOutcome, 'rejected' | 'message'> {
    const response = this.latest
    this.latest = undefined
    return partialSuccessOf(response)
  }
}
