export { startCollector } from './collector.js'
export type { RunningCollector } from './collector.js'
export { collectorConfigFromEnv, collectorSettingsSchema } from './config.js'
export type { CollectorConfig, CollectorSettings } from './config.js'
export { createApp } from './app.js'
export type { AppDependencies } from './app.js'
export { createLogger } from './logger.js'
export type { Logger } from './logger.js'
export { createCollectorMetrics } from './metrics.js'
export type { CollectorMetrics } from './metrics.js'
export { HttpError } from './http/http-error.js'
export { Spool, SpoolFullError } from './spool/spool.js'
export type { SpoolOptions } from './spool/spool.js'
export { SpoolDrainer } from './spool/spool-drainer.js'
export { recoverSpool, spoolDirectory } from './spool/spool-recovery.js'
export { IngestService } from './ingest/ingest-service.js'
export { toRecords, toPredictionRecord, toOutcomeRecord, DEFAULT_ENVIRONMENT } from './ingest/to-records.js'
export { otlpLogsRoute } from './routes/otlp-logs-route.js'
export { mapLogRecord } from './ingest/otlp/map-log-record.js'
export type { LogRecordMapping } from './ingest/otlp/map-log-record.js'
export { processLogsRequest } from './ingest/otlp/process-logs-request.js'
export type { ProcessedLogsRequest, RecordRejection, RecordRejectionReason } from './ingest/otlp/process-logs-request.js'
export { decodeJsonLogsRequest } from './ingest/otlp/decode-json.js'
export { decodeProtobufLogsRequest } from './ingest/otlp/decode-protobuf.js'
export { OtlpDecodeError } from './ingest/otlp/otlp-decode-error.js'
export type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest, OtlpResourceLogs, OtlpScopeLogs } from './ingest/otlp/otlp-model.js'
export {
  AIMS_ATTRIBUTES,
  AIMS_EVENT_NAMES,
  AIMS_NAMESPACE,
  ENVIRONMENT_ATTRIBUTES,
  EVENT_NAME_ATTRIBUTE,
  RESOURCE_FALLBACK_ATTRIBUTES,
} from './ingest/otlp/semantic-conventions.js'
