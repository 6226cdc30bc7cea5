import { Router } from 'express'
import { z } from 'zod'
import type { Evaluator, StoredEvaluation } from '@aims-monitor/evaluator'
import type { ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { queryInteger } from '../http/query-params.js'
import { queryTime } from '../dashboard/time-range.js'
import { parseOr400, requireEvaluator } from './governance-request.js'

const listSchema = z.strictObject({
  /** Checked by requireScope (the key's own project only); accepted here so that it is not an unknown key. */
  project: z.string().optional(),
  control: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  outcome: z.enum(['pass', 'warn', 'breach', 'insufficient_data', 'error']).optional(),
  /** Window end at or after. */
  from: queryTime.optional(),
  /** Window end before. */
  to: queryTime.optional(),
  limit: queryInteger(1, 10_000).default(100),
  /** Paging: records with seq below this. */
  before: queryInteger(1, Number.MAX_SAFE_INTEGER).optional(),
})

/** The evaluation records (read scope): filtered lists, one record, and the hash-chain check. */
export function evaluationsRoute(deps: { keys: ApiKeyRepository; evaluator: () => Evaluator | undefined }): Router {
  const router = Router()
  const read = requireScope(deps.keys, 'read')
  const evaluatorOr409 = () => requireEvaluator(deps.evaluator)
  router.get('/v1/evaluations', read, async (req, res) => {
    const query = parseOr400(listSchema, req.query, 'invalid_evaluations_query')
    const records = await evaluatorOr409().evaluations.list({
      project: req.project!, controlId: query.control, modelId: query.model, outcome: query.outcome,
      from: query.from, to: query.to, limit: query.limit, beforeSeq: query.before,
    })
    res.json({ evaluations: records.map(view), next: records.length === query.limit ? { before: records[records.length - 1]!.seq } : null })
  })
  router.get('/v1/evaluations/verify', read, async (_req, res) => {
    res.json(await evaluatorOr409().evaluations.verifyChain())
  })
  router.get('/v1/evaluations/:id', read, async (req, res) => {
    const id = String(req.params.id)
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new HttpError(400, 'invalid_id', `evaluation id ${JSON.stringify(id)} is not a UUID`)
    const stored = await evaluatorOr409().evaluations.findById(id)
    if (!stored || stored.record.project !== req.project) throw new HttpError(404, 'evaluation_not_found', `no evaluation ${id} in project ${req.project}`)
    res.json(view(stored))
  })
  return router
}

function view(stored: StoredEvaluation) {
  return { seq: stored.seq, hash: stored.hash, prevHash: stored.prevHash, ...stored.record }
}
