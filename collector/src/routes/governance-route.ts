import { Router } from 'express'
import { z } from 'zod'
import { FRAMEWORK_NAMES, type FrameworkName } from '@aims-monitor/controls'
import { buildCoverage, buildModelRegister, withAgeing, type Evaluator } from '@aims-monitor/evaluator'
import type { ApiKeyRepository, Store } from '@aims-monitor/store'
import type { AuditRecorder } from '../audit-recorder.js'
import { requireScope } from '../auth/authenticate.js'
import { parseQuery, queryTime } from '../dashboard/time-range.js'
import { HttpError } from '../http/http-error.js'
import { jsonBody } from '../http/json-body.js'
import { waitParam } from '../http/query-params.js'
import type { SpoolBarrier } from '../spool/spool-barrier.js'
import { parseOr400 } from './governance-request.js'

const DAY_MS = 86_400_000
/** The coverage period when none is given: the last 30 days, a month of evidence. */
const DEFAULT_COVERAGE_DAYS = 30

const registerQuery = z.strictObject({
  /** Read-your-writes, as GET /v1/models: wait up to this long for acknowledged events (ms, ≤ 60 s). */
  wait: waitParam.optional(),
  project: z.string().optional(),
})

const coverageQuery = z.strictObject({
  from: queryTime.optional(),
  to: queryTime.optional(),
  framework: z.enum(FRAMEWORK_NAMES as [FrameworkName, ...FrameworkName[]]).optional(),
  project: z.string().optional(),
})

/**
 * A field's own message when it is missing; any other problem (too long, not a string) keeps zod's.
 * (zod applies a schema-level `error` to every issue of the field, so a plain string would answer
 * "say what does not conform" to a description that is merely too long.)
 */
const missing = (message: string) => (issue: { input?: unknown }) => (issue.input === undefined ? message : undefined)

const manualSchema = z.strictObject({
  /** The control it concerns (must be in the policy), if any. */
  controlId: z.string().trim().min(1).max(200).optional(),
  description: z.string({ error: missing('say what does not conform (description)') }).trim().min(10, 'expected a description of at least 10 characters').max(8000),
  owner: z.string({ error: missing('name who owns the corrective action (owner)') }).trim().min(1, 'expected the owner').max(200),
  dueDate: z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'expected an ISO 8601 date such as 2026-12-31' }).optional(),
  /** Defaults to the API key's name. */
  by: z.string().trim().min(1).max(200).optional(),
})

/**
 * Governance evidence beside the controls: the model register (`GET /v1/register`, read), the
 * Statement-of-Applicability coverage matrix (`GET /v1/coverage`, read) and nonconformities opened
 * by hand (`POST /v1/nonconformities`, admin: an audit finding, a complaint, an incident no control
 * caught). The register and the matrix answer without a policy too (everything unregistered and
 * uncovered); opening a nonconformity needs one, as the rest of the nonconformity API does.
 */
export function governanceRoute(deps: {
  keys: ApiKeyRepository
  store: Store
  barrier: SpoolBarrier
  evaluator: () => Evaluator | undefined
  audit: AuditRecorder
}): Router {
  const router = Router()
  router.get('/v1/register', requireScope(deps.keys, 'read'), async (req, res) => {
    const query = parseQuery(registerQuery, req.query)
    const pendingEvents = await deps.barrier.awaitStored(query.wait ?? 5000)
    const register = await buildModelRegister(deps.store, deps.evaluator()?.policy ?? null, req.project!)
    res.json({ ...register, pendingEvents })
  })
  router.get('/v1/coverage', requireScope(deps.keys, 'read'), async (req, res) => {
    const query = parseQuery(coverageQuery, req.query)
    const to = query.to ?? Date.now()
    const from = query.from ?? to - DEFAULT_COVERAGE_DAYS * DAY_MS
    if (from >= to) throw new HttpError(400, 'invalid_dashboard_query', `to: must be after from (${new Date(from).toISOString()})`)
    const matrix = await buildCoverage(deps.store, deps.evaluator()?.policy ?? null, {
      project: req.project!, from, to, frameworks: query.framework ? [query.framework] : undefined,
    })
    res.json(matrix)
  })
  router.post('/v1/nonconformities', requireScope(deps.keys, 'admin'), jsonBody('64kb'), async (req, res) => {
    const evaluator = deps.evaluator()
    if (!evaluator) throw new HttpError(409, 'no_policy', 'no control policy is loaded: start the collector with --policy <file> (or AIMS_POLICY_FILE)')
    const body = parseOr400(manualSchema, req.body ?? {}, 'invalid_nonconformity')
    if (body.controlId !== undefined) {
      const known = evaluator.policy.policy.controls.filter((c) => c.scope.project === req.project)
      if (!known.some((c) => c.id === body.controlId)) {
        throw new HttpError(400, 'invalid_nonconformity', `controlId: no control ${JSON.stringify(body.controlId)} in the policy for project ${req.project} (known: ${known.map((c) => c.id).join(', ') || 'none'})`)
      }
    }
    const by = body.by ?? req.apiKey!.name
    const record = await evaluator.nonconformities.openManual({ project: req.project!, controlId: body.controlId, description: body.description, owner: body.owner, dueDate: body.dueDate, by })
    await deps.audit(req, 'nonconformity.opened', record.id, { control: record.controlId || null, by, owner: record.owner, dueDate: record.dueDate })
    res.status(201).json({ nonconformity: withAgeing(record) })
  })
  return router
}
