import { ExportResultCode } from '@opentelemetry/core'
import { OTLPLogExporter as OtlpHttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as OtlpProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base'
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ResolvedMonitorOptions } from './config.js'

/**
 * The transport: the official OpenTelemetry OTLP/HTTP log exporters (protobuf by default, JSON on
 * request), with gzip, a deadline per export, their retries of 429/502/503/504 with jittered
 * backoff, and a bound on exports in flight. Records reach them in batches from the export loop,
 * never from the model call.
 */
export function createLogExporter(options: ResolvedMonitorOptions): LogRecordExporter {
  const config = {
    // Relative to the endpoint, so a path prefix (a reverse proxy's /aims/) is kept.
    url: new URL('v1/logs', options.endpoint!.endsWith('/') ? options.endpoint : `${options.endpoint}/`).toString(),
    headers: { ...options.headers, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
    compression: CompressionAlgorithm.GZIP,
    timeoutMillis: options.exportTimeoutMs,
    concurrencyLimit: options.maxConcurrentExports,
  }
  return options.protocol === 'http/json' ? new OtlpHttpJsonLogExporter(config) : new OtlpProtobufLogExporter(config)
}

/** Exports one batch; resolves with whether it was delivered (never rejects). */
export function exportBatch(exporter: LogRecordExporter, records: ReadableLogRecord[]): Promise<{ ok: boolean; error?: Error }> {
  return new Promise((resolve) => {
    try {
      exporter.export(records, (result) => resolve(result.code === ExportResultCode.SUCCESS ? { ok: true } : { ok: false, ...(result.error ? { error: result.error } : {}) }))
    } catch (error) {
      resolve({ ok: false, error: error as Error })
    }
  })
}
