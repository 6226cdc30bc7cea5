import { ExportResultCode } from '@opentelemetry/core'
import { OTLPLogExporter as OtlpHttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as OtlpProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base'
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ExportBatch, ExportOutcome, HttpSettings, LogTransport, TransportContext } from './log-export.js'
import { ResponseWatch } from './otlp-partial-success.js'
import type { RecordQueue } from './record-queue.js'
import { toLogRecord } from './to-log-record.js'

/**
 * The official OpenTelemetry OTLP/HTTP log exporters (`exporter: 'official'`, and the JSON
 * protocol): each queued record rebuilt as a ReadableLogRecord and encoded by
 * @opentelemetry/otlp-transformer. Measured ~7x the CPU per record of DirectLogTransport, which
 * writes the same bytes; kept for JSON, for comparison, and as the reference the direct encoder is
 * tested against.
 */
export class OfficialLogTransport implements LogTransport {
  private readonly exporter: LogRecordExporter
  /** The collector's partial successes, when the exporter's internals are as expected (see watchResponses). */
  private readonly responses: ResponseWatch<ReadableLogRecord[]> | undefined

  constructor(
    http: HttpSettings,
    protocol: 'http/protobuf' | 'http/json',
    private readonly context: TransportContext,
  ) {
    const config = { ...http, compression: CompressionAlgorithm.GZIP }
    this.exporter = protocol === 'http/json' ? new OtlpHttpJsonLogExporter(config) : new OtlpProtobufLogExporter(config)
    this.responses = watchResponses(this.exporter)
  }

  batch(): ExportBatch {
    const records: ReadableLogRecord[] = []
    const { ids, resource, sanitizer } = this.context
    const exporter = this.exporter
    const responses = this.responses
    return {
      add(queue: RecordQueue, i: number) {
        records.push(toLogRecord(queue.view(i), ids, resource, sanitizer))
      },
      get size() {
        return records.length
      },
      send: () =>
        new Promise<ExportOutcome>((resolve) => {
          try {
            exporter.export(records, (result) => {
              const partial = responses?.take() ?? {}
              resolve(result.code === ExportResultCode.SUCCESS ? { ok: true, ...partial } : { ok: false, ...(result.error ? { error: result.error } : {}) })
            })
          } catch (error) {
            resolve({ ok: false, error: error as Error })
          }
        }),
    }
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown()
  }
}

/**
 * The official exporters only log a partial success (OpenTelemetry's diag logger); to count the
 * records the collector refused, their export delegate's serializer is wrapped (OTLPExporterBase
 * keeps it as `_delegate._serializer`, in the pinned 0.301 exporters). When that shape is not
 * there (another version), refusals are not counted and nothing else changes.
 */
function watchResponses(exporter: LogRecordExporter): ResponseWatch<ReadableLogRecord[]> | undefined {
  type Serializer = { serializeRequest(request: ReadableLogRecord[]): Uint8Array | undefined; deserializeResponse(data: Uint8Array): unknown }
  const delegate = (exporter as unknown as { _delegate?: { _serializer?: Serializer } })._delegate
  const serializer = delegate?._serializer
  if (delegate === undefined || typeof serializer?.serializeRequest !== 'function' || typeof serializer.deserializeResponse !== 'function') return undefined
  const watch = new ResponseWatch<ReadableLogRecord[]>(serializer)
  delegate._serializer = watch.watched
  return watch
}
