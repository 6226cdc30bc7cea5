import type { BodyEncoding } from './decompress-body.js'
import type { ModelColumns } from './known-columns.js'
import type { NativeBatchResult } from './native-batch.js'
import type { OtlpBatchResult } from './otlp-batch.js'
import type { OtlpEncoding } from './otlp/otlp-model.js'

/** What a worker is asked to do with a body: a native batch, or an OTLP logs request in one of its encodings. */
export type BatchKind = { kind: 'native' } | { kind: 'otlp'; encoding: OtlpEncoding }

/** Main thread → worker: one request body, transferred (not copied). */
export interface WorkerRequest {
  id: number
  batch: BatchKind
  project: string
  receivedMs: number
  /** The body as sent (compressed or not): the worker decompresses it. */
  body: ArrayBuffer
  encoding: BodyEncoding
}

/** Main thread → worker: columns other encoders added, to count against the limit (no answer). */
export interface ColumnsMessage {
  type: 'columns'
  models: ModelColumns[]
}

/** What a worker receives. */
export type WorkerMessage = WorkerRequest | ColumnsMessage

/** What a worker starts with. */
export interface IngestWorkerData {
  maxColumnsPerModel: number
  /** The columns known when the worker starts (KnownColumns.entries()). */
  knownColumns: ModelColumns[]
}

/**
 * Worker → main thread: the result (chunk bytes transferred); the client's error the request is
 * refused with (a body that does not decompress, say); or an unexpected failure.
 */
export type WorkerResponse =
  | { id: number; result: NativeBatchResult | OtlpBatchResult }
  | { id: number; refusal: { status: number; code: string; message: string } }
  | { id: number; failure: string }
