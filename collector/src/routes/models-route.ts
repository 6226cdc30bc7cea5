import { Router } from 'express'
import { listModelSummaries, type ApiKeyRepository, type Store } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import type { SpoolBarrier } from '../spool/spool-barrier.js'

/**
 * `GET /v1/models` (read scope): the key's project's models with versions, prediction and outcome
 * counts, first and last event times. Read-your-writes: it first waits (up to `waitMs`, default 5 s,
 * `?wait=0` to skip) until every event acknowledged before the request is in the store, and reports
 * how many still wait in the spool as `pendingEvents`.
 */
export function modelsRoute(deps: { keys: ApiKeyRepository; store: Store; barrier: SpoolBarrier }): Router {
  const router = Router()
  router.get('/v1/models', requireScope(deps.keys, 'read'), async (req, res) => {
    const waitMs = parseWait(req.query.wait)
    const pendingEvents = await deps.barrier.awaitStored(waitMs)
    const models = await listModelSummaries(deps.store, req.project!)
    res.json({ project: req.project, models, pendingEvents })
  })
  return router
}

function parseWait(value: unknown): number {
  if (typeof value !== 'string') return 5000
  const n = Number(value)
  return Number.isFinite(n) && n >= 0 ? Math.min(n, 60_000) : 5000
}
