import { Router } from 'express'
import { z } from 'zod'
import { withAgeing, type Evaluator } from '@aims-monitor/evaluator'
import type { ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { jsonBody } from '../http/json-body.js'
import { parseQuery } from '../dashboard/time-range.js'
import type { AuditRecorder } from '../audit-recorder.js'
import { changeSchema, parseOr400, requireEvaluator } from './governance-request.js'

const updateSchema = z.strictObject({
  by: z.string().trim().min(1).max(200).optional(),
  containment: z.string().trim().min(1).max(8000).optional(),
  rootCause: z.string().trim().min(1).max(8000).optional(),
  correctiveAction: z.string().trim().min(1).max(8000).optional(),
  owner: z.string().trim().min(1).max(200).optional(),
  dueDate: z.iso.date().optional(),
}).refine((u) => Object.keys(u).some((k) => k !== 'by'), 'give at least one of containment, rootCause, correctiveAction, owner, dueDate')

const listSchema = z.strictObject({
  status: z.enum(['open', 'action_taken', 'closed']).optional(),
  /** Checked by requireScope (the key's own project only); accepted here so that it is not an unknown key. */
  project: z.string().optional(),
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Closing; `review` is the effectiveness review of a nonconformity opened by hand without a control. */
const closeSchema = changeSchema.extend({ review: z.string().trim().min(10, 'expected an effectiveness review of at least 10 characters').max(8000).optional() })

/**
 * Nonconformity records (ISO/IEC 42001 clause 10.2) opened by breaches: list and read (read scope,
 * with every version), record containment, root cause and corrective action, close (admin scope).
 */
export function nonconformitiesRoute(deps: { keys: ApiKeyRepository; evaluator: () => Evaluator | undefined; audit: AuditRecorder }): Router {
  const router = Router()
  const evaluatorOr409 = () => requireEvaluator(deps.evaluator)
  const load = async (evaluator: Evaluator, id: string, project: string) => {
    if (!UUID.test(id)) throw new HttpError(400, 'invalid_id', `nonconformity id ${JSON.stringify(id)} is not a UUID`)
    const record = await evaluator.nonconformities.get(id)
    if (!record || record.project !== project) throw new HttpError(404, 'nonconformity_not_found', `no nonconformity ${id} in project ${project}`)
    return record
  }
  const conflict = (error: unknown): never => {
    const status = (error as { status?: unknown }).status
    if (status === 409) throw new HttpError(409, 'nonconformity_state_conflict', (error as Error).message, { cause: error })
    throw error
  }
  router.get('/v1/nonconformities', requireScope(deps.keys, 'read'), async (req, res) => {
    const { status } = parseQuery(listSchema, req.query, 'invalid_nonconformities_query')
    const now = Date.now()
    res.json({ nonconformities: (await evaluatorOr409().nonconformities.list({ project: req.project!, status })).map((record) => withAgeing(record, now)) })
  })
  router.get('/v1/nonconformities/:id', requireScope(deps.keys, 'read'), async (req, res) => {
    const evaluator = evaluatorOr409()
    const record = await load(evaluator, String(req.params.id), req.project!)
    res.json({ nonconformity: withAgeing(record), history: await evaluator.nonconformities.history(record.id) })
  })
  router.post('/v1/nonconformities/:id', requireScope(deps.keys, 'admin'), jsonBody('64kb'), async (req, res) => {
    const evaluator = evaluatorOr409()
    const record = await load(evaluator, String(req.params.id), req.project!)
    const { by, ...changes } = parseOr400(updateSchema, req.body ?? {}, 'invalid_nonconformity_update')
    const updated = await evaluator.nonconformities.update(record.id, changes, by ?? req.apiKey!.name).catch(conflict)
    await deps.audit(req, 'nonconformity.updated', record.id, { changes, status: updated.status })
    res.json({ nonconformity: updated })
  })
  router.post('/v1/nonconformities/:id/close', requireScope(deps.keys, 'admin'), jsonBody('16kb'), async (req, res) => {
    const evaluator = evaluatorOr409()
    const record = await load(evaluator, String(req.params.id), req.project!)
    const body = parseOr400(closeSchema, req.body ?? {}, 'invalid_close_request')
    const closed = await evaluator.nonconformities.close(record.id, body.by ?? req.apiKey!.name, body.note, Date.now(), body.review).catch(conflict)
    await deps.audit(req, 'nonconformity.closed', record.id, { by: closed.closed?.by, note: body.note })
    res.json({ nonconformity: closed })
  })
  return router
}
