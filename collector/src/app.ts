import express, { type Express } from 'express'
import type { ApiKeyRepository, Store } from '@aims-monitor/store'
import { errorHandler, notFoundHandler } from './http/error-handler.js'
import type { IngestService } from './ingest/ingest-service.js'
import type { NativeBatchProcessor } from './ingest/native-batch-processor.js'
import type { Logger } from './logger.js'
import type { CollectorMetrics } from './metrics.js'
import { eventsRoute } from './routes/events-route.js'
import { healthRoutes } from './routes/health-routes.js'
import { keysRoute } from './routes/keys-route.js'
import { modelsRoute } from './routes/models-route.js'
import { otlpLogsRoute } from './routes/otlp-logs-route.js'
import type { SpoolBarrier } from './spool/spool-barrier.js'
import type { Evaluator, ReferenceDatasets } from '@aims-monitor/evaluator'
import { alertsRoute } from './routes/alerts-route.js'
import { controlsRoute } from './routes/controls-route.js'
import { evaluationsRoute } from './routes/evaluations-route.js'
import { nonconformitiesRoute } from './routes/nonconformities-route.js'
import { referencesRoute } from './routes/references-route.js'

export interface AppDependencies {
  store: Store
  keys: ApiKeyRepository
  ingest: IngestService
  batches: NativeBatchProcessor
  barrier: SpoolBarrier
  metrics: CollectorMetrics
  logger: Logger
  maxBodyBytes: number
  /** The evaluator of the loaded policy, if any. */
  evaluator: () => Evaluator | undefined
  references: ReferenceDatasets
  maxReferenceBytes: number
  readiness: () => { ready: boolean; reason?: string; details?: Record<string, unknown> }
}

/** The collector's HTTP interface: every route, then one error handler. */
export function createApp(deps: AppDependencies): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  const audit = (action: string, details: Record<string, unknown>) => deps.logger.info({ audit: action, ...details }, action)
  app.use(healthRoutes({ metrics: deps.metrics, readiness: deps.readiness }))
  app.use(eventsRoute({ keys: deps.keys, ingest: deps.ingest, batches: deps.batches, metrics: deps.metrics, maxBodyBytes: deps.maxBodyBytes }))
  app.use(otlpLogsRoute({ keys: deps.keys, ingest: deps.ingest, metrics: deps.metrics, maxBodyBytes: deps.maxBodyBytes }))
  app.use(modelsRoute({ keys: deps.keys, store: deps.store, barrier: deps.barrier }))
  app.use(keysRoute({ keys: deps.keys, audit }))
  app.use(referencesRoute({ keys: deps.keys, references: deps.references, maxReferenceBytes: deps.maxReferenceBytes }))
  app.use(controlsRoute({ keys: deps.keys, evaluator: deps.evaluator }))
  app.use(evaluationsRoute({ keys: deps.keys, evaluator: deps.evaluator }))
  app.use(alertsRoute({ keys: deps.keys, evaluator: deps.evaluator, audit }))
  app.use(nonconformitiesRoute({ keys: deps.keys, evaluator: deps.evaluator }))
  app.use(notFoundHandler)
  app.use(errorHandler(deps.logger))
  return app
}
