import { LIMITS, type WireEvent } from '@aims-monitor/schema'
import type { BatchEncoder, ColumnRefusal, EncodedChunk } from './batch-encoder.js'
import { decodeJsonLogsRequest } from './otlp/decode-json.js'
import { decodeProtobufLogsRequest } from './otlp/decode-protobuf.js'
import { OtlpDecodeError } from './otlp/otlp-decode-error.js'
import { countLogRecords, type OtlpEncoding } from './otlp/otlp-model.js'
import { partialSuccessMessage } from './otlp/partial-success-message.js'
import {
  processLogsRequestWithOrigins,
  validateMappedEventsWithOrigins,
  type EventOrigin,
  type ProcessedWithOrigins,
  type RecordRejection,
} from './otlp/process-logs-request.js'
import { fastProtobufEvents } from './otlp/protobuf-fast-events.js'
import { transcodePredictionRows } from './otlp/protobuf-row-transcoder.js'
import { wirePathToAttribute } from './otlp/wire-path-to-attribute.js'
import { predictionPositions, toRecords } from './to-records.js'

/**
 * Everything `POST /v1/logs` does to a body before the spool: decode (JSON or protobuf), map each
 * log record by the semantic conventions, validate, split into records, encode rows. Pure CPU and
 * free of the engine, like processNativeBatch, so it runs in the ingest worker threads: measured at
 * 100k SDK records per second, doing this on the main thread (~30 µs per record then) starved HTTP
 * and the spool, and the SDK's queue overflowed (BENCHMARKS.md, `pnpm bench sdk`).
 */
export type OtlpBatchResult =
  | {
      ok: true
      /** Log records in the request, AIMS or not. */
      total: number
      predictions: number
      outcomes: number
      /** In request order. */
      rejected: RecordRejection[]
      /** The ExportLogsPartialSuccess message when some were rejected. */
      partialSuccessMessage?: string
      /**
       * Which reader took the request: rows written straight from the protobuf bytes (`direct`), the
       * protobuf fast path to events (`fast`), or the general decoder and mapping.
       */
      path: 'direct' | 'fast' | 'general'
      chunks: EncodedChunk[]
    }
  | { ok: false; status: number; code: string; message: string; rejectionReason: string }

export function processOtlpBatch(body: Uint8Array, encoding: OtlpEncoding, project: string, encoder: BatchEncoder, receivedMs: number): OtlpBatchResult {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  // Protobuf requests of valid predictions in columns their model has are written as rows directly;
  // other protobuf requests whose records are all well-formed AIMS events take the fast path to
  // events; anything else (and JSON) takes the general one, which also explains what is wrong.
  if (encoding === 'protobuf') {
    const direct = transcodePredictionRows(buffer, project, encoder, receivedMs)
    if (direct !== null) return { ok: true, total: direct.records, predictions: direct.records, outcomes: 0, rejected: [], chunks: [direct.chunk], path: 'direct' }
  }
  return processOtlpEvents(buffer, encoding, project, encoder, receivedMs)
}

/** processOtlpBatch by way of wire events: the paths that take every request, and the authority on what is valid. */
export function processOtlpEvents(buffer: Buffer, encoding: OtlpEncoding, project: string, encoder: BatchEncoder, receivedMs: number): OtlpBatchResult {
  const fast = encoding === 'protobuf' ? fastProtobufEvents(buffer) : null
  let processed: ProcessedWithOrigins
  if (fast !== null) {
    if (fast.total > LIMITS.maxEventsPerBatch) return tooManyRecords(fast.total)
    processed = validateMappedEventsWithOrigins(fast.total, fast.events, fast.originOf)
  } else {
    let request
    try {
      request = encoding === 'json' ? decodeJsonLogsRequest(buffer) : decodeProtobufLogsRequest(buffer)
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error
      return { ok: false, status: 400, code: 'malformed_otlp', message: error.message, rejectionReason: 'malformed_request' }
    }
    const total = countLogRecords(request)
    if (total > LIMITS.maxEventsPerBatch) return tooManyRecords(total)
    processed = processLogsRequestWithOrigins(request)
  }
  const { total, accepted } = processed.processed
  let rejected = processed.processed.rejected
  const { predictions, outcomes } = toRecords(accepted, receivedMs)
  let chunks: EncodedChunk[] = []
  let refusedPredictions = 0
  if (accepted.length > 0) {
    const encoded = encoder.encodeAccepting(project, predictions, outcomes)
    chunks = encoded.chunks
    refusedPredictions = encoded.refused.length
    // Records that would take their model past its column limit are refused one by one, like invalid ones.
    if (encoded.refused.length > 0) rejected = inRequestOrder([...rejected, ...columnRejections(encoded.refused, accepted, processed.originOfAccepted)])
  }
  const result: OtlpBatchResult = { ok: true, total, predictions: predictions.length - refusedPredictions, outcomes: outcomes.length, rejected, chunks, path: fast !== null ? 'fast' : 'general' }
  if (rejected.length > 0) result.partialSuccessMessage = partialSuccessMessage(rejected, total)
  return result
}

function columnRejections(refused: readonly ColumnRefusal[], accepted: readonly WireEvent[], originOfAccepted: (k: number) => EventOrigin): RecordRejection[] {
  const positions = predictionPositions(accepted)
  return refused.map((r) => ({
    location: originOfAccepted(positions[r.index]!).location,
    reason: 'too_many_columns',
    errors: [{ path: wirePathToAttribute('prediction', r.path), message: r.message }],
  }))
}

function inRequestOrder(rejected: RecordRejection[]): RecordRejection[] {
  return rejected.sort((a, b) => a.location.resource - b.location.resource || a.location.scope - b.location.scope || a.location.record - b.location.record)
}

function tooManyRecords(total: number): OtlpBatchResult {
  const message = `${total} log records in one request; at most ${LIMITS.maxEventsPerBatch} are accepted (lower the exporter's batch size)`
  return { ok: false, status: 400, code: 'too_many_records', message, rejectionReason: 'too_many_records' }
}
