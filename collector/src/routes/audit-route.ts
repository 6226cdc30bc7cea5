import { Router } from 'express'
import { z } from 'zod'
import { EvaluationRepository } from '@aims-monitor/evaluator'
import { anchorsOf, parseChainAnchor, type ApiKeyRepository, type AuditLog, type Store } from '@aims-monitor/store'
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

/** An anchor is `<table>:<seq>:<hash>`, a head printed by an earlier verification; repeat it for several. */
const anchorParam = z.string().transform((text, ctx) => {
  try {
    return parseChainAnchor(text)
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message })
    return z.NEVER
  }
})
const verifySchema = z.strictObject({
  project: z.string().optional(),
  // One anchor or several (a repeated parameter is a list); each is refused with its own reason.
  anchor: z.preprocess((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]), z.array(anchorParam).max(100)),
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
  router.get('/v1/verify', requireScope(deps.keys, 'read'), async (req, res) => {
    const { anchor: anchors } = parseOr400(verifySchema, req.query, 'invalid_verify_query')
    const chains = [await evaluations.verifyChain({ anchors: anchorsOf(anchors, 'evaluations') }), await deps.audit.verify(anchorsOf(anchors, 'audit_log'))]
    res.json({ ok: chains.every((c) => c.ok), chains })
  })
  return router
}
