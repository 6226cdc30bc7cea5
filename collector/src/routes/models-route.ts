import { Router } from 'express'
import { z } from 'zod'
import { listModelSummaries, type ApiKeyRepository, type Store } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import type { SpoolBarrier } from '../spool/spool-barrier.js'
import { parseQuery } from '../dashboard/time-range.js'
import { waitParam } from '../http/query-params.js'

const modelsQuery = z.strictObject({
  /** Read-your-writes wait in ms (≤ 60 s); default 5 s. */
  wait: waitParam.optional(),
  /** Checked by requireScope (the key's own project only); accepted here so that it is not an unknown key. */
  project: z.string().optional(),
})

/**
 * `GET /v1/models` (read scope): the key's project's models with versions, prediction and outcome
 * counts, first and last event times. Read-your-writes: it first waits (up to `waitMs`, default 5 s,
 * `?wait=0` to skip) until every event acknowledged before the request is in the store, and reports
 * how many still wait in the spool as `pendingEvents`.
 */
export function modelsRoute(deps: { keys: ApiKeyRepository; store: Store; barrier: SpoolBarrier }): Router {
  const router = Router()
  router.get('/v1/models', requireScope(deps.keys, 'read'), async (req, res) => {
    // A bad `wait` is 400 naming it, not a silent 5 s (as GET /v1/register).
    const query = parseQuery(modelsQuery, req.query, 'invalid_models_query')
    const pendingEvents = await deps.barrier.awaitStored(query.wait ?? 5000)
    const models = await listModelSummaries(deps.store, req.project!)
    res.json({ project: req.project, models, pendingEvents })
  })
  return router
}
