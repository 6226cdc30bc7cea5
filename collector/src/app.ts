import express, { type Express } from 'express'
import type { ApiKeyRepository, AuditLog, Store } from '@aims-monitor/store'
import { errorHandler, notFoundHandler } from './http/error-handler.js'
import { auditRecorder } from './audit-recorder.js'
import { auditRoute } from './routes/audit-route.js'
import type { IngestService } from './ingest/ingest-service.js'
import type { BatchProcessor } from './ingest/batch-processor.js'
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
import { governanceRoute } from './routes/governance-route.js'
import { reportRoute } from './routes/report-route.js'
import { referencesRoute } from './routes/references-route.js'
import { sessionAuthentication } from './auth/session-cookie.js'
import { SessionStore } from './auth/session-store.js'
import { dashboardRoute } from './routes/dashboard-route.js'
import { sessionRoute } from './routes/session-route.js'
import { dashboardStaticRoute } from './routes/dashboard-static.js'

export interface AppDependencies {
  store: Store
  /** The hash-chained log administrative actions are recorded in. */
  audit: AuditLog
  keys: ApiKeyRepository
  ingest: IngestService
  batches: BatchProcessor
  barrier: SpoolBarrier
  metrics: CollectorMetrics
  logger: Logger
  maxBodyBytes: number
  /** The evaluator of the loaded policy, if any. */
  evaluator: () => Evaluator | undefined
  references: ReferenceDatasets
  maxReferenceBytes: number
  readiness: () => { ready: boolean; reason?: string; details?: Record<string, unknown> }
  /** The dashboard's sign-in sessions (default: a new in-memory store over `keys`). */
  sessions?: SessionStore
  /** Believe X-Forwarded-Proto for the session cookie's Secure flag (AIMS_TRUST_PROXY). */
  trustProxy?: boolean
}

/** The collector's HTTP interface: every route, then one error handler. */
export function createApp(deps: AppDependencies): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  const audit = auditRecorder(deps.audit, deps.logger)
  const sessions = deps.sessions ?? new SessionStore(deps.keys)
  app.use(sessionAuthentication(sessions))
  app.use(healthRoutes({ metrics: deps.metrics, readiness: deps.readiness }))
  app.use(eventsRoute({ keys: deps.keys, ingest: deps.ingest, batches: deps.batches, metrics: deps.metrics, maxBodyBytes: deps.maxBodyBytes }))
  app.use(otlpLogsRoute({ keys: deps.keys, ingest: deps.ingest, batches: deps.batches, metrics: deps.metrics, maxBodyBytes: deps.maxBodyBytes }))
  app.use(modelsRoute({ keys: deps.keys, store: deps.store, barrier: deps.barrier }))
  app.use(keysRoute({ keys: deps.keys, audit }))
  app.use(referencesRoute({ keys: deps.keys, references: deps.references, maxReferenceBytes: deps.maxReferenceBytes, audit }))
  app.use(controlsRoute({ keys: deps.keys, evaluator: deps.evaluator }))
  app.use(auditRoute({ keys: deps.keys, audit: deps.audit, store: deps.store }))
  app.use(evaluationsRoute({ keys: deps.keys, evaluator: deps.evaluator }))
  app.use(alertsRoute({ keys: deps.keys, evaluator: deps.evaluator, audit }))
  app.use(nonconformitiesRoute({ keys: deps.keys, evaluator: deps.evaluator, audit }))
  app.use(governanceRoute({ keys: deps.keys, store: deps.store, barrier: deps.barrier, evaluator: deps.evaluator, audit }))
  app.use(reportRoute({ keys: deps.keys, store: deps.store, evaluator: deps.evaluator }))
  app.use(sessionRoute({ keys: deps.keys, sessions, trustProxy: deps.trustProxy ?? false }))
  app.use(dashboardRoute({ keys: deps.keys, store: deps.store, evaluator: deps.evaluator, references: deps.references }))
  // Last: the web dashboard's files and its index.html for any other page path (never under /v1).
  app.use(dashboardStaticRoute())
  app.use(notFoundHandler)
  app.use(errorHandler(deps.logger))
  return app
}
