import { Router } from 'express'
import { z } from 'zod'
import { PolicyHistory, UnknownControlError, type Evaluator } from '@aims-monitor/evaluator'
import type { ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { jsonBody } from '../http/json-body.js'
import { evaluationTimeSchema, parseOr400, requireEvaluator } from './governance-request.js'

const evaluateSchema = z.strictObject({
  /** Control ids; every active control when omitted. */
  controls: z.array(z.string().min(1)).min(1).optional(),
  /** Evaluation time (the window evaluated is the one this time falls after); now when omitted. 2000-01-01 to now + 1 day. */
  at: evaluationTimeSchema.optional(),
})

/**
 * The policy's controls with their latest outcome and open alert (read scope), and on-demand
 * evaluation (admin scope). Without a policy (`aims up --policy`), both say so with 409.
 */
export function controlsRoute(deps: { keys: ApiKeyRepository; evaluator: () => Evaluator | undefined }): Router {
  const router = Router()
  const evaluatorOr409 = () => requireEvaluator(deps.evaluator)
  router.get('/v1/controls', requireScope(deps.keys, 'read'), async (req, res) => {
    const evaluator = evaluatorOr409()
    const { policy, sha256 } = evaluator.policy
    const latest = await evaluator.evaluations.latestByControl(req.project!)
    const alerts = await evaluator.alerts.list({ project: req.project!, limit: 10_000 })
    const controls = policy.controls
      .filter((control) => control.scope.project === req.project)
      .map((control) => {
        const evaluation = latest.get(control.id)
        return {
          ...control,
          latest: evaluation ? { evaluationId: evaluation.record.id, seq: evaluation.seq, outcome: evaluation.record.outcome, value: evaluation.record.value, window: evaluation.record.window, evaluatedAt: evaluation.record.evaluatedAt, reason: evaluation.record.reason } : null,
          openAlerts: alerts.filter((a) => a.controlId === control.id && a.state !== 'resolved').map((a) => ({ id: a.id, state: a.state, level: a.level, segment: a.segment, openedAt: a.openedAt })),
        }
      })
    res.json({ policy: { name: policy.metadata.name, version: policy.metadata.version, sha256 }, controls })
  })
  router.get('/v1/controls/history', requireScope(deps.keys, 'read'), async (_req, res) => {
    const evaluator = evaluatorOr409()
    res.json({ versions: await new PolicyHistory(evaluator.store).versions(evaluator.policy.policy.metadata.name) })
  })
  router.post('/v1/controls/evaluate', requireScope(deps.keys, 'admin'), jsonBody('64kb'), async (req, res) => {
    const evaluator = evaluatorOr409()
    const body = parseOr400(evaluateSchema, req.body ?? {}, 'invalid_evaluate_request')
    const results = await evaluator.evaluate({ controls: body.controls, at: body.at }).catch((error: unknown) => {
      if (error instanceof UnknownControlError) throw new HttpError(404, 'unknown_control', error.message, { cause: error })
      throw error
    })
    res.json({
      results: results.map((r) => ({
        control: r.controlId,
        status: r.status,
        outcome: r.outcome,
        evaluation: r.evaluation ? { seq: r.evaluation.seq, hash: r.evaluation.hash, ...r.evaluation.record } : null,
      })),
    })
  })
  return router
}
