import { Router } from 'express'
import { z } from 'zod'
import { buildEvidenceReport, renderHtml, renderMarkdown, ReportPeriodError, type Evaluator } from '@aims-monitor/evaluator'
import type { ApiKeyRepository, Store } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { parseQuery, queryTime } from '../dashboard/time-range.js'
import { HttpError } from '../http/http-error.js'

const reportQuery = z.strictObject({
  from: z.string({ error: 'required: the period start, ISO 8601 or epoch milliseconds' }).pipe(queryTime),
  to: z.string({ error: 'required: the period end (exclusive), ISO 8601 or epoch milliseconds' }).pipe(queryTime),
  model: z.string().trim().min(1).max(200).optional(),
  format: z.enum(['json', 'md', 'html'], { error: 'expected json, md or html (PDF: `aims report --out file.pdf`)' }).optional(),
  project: z.string().optional(),
})

/**
 * `GET /v1/reports/evidence?from&to[&model][&format=json|md|html]` (read scope): the evidence report
 * for a period, built from the store's records with the policy the collector runs. JSON is the
 * report's data (what `aims report --url` renders locally, PDF included); md and html are rendered
 * here. PDF is printed by the CLI only: the collector does not launch a browser.
 */
export function reportRoute(deps: { keys: ApiKeyRepository; store: Store; evaluator: () => Evaluator | undefined }): Router {
  const router = Router()
  router.get('/v1/reports/evidence', requireScope(deps.keys, 'read'), async (req, res) => {
    const query = parseQuery(reportQuery, req.query)
    const evaluator = deps.evaluator()
    if (!evaluator) throw new HttpError(409, 'no_policy', 'no control policy is loaded: start the collector with --policy <file> (or AIMS_POLICY_FILE)')
    let report
    try {
      report = await buildEvidenceReport(deps.store, { project: req.project!, from: query.from, to: query.to, model: query.model, policy: evaluator.policy })
    } catch (error) {
      if (error instanceof ReportPeriodError) throw new HttpError(400, 'invalid_report_query', error.message)
      throw error
    }
    res.setHeader('x-aims-content-hash', `sha256:${report.contentHash}`)
    if (query.format === 'md') res.type('text/markdown; charset=utf-8').send(renderMarkdown(report))
    else if (query.format === 'html') res.type('text/html; charset=utf-8').send(renderHtml(report))
    else res.json(report)
  })
  return router
}
