import { Router } from 'express'
import { eventBatchEnvelopeSchema, validateEventBatch, type RejectedEvent } from '@aims-monitor/schema'
import type { ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { rawBody } from '../http/raw-body.js'
import type { IngestService } from '../ingest/ingest-service.js'
import type { CollectorMetrics } from '../metrics.js'

/**
 * `POST /v1/events`: the native JSON batch `{ "events": [ … ] }`.
 * 200: all accepted. 207: some rejected, the rest stored. 400: nothing acceptable (with the same
 * per-event report) or not a batch at all. 401/403 auth, 413 too big, 415 not JSON, 503 spool full.
 */
export function eventsRoute(deps: { keys: ApiKeyRepository; ingest: IngestService; metrics: CollectorMetrics; maxBodyBytes: number }): Router {
  const router = Router()
  router.post('/v1/events', requireScope(deps.keys, 'ingest'), rawBody(['application/json'], deps.maxBodyBytes), async (req, res) => {
    const body = parseJson(req.body as Buffer)
    const envelope = eventBatchEnvelopeSchema.safeParse(body)
    if (!envelope.success) {
      deps.metrics.eventsRejected.inc({ reason: 'not_a_batch', interface: 'native' })
      const issue = envelope.error.issues[0]!
      const where = issue.path.length > 0 ? issue.path.join('.') : 'the body'
      throw new HttpError(400, 'invalid_batch', `not an event batch: ${where}: ${issue.code === 'invalid_type' && issue.path.length === 0 ? 'expected an object { "events": [ … ] }' : issue.message}`)
    }
    const events = envelope.data.events
    deps.metrics.batchSize.observe({ interface: 'native' }, events.length)
    const { accepted, rejected } = validateEventBatch(events)
    if (rejected.length > 0) countRejections(deps.metrics, rejected)
    if (accepted.length > 0) await deps.ingest.ingest(req.project!, accepted, 'native')
    const status = rejected.length === 0 ? 200 : accepted.length > 0 ? 207 : 400
    res.status(status).json({ accepted: accepted.length, rejected })
  })
  return router
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, 'empty_body', 'the body is empty; send { "events": [ … ] }')
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (error) {
    throw new HttpError(400, 'malformed_json', `the body is not valid JSON: ${(error as Error).message}`, { cause: error })
  }
}

function countRejections(metrics: CollectorMetrics, rejected: readonly RejectedEvent[]): void {
  for (const r of rejected) metrics.eventsRejected.inc({ reason: r.reason === 'duplicate' ? 'duplicate_in_batch' : 'invalid_event', interface: 'native' })
}
