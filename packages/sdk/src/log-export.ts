import type { Resource } from '@opentelemetry/resources'
import type { ResolvedMonitorOptions } from './config.js'
import { DirectLogTransport } from './direct-log-transport.js'
import type { FieldSanitizer } from './field-sanitizer.js'
import type { FieldShapes } from './field-shapes.js'
import { OfficialLogTransport } from './official-log-transport.js'
import type { PredictionIds } from './prediction-ids.js'
import type { RecordQueue } from './record-queue.js'

/** How an export ended (never a rejection). */
export interface ExportOutcome {
  ok: boolean
  error?: Error
  /** Delivered, but the collector refused this many of its records (an OTLP partial success). */
  rejected?: number
  /** The collector's reason for the refused records. */
  message?: string
}

/** One export request being built from the queue, then sent. */
export interface ExportBatch {
  /** Adds record `i` of `queue` (during the queue's drain). Throws when the record cannot be encoded; it is then not part of the batch. */
  add(queue: RecordQueue, i: number): void
  /** Records added so far. */
  readonly size: number
  /** Sends the batch (at most once); resolves when delivered or given up. */
  send(): Promise<ExportOutcome>
}

/** Where batches go: OTLP/HTTP to the collector. */
export interface LogTransport {
  batch(expectedRecords: number): ExportBatch
  shutdown(): Promise<void>
}

/** What both transports need to know beyond the options. */
export interface TransportContext {
  resource: Resource
  scope: { name: string; version: string }
  ids: PredictionIds
  sanitizer: FieldSanitizer
  shapes: FieldShapes
}

/**
 * The transport for the options: OTLP/HTTP protobuf written straight from the queue by default
 * (DirectLogTransport), or the official OpenTelemetry exporters (`exporter: 'official'`, and always
 * for `protocol: 'http/json'`). Both send through OpenTelemetry's OTLP/HTTP transport: gzip, a
 * deadline per export, retries of 429/502/503/504 with jittered backoff, a bound on exports in
 * flight. Records reach them in batches from the export loop, never from the model call.
 */
export function createLogTransport(options: ResolvedMonitorOptions, context: TransportContext): LogTransport {
  const http = {
    // Relative to the endpoint, so a path prefix (a reverse proxy's /aims/) is kept.
    url: new URL('v1/logs', options.endpoint!.endsWith('/') ? options.endpoint : `${options.endpoint}/`).toString(),
    headers: { ...options.headers, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
    timeoutMillis: options.exportTimeoutMs,
    concurrencyLimit: options.maxConcurrentExports,
  }
  return options.exporter === 'official' || options.protocol === 'http/json'
    ? new OfficialLogTransport(http, options.protocol, context)
    : new DirectLogTransport(http, context)
}

/** HTTP settings shared by both transports. */
export interface HttpSettings {
  url: string
  headers: Record<string, string>
  timeoutMillis: number
  concurrencyLimit: number
}
