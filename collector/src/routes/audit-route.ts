import { Router } from 'express'
import { z } from 'zod'
import { EvaluationRepository } from '@aims-monitor/evaluator'
import type { ApiKeyRepository, AuditLog, Store } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { queryInteger } from '../http/query-params.js'
import { queryTime } from '../dashboard/time-range.js'
import { parseOr400 } from './governance-request.js'

const listSchema = z.strictObject({
  project: z.string().optional(),
  action: z.string().min(1).optional(),
  from: queryTime.optional(),
  to: queryTime.optional(),
  limit: queryInteger(1, 10_000).default(100),
})

/**
 * The audit log of administrative actions (admin scope: it names who did what) and the check of
 * every hash chain the store keeps (read scope): `GET /v1/verify` is what `aims verify` asks a
 * running collector.
 */
export function auditRoute(deps: { keys: ApiKeyRepository; audit: AuditLog; store: Store }): Router {
  const router = Router()
  const evaluations = new EvaluationRepository(deps.store)
  router.get('/v1/audit', requireScope(deps.keys, 'admin'), async (req, res) => {
    const query = parseOr400(listSchema, req.query, 'invalid_audit_query')
    res.json({ entries: await deps.audit.list({ project: req.project!, action: query.action, from: query.from, to: query.to, limit: query.limit }) })
  })
  router.get('/v1/verify', requireScope(deps.keys, 'read'), async (_req, res) => {
    const chains = [await evaluations.verifyChain(), await deps.audit.verify()]
    res.json({ ok: chains.every((c) => c.ok), chains })
  })
  return router
}
