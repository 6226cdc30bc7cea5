import { Router } from 'express'
import type { CollectorMetrics } from '../metrics.js'

/**
 * `GET /healthz`: the process answers. `GET /readyz`: the store is open and migrated (503 until
 * then, and while shutting down). `GET /metrics`: Prometheus text. None needs a key: they say
 * nothing about any project's data.
 */
export function healthRoutes(deps: { metrics: CollectorMetrics; readiness: () => { ready: boolean; reason?: string; details?: Record<string, unknown> } }): Router {
  const router = Router()
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  router.get('/readyz', (_req, res) => {
    const state = deps.readiness()
    res.status(state.ready ? 200 : 503).json({ status: state.ready ? 'ready' : 'not_ready', ...(state.reason ? { reason: state.reason } : {}), ...state.details })
  })
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType)
    res.send(await deps.metrics.registry.metrics())
  })
  return router
}
