import { gzip } from 'node:zlib'
import { CompressionAlgorithm, type IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base'
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http'
import { ExportResultCode } from '@opentelemetry/core'
import type { ExportBatch, ExportOutcome, HttpSettings, LogTransport, TransportContext } from './log-export.js'
import { OtlpLogEncoder } from './otlp-log-encoder.js'
import { ResponseWatch } from './otlp-partial-success.js'
import { decodeExportLogsResponse } from './otlp-response.js'
import type { RecordQueue } from './record-queue.js'

/** A request as the official transport carries it: the gzipped body and how many records it holds (for its metrics). */
interface EncodedRequest {
  body: Uint8Array
  records: number
}

/**
 * The default transport: OTLP/HTTP protobuf written straight from the queue's columns by
 * OtlpLogEncoder (the bytes the official serializer writes, at ~1/7 of its CPU per record), gzipped
 * here at level 1, then sent by OpenTelemetry's own OTLP/HTTP transport
 * (@opentelemetry/otlp-exporter-base): the same retries with jittered backoff within the export
 * deadline, timeouts, bound on requests in flight and HTTP agent as the official exporters.
 *
 * Why gzip here rather than in that transport: it compresses at zlib's default level 6, which
 * measured 5.2 µs of CPU per record against 1.8 µs at level 1, for 48 against 56 bytes per record
 * (a model's records are alike, so even level 1 shrinks them ~8x). The body is sent with
 * `Content-Encoding: gzip` and the transport's own compression off. zlib runs on libuv's thread
 * pool, off the application's thread.
 */
export class DirectLogTransport implements LogTransport {
  private readonly encoder: OtlpLogEncoder
  private readonly delegate: IOtlpExportDelegate<EncodedRequest>
  /** The collector's partial successes (records it refused), counted as failed by the recorder. */
  private readonly responses = new ResponseWatch<EncodedRequest>({ serializeRequest: (request) => request.body, deserializeResponse: decodeExportLogsResponse })
  /**
   * Bodies are compressed one after another, not all in flight at once: on a busy machine four
   * 8192-record bodies compressed together took ~300 ms each, one at a time ~60 ms, so the first
   * request goes out (and an unreachable collector is noticed) sooner. One thread compresses
   * ~500k records/s, far above what a request pipeline needs.
   */
  private compressing: Promise<unknown> | undefined

  constructor(http: HttpSettings, context: TransportContext) {
    this.encoder = new OtlpLogEncoder(context.resource.attributes, context.scope, context.ids, context.sanitizer, context.shapes)
    const options = convertLegacyHttpOptions(
      { ...http, headers: { ...http.headers, 'Content-Encoding': 'gzip' }, compression: CompressionAlgorithm.NONE },
      'LOGS',
      'v1/logs',
      { 'Content-Type': 'application/x-protobuf' },
    )
    this.delegate = createOtlpHttpExportDelegate(
      options,
      this.responses.watched,
      'otlp_http_log_exporter',
      { name: 'log', countItems: (request: EncodedRequest) => request.records },
      undefined,
    )
  }

  /** A batch; batches are built one at a time (the encoder holds the one being built). */
  batch(expectedRecords: number): ExportBatch {
    const encoder = this.encoder
    const delegate = this.delegate
    const responses = this.responses
    encoder.begin(expectedRecords)
    let size = 0
    return {
      add(queue: RecordQueue, i: number) {
        encoder.add(queue, i)
        size++
      },
      get size() {
        return size
      },
      send: () => {
        const body = encoder.finish()
        if (body === undefined) return Promise.resolve({ ok: true })
        encoder.learnSize(size, body.length)
        // Starts at once when nothing is being compressed (not a microtask later, after the caller's next batch).
        const compressed = this.compressing ? this.compressing.then(() => gzipped(body)) : gzipped(body)
        const settled = compressed.then(
          () => undefined,
          () => undefined,
        )
        this.compressing = settled
        void settled.then(() => {
          if (this.compressing === settled) this.compressing = undefined
        })
        return compressed.then(
          (gzippedBody) =>
            new Promise<ExportOutcome>((resolve) => {
              try {
                delegate.export({ body: gzippedBody, records: size }, (result) => {
                  const partial = responses.take()
                  resolve(result.code === ExportResultCode.SUCCESS ? { ok: true, ...partial } : { ok: false, ...(result.error ? { error: result.error } : {}) })
                })
              } catch (exportError) {
                resolve({ ok: false, error: exportError as Error })
              }
            }),
          (error: Error) => ({ ok: false, error }),
        )
      },
    }
  }

  shutdown(): Promise<void> {
    return this.delegate.shutdown()
  }
}

/** gzip at level 1, on libuv's thread pool. */
function gzipped(body: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(body, { level: 1 }, (error, compressed) => (error ? reject(error) : resolve(compressed))))
}
