import type { BatchEncoder } from './batch-encoder.js'
import { decompressBody, type BodyEncoding } from './decompress-body.js'
import type { BatchKind } from './ingest-worker-protocol.js'
import { processNativeBatch, type NativeBatchResult } from './native-batch.js'
import { processOtlpBatch, type OtlpBatchResult } from './otlp-batch.js'

/** The result type for each kind of batch. */
export type BatchResult<K extends BatchKind> = K extends { kind: 'native' } ? NativeBatchResult : OtlpBatchResult

/**
 * Runs the CPU half of ingest for one body, whichever interface it came in on, from its bytes as
 * sent. Throws the HttpError of a body that does not decompress (decompressBody).
 */
export function processBatch<K extends BatchKind>(batch: K, sent: Uint8Array, encoding: BodyEncoding, project: string, encoder: BatchEncoder, receivedMs: number): BatchResult<K> {
  const body = decompressBody(sent, encoding)
  const result = batch.kind === 'native' ? processNativeBatch(body, project, encoder, receivedMs) : processOtlpBatch(body, batch.encoding, project, encoder, receivedMs)
  return result as BatchResult<K>
}
