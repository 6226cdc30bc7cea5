import { Router } from 'express'
import type { RejectedEvent } from '@aims-monitor/schema'
import type { ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { rawBody } from '../http/raw-body.js'
import type { IngestService } from '../ingest/ingest-service.js'
import type { BatchProcessor } from '../ingest/batch-processor.js'
import type { CollectorMetrics } from '../metrics.js'

/**
 * `POST /v1/events`: the native JSON batch `{ "events": [ … ] }`.
 * 200: all accepted. 207: some rejected, the rest stored. 400: nothing acceptable (with the same
 * per-event report) or not a batch at all; an event that would take its model past the column limit
 * is one of the rejected (`too_many_columns`). 401/403 auth, 413 too big, 415 not JSON, 503 spool full.
 */
export function eventsRoute(deps: {
  keys: ApiKeyRepository
  ingest: IngestService
  batches: BatchProcessor
  metrics: CollectorMetrics
  maxBodyBytes: number
}): Router {
  const router = Router()
  router.post('/v1/events', requireScope(deps.keys, 'ingest'), rawBody(['application/json'], deps.maxBodyBytes), async (req, res) => {
    deps.ingest.checkAccepting()
    const result = await deps.batches.process({ kind: 'native' }, req.project!, req.body as Buffer, { contentEncoding: req.bodyEncoding ?? 'identity', maxBytes: deps.maxBodyBytes })
    if (!result.ok) {
      deps.metrics.eventsRejected.inc({ reason: result.code === 'invalid_batch' ? 'not_a_batch' : result.code, interface: 'native' })
      throw new HttpError(result.status, result.code, result.message)
    }
    deps.metrics.batchSize.observe({ interface: 'native' }, result.events)
    if (result.rejected.length > 0) countRejections(deps.metrics, result.rejected)
    await deps.ingest.ingestEncoded(result.chunks, result, 'native')
    const accepted = result.predictions + result.outcomes
    const status = result.rejected.length === 0 ? 200 : accepted > 0 ? 207 : 400
    res.status(status).json({ accepted, rejected: result.rejected })
  })
  return router
}

function countRejections(metrics: CollectorMetrics, rejected: readonly RejectedEvent[]): void {
  // The same reason names as the OTLP route's, so one query over both interfaces reads alike.
  for (const r of rejected) metrics.eventsRejected.inc({ reason: r.reason === 'duplicate' ? 'duplicate_in_batch' : r.reason === 'too_many_columns' ? 'too_many_columns' : 'invalid_event', interface: 'native' })
}
