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

export interface AppDependencies {
  store: Store
  keys: ApiKeyRepository
  ingest: IngestService
  batches: NativeBatchProcessor
  barrier: SpoolBarrier
  metrics: CollectorMetrics
  logger: Logger
  maxBodyBytes: number
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
  app.use(notFoundHandler)
  app.use(errorHandler(deps.logger))
  return app
}
