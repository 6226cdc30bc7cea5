import { Router, type Request } from 'express'
import { z } from 'zod'
import type { Evaluator, ReferenceDatasets } from '@aims-monitor/evaluator'
import type { ApiKeyRepository, Store } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { queryInteger } from '../http/query-params.js'
import { planBuckets } from '../dashboard/buckets.js'
import { chooseReference, featureDistribution } from '../dashboard/distribution-queries.js'
import { driftHeatmap } from '../dashboard/drift-heatmap.js'
import { fairnessView } from '../dashboard/fairness-view.js'
import { findModel, listModelTables } from '../dashboard/model-catalog.js'
import { alertCounts, controlBoard, modelOverview } from '../dashboard/overview-queries.js'
import { modelTimeseries } from '../dashboard/timeseries-queries.js'
import { iso, parseQuery, rangeParams, resolveRange } from '../dashboard/time-range.js'

/** Buckets of the overview's sparklines. */
const OVERVIEW_BUCKETS = 48
const name = z.string().min(1).max(256)

const overviewSchema = z.strictObject({ ...rangeParams })
const timeseriesSchema = z.strictObject({ ...rangeParams, buckets: queryInteger(1, 500).default(48) })
const driftSchema = z.strictObject({ ...rangeParams, control: name.optional() })
const distributionSchema = z.strictObject({ ...rangeParams, feature: name, reference: name.optional() })
const fairnessSchema = z.strictObject({ ...rangeParams, attribute: name })

/**
 * The web dashboard's reads (docs/dashboard-api.md), read scope, by bearer key or session cookie.
 * Every figure is aggregated in ClickHouse (buckets, bins, groups) or read from evaluation records;
 * no response carries events. Without a policy, controls, drift and fairness are empty, not errors.
 */
export function dashboardRoute(deps: { keys: ApiKeyRepository; store: Store; evaluator: () => Evaluator | undefined; references: ReferenceDatasets }): Router {
  const router = Router()
  const read = requireScope(deps.keys, 'read')
  const query = <T extends z.ZodType>(schema: T, req: Request): z.output<T> => parseQuery(schema, req.query)
  const model = (req: Request) => {
    const id = String(req.params.model)
    if (id.length === 0 || id.length > 256) throw new HttpError(400, 'invalid_dashboard_query', 'model: expected 1 to 256 characters')
    return findModel(deps.store, req.project!, id)
  }

  router.get('/v1/dashboard/overview', read, async (req, res) => {
    const range = resolveRange(query(overviewSchema, req))
    const plan = planBuckets(range, OVERVIEW_BUCKETS)
    const evaluator = deps.evaluator()
    const tables = await listModelTables(deps.store, req.project!)
    const models = []
    // One model after the other: the embedded engine runs one query at a time anyway.
    for (const m of tables) models.push(await modelOverview(deps.store, { id: m.id, table: deps.store.table(m.table) }, range, plan))
    const [controls, alerts] = await Promise.all([controlBoard(evaluator, req.project!), alertCounts(evaluator, req.project!)])
    res.json({ from: iso(range.from), to: iso(range.to), bucketMs: plan.bucketMs, models, controls, alerts })
  })

  router.get('/v1/dashboard/models/:model/timeseries', read, async (req, res) => {
    const params = query(timeseriesSchema, req)
    const range = resolveRange(params)
    const found = await model(req)
    res.json({ from: iso(range.from), to: iso(range.to), ...(await modelTimeseries(deps.store, found, range, planBuckets(range, params.buckets))) })
  })

  router.get('/v1/dashboard/models/:model/drift', read, async (req, res) => {
    const params = query(driftSchema, req)
    const range = resolveRange(params)
    const found = await model(req)
    res.json({ model: found.id, from: iso(range.from), to: iso(range.to), ...(await driftHeatmap(deps.evaluator(), req.project!, found.id, range, params.control)) })
  })

  router.get('/v1/dashboard/models/:model/distribution', read, async (req, res) => {
    const params = query(distributionSchema, req)
    const range = resolveRange(params)
    const found = await model(req)
    const reference = await chooseReference(deps.references, deps.evaluator(), req.project!, found.id, params.reference)
    res.json({ model: found.id, from: iso(range.from), to: iso(range.to), ...(await featureDistribution(deps.store, found, params.feature, range, reference)) })
  })

  router.get('/v1/dashboard/models/:model/fairness', read, async (req, res) => {
    const params = query(fairnessSchema, req)
    const range = resolveRange(params)
    const found = await model(req)
    if (!found.attributes.includes(params.attribute)) {
      throw new HttpError(404, 'unknown_attribute', `model "${found.id}" has no attribute "${params.attribute}" (its attributes: ${found.attributes.join(', ') || 'none'})`)
    }
    res.json({ model: found.id, from: iso(range.from), to: iso(range.to), ...(await fairnessView(deps.evaluator(), req.project!, found.id, params.attribute, range)) })
  })
  return router
}
