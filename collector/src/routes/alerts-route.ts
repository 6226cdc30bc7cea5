import { Router } from 'express'
import { z } from 'zod'
import type { Evaluator } from '@aims-monitor/evaluator'
import type { ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { jsonBody } from '../http/json-body.js'
import { queryInteger } from '../http/query-params.js'
import type { AuditRecorder } from '../audit-recorder.js'
import { changeSchema, parseOr400, requireEvaluator } from './governance-request.js'

const listSchema = z.strictObject({
  /** Checked by requireScope (the key's own project only); accepted here so that it is not an unknown key. */
  project: z.string().optional(),
  state: z.enum(['open', 'acknowledged', 'resolved']).optional(),
  control: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  severity: z.enum(['low', 'medium', 'high', 'critical']).optional(),
  limit: queryInteger(1, 10_000).default(100),
})

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Alerts (read scope to list and read, with their history and delivery attempts; admin scope to
 * acknowledge or resolve, saying who and why).
 */
export function alertsRoute(deps: { keys: ApiKeyRepository; evaluator: () => Evaluator | undefined; audit: AuditRecorder }): Router {
  const router = Router()
  const evaluatorOr409 = () => requireEvaluator(deps.evaluator)
  const alertId = (raw: unknown): string => {
    const id = String(raw)
    if (!UUID.test(id)) throw new HttpError(400, 'invalid_id', `alert id ${JSON.stringify(id)} is not a UUID`)
    return id
  }
  router.get('/v1/alerts', requireScope(deps.keys, 'read'), async (req, res) => {
    const query = parseOr400(listSchema, req.query, 'invalid_alerts_query')
    const alerts = await evaluatorOr409().alerts.list({ project: req.project!, state: query.state, controlId: query.control, modelId: query.model, severity: query.severity, limit: query.limit })
    res.json({ alerts })
  })
  router.get('/v1/alerts/:id', requireScope(deps.keys, 'read'), async (req, res) => {
    const evaluator = evaluatorOr409()
    const id = alertId(req.params.id)
    const alert = await evaluator.alerts.get(id)
    if (!alert || alert.project !== req.project) throw new HttpError(404, 'alert_not_found', `no alert ${id} in project ${req.project}`)
    res.json({ alert, history: await evaluator.alerts.history(id), deliveries: await evaluator.alerts.deliveries(id) })
  })
  for (const action of ['acknowledge', 'resolve'] as const) {
    router.post(`/v1/alerts/:id/${action}`, requireScope(deps.keys, 'admin'), jsonBody('16kb'), async (req, res) => {
      const evaluator = evaluatorOr409()
      const id = alertId(req.params.id)
      const body = parseOr400(changeSchema, req.body ?? {}, `invalid_${action}_request`)
      const current = await evaluator.alerts.get(id)
      if (!current || current.project !== req.project) throw new HttpError(404, 'alert_not_found', `no alert ${id} in project ${req.project}`)
      const by = body.by ?? req.apiKey!.name
      try {
        const alert = action === 'acknowledge' ? await evaluator.acknowledge(id, by, body.note) : await evaluator.resolve(id, by, body.note)
        await deps.audit(req, `alert.${action}d`, id, { by, note: body.note, control: current.controlId })
        res.json({ alert })
      } catch (error) {
        const status = (error as { status?: unknown }).status
        if (status === 409 || status === 404) throw new HttpError(status, status === 409 ? 'alert_state_conflict' : 'alert_not_found', (error as Error).message, { cause: error })
        throw error
      }
    })
  }
  return router
}
