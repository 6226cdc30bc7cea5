import { Router, type NextFunction, type Request, type Response } from 'express'
import type { ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { rawBody } from '../http/raw-body.js'
import type { BatchProcessor } from '../ingest/batch-processor.js'
import type { IngestService } from '../ingest/ingest-service.js'
import { encodeExportLogsResponse } from '../ingest/otlp/encode-export-response.js'
import { encodeStatus, rpcCodeForHttpStatus } from '../ingest/otlp/encode-status.js'
import { OTLP_CONTENT_TYPES, otlpEncodingOf } from '../ingest/otlp/otlp-encoding.js'
import type { CollectorMetrics } from '../metrics.js'

/**
 * `POST /v1/logs`: OTLP/HTTP logs, JSON or protobuf, gzip or not. Log records that follow
 * docs/semantic-conventions.md become predictions and outcomes; the rest are rejected per record.
 * Decoding, mapping, validation and encoding run in the ingest workers (processOtlpBatch); this
 * thread keeps HTTP and the spool.
 *
 * Answers as the OTLP/HTTP specification asks, in the request's encoding: 200 with an
 * ExportLogsServiceResponse (partialSuccess counting and explaining rejected records); 400 with a
 * google.rpc.Status when the body is not an ExportLogsServiceRequest (exporters do not retry it);
 * 401/403/413/415/422 with a Status too. 5xx (503 spool full, with Retry-After) go to the collector's
 * error handler unchanged: exporters retry 429/502/503/504 by status and Retry-After, not by body.
 */
export function otlpLogsRoute(deps: { keys: ApiKeyRepository; ingest: IngestService; batches: BatchProcessor; metrics: CollectorMetrics; maxBodyBytes: number }): Router {
  const router = Router()
  router.post(
    '/v1/logs',
    requireScope(deps.keys, 'ingest'),
    rawBody([OTLP_CONTENT_TYPES.json, OTLP_CONTENT_TYPES.protobuf], deps.maxBodyBytes),
    async (req: Request, res: Response) => {
      deps.ingest.checkAccepting()
      const encoding = otlpEncodingOf(req.headers['content-type'])
      const result = await deps.batches.process({ kind: 'otlp', encoding }, req.project!, req.body as Buffer, { contentEncoding: req.bodyEncoding ?? 'identity', maxBytes: deps.maxBodyBytes })
      if (!result.ok) {
        deps.metrics.eventsRejected.inc({ reason: result.rejectionReason, interface: 'otlp' })
        throw new HttpError(result.status, result.code, result.message)
      }
      deps.metrics.batchSize.observe({ interface: 'otlp' }, result.total)
      if (encoding === 'protobuf') deps.metrics.otlpRequests.inc({ path: result.path })
      for (const r of result.rejected) deps.metrics.eventsRejected.inc({ reason: r.reason, interface: 'otlp' })
      await deps.ingest.ingestEncoded(result.chunks, result, 'otlp')
      const partialSuccess = result.partialSuccessMessage !== undefined ? { rejectedLogRecords: result.rejected.length, errorMessage: result.partialSuccessMessage } : undefined
      res.status(200).type(OTLP_CONTENT_TYPES[encoding]).send(encodeExportLogsResponse(encoding, partialSuccess))
    },
    otlpErrorResponse,
  )
  return router
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
