import { Router, type NextFunction, type Request, type Response } from 'express'
import { LIMITS } from '@aims-monitor/schema'
import type { ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { rawBody } from '../http/raw-body.js'
import type { IngestService } from '../ingest/ingest-service.js'
import { decodeJsonLogsRequest } from '../ingest/otlp/decode-json.js'
import { decodeProtobufLogsRequest } from '../ingest/otlp/decode-protobuf.js'
import { encodeExportLogsResponse } from '../ingest/otlp/encode-export-response.js'
import { encodeStatus, rpcCodeForHttpStatus } from '../ingest/otlp/encode-status.js'
import { OtlpDecodeError } from '../ingest/otlp/otlp-decode-error.js'
import { OTLP_CONTENT_TYPES, otlpEncodingOf } from '../ingest/otlp/otlp-encoding.js'
import { countLogRecords, type OtlpEncoding, type OtlpLogsRequest } from '../ingest/otlp/otlp-model.js'
import { partialSuccessMessage } from '../ingest/otlp/partial-success-message.js'
import { processLogsRequest } from '../ingest/otlp/process-logs-request.js'
import type { CollectorMetrics } from '../metrics.js'

/**
 * `POST /v1/logs`: OTLP/HTTP logs, JSON or protobuf, gzip or not. Log records that follow
 * docs/semantic-conventions.md become predictions and outcomes; the rest are rejected per record.
 *
 * Answers as the OTLP/HTTP specification asks, in the request's encoding: 200 with an
 * ExportLogsServiceResponse (partialSuccess counting and explaining rejected records); 400 with a
 * google.rpc.Status when the body is not an ExportLogsServiceRequest (exporters do not retry it);
 * 401/403/413/415 with a Status too. 5xx (503 spool full, with Retry-After) go to the collector's
 * error handler unchanged: exporters retry 429/502/503/504 by status and Retry-After, not by body.
 */
export function otlpLogsRoute(deps: { keys: ApiKeyRepository; ingest: IngestService; metrics: CollectorMetrics; maxBodyBytes: number }): Router {
  const router = Router()
  router.post(
    '/v1/logs',
    requireScope(deps.keys, 'ingest'),
    rawBody([OTLP_CONTENT_TYPES.json, OTLP_CONTENT_TYPES.protobuf], deps.maxBodyBytes),
    async (req: Request, res: Response) => {
      const encoding = otlpEncodingOf(req.headers['content-type'])
      const request = decode(encoding, req.body as Buffer, deps.metrics)
      const total = countLogRecords(request)
      if (total > LIMITS.maxEventsPerBatch) {
        deps.metrics.eventsRejected.inc({ reason: 'too_many_records', interface: 'otlp' })
        throw new HttpError(400, 'too_many_records', `${total} log records in one request; at most ${LIMITS.maxEventsPerBatch} are accepted (lower the exporter's batch size)`)
      }
      deps.metrics.batchSize.observe({ interface: 'otlp' }, total)
      const { accepted, rejected } = processLogsRequest(request)
      for (const r of rejected) deps.metrics.eventsRejected.inc({ reason: r.reason, interface: 'otlp' })
      if (accepted.length > 0) await deps.ingest.ingest(req.project!, accepted, 'otlp')
      const partialSuccess = rejected.length > 0 ? { rejectedLogRecords: rejected.length, errorMessage: partialSuccessMessage(rejected, total) } : undefined
      res.status(200).type(OTLP_CONTENT_TYPES[encoding]).send(encodeExportLogsResponse(encoding, partialSuccess))
    },
    otlpErrorResponse,
  )
  return router
}

function decode(encoding: OtlpEncoding, body: Buffer, metrics: CollectorMetrics): OtlpLogsRequest {
  try {
    return encoding === 'json' ? decodeJsonLogsRequest(body) : decodeProtobufLogsRequest(body)
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error
    metrics.eventsRejected.inc({ reason: 'malformed_request', interface: 'otlp' })
    throw new HttpError(400, 'malformed_otlp', error.message, { cause: error })
  }
}

/**
 * Client errors of this route become a google.rpc.Status in the request's encoding, with the
 * HttpError's status and headers (WWW-Authenticate). Server errors are passed on untouched.
 */
function otlpErrorResponse(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (!(error instanceof HttpError) || error.status >= 500 || res.headersSent) return next(error)
  const encoding = otlpEncodingOf(req.headers['content-type'])
  res
    .status(error.status)
    .set(error.headers)
    .type(OTLP_CONTENT_TYPES[encoding])
    .send(encodeStatus(encoding, rpcCodeForHttpStatus(error.status), error.message))
}
