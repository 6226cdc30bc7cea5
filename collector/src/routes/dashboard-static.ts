import { existsSync } from 'node:fs'
import path from 'node:path'
import express, { Router, type NextFunction, type Request, type Response } from 'express'
import { dashboardDistDir } from '@aims-monitor/dashboard-web'
import { HttpError } from '../http/http-error.js'

/**
 * The web dashboard's static files (dashboards/web, built by `vite build` into its dist/), served at
 * `/`. Wired last, before the not-found handler, so it never shadows an API route:
 * - `/assets/*` are content-hashed: cached for a year as immutable; a missing one is a 404 (never
 *   index.html, which a browser would try to run as a script);
 * - any other GET that asks for text/html and is not under `/v1` gets index.html (the dashboard routes in
 *   the browser, so shared links such as `/models/credit-risk?range=7d` open directly), never cached;
 * - when the dashboard was not built, a 503 page says how to build it.
 */
export function dashboardStaticRoute(options: { distDir?: string } = {}): Router {
  const dir = options.distDir ?? dashboardDistDir
  const indexFile = path.join(dir, 'index.html')
  // Checked until found: a build that finishes while the collector runs is picked up without a restart.
  let built = false
  const isBuilt = () => built || (built = existsSync(indexFile))
  const router = Router()

  router.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path)) return next()
    const asset = req.path.startsWith('/assets/')
    if (isBuilt() || (!asset && !wantsPage(req))) return next()
    res.status(503).set({ 'Cache-Control': 'no-store', 'Retry-After': '30', ...SECURITY_HEADERS }).type('html').send(NOT_BUILT_PAGE)
  })
  const assetsDir = path.join(dir, 'assets')
  router.use('/assets', precompressed(assetsDir))
  router.use('/assets', express.static(assetsDir, { index: false, immutable: true, maxAge: '365d', fallthrough: true, setHeaders: (res) => res.setHeader('Vary', 'Accept-Encoding') }))
  router.use('/assets', (req: Request, _res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next()
    next(new HttpError(404, 'not_found', `no dashboard asset ${req.path}: the page may be older than the running build; reload it`))
  })
  router.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path) || !wantsPage(req)) return next()
    res.set({ 'Cache-Control': 'no-cache', ...SECURITY_HEADERS })
    res.sendFile(indexFile, { cacheControl: false }, (error) => {
      if (error) next(new HttpError(500, 'dashboard_unreadable', `the dashboard's index.html could not be read from ${dir}`, { cause: error }))
    })
  })
  return router
}

/** Asset names as Vite writes them: flat, no directories (so no path can climb out of assets/). */
const ASSET_NAME = /^\/[A-Za-z0-9_-][A-Za-z0-9._-]*\.(js|css|svg)$/

/**
 * Sends the build's gzip copy of an asset (`index-abc.js.gz`, written by the dashboard's build)
 * to clients that accept gzip; anything else goes on to express.static.
 */
function precompressed(assetsDir: string) {
  const found = new Map<string, boolean>()
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !ASSET_NAME.test(req.path) || !req.acceptsEncodings('gzip')) return next()
    const file = path.join(assetsDir, `${req.path.slice(1)}.gz`)
    if (!found.has(file)) found.set(file, existsSync(file))
    if (!found.get(file)) return next()
    res.set({ 'Content-Encoding': 'gzip', 'Vary': 'Accept-Encoding', 'Cache-Control': 'public, max-age=31536000, immutable' }).type(path.extname(req.path))
    res.sendFile(file, { cacheControl: false }, (error) => {
      if (!error) return
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !res.headersSent) {
        // Rebuilt since it was seen: forget it, and let the request end as a missing asset (404).
        found.delete(file)
        res.removeHeader('Content-Encoding')
        res.removeHeader('Cache-Control')
        return next()
      }
      next(new HttpError(500, 'dashboard_unreadable', `the dashboard asset ${req.path} could not be read`, { cause: error }))
    })
  }
}

/**
 * A browser loading a page names text/html in Accept; API clients and scripts (any type, JSON) keep
 * getting the JSON 404 for a path that does not exist, rather than a page that looks like success.
 */
function wantsPage(req: Request): boolean {
  return (req.headers.accept ?? '').includes('text/html')
}

function isApiPath(p: string): boolean {
  return p === '/v1' || p.startsWith('/v1/')
}

/**
 * For the HTML page: everything comes from this origin (no CDN, no inline script); inline styles are
 * allowed because the chart library sets style attributes on the SVG it draws.
 */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AIMS Monitor: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard has not been built</h1>
<p>This collector is running, and its API answers under <code>/v1</code>, but the web dashboard's files
are missing. Build them in the repository with <code>pnpm build</code> (a fresh <code>pnpm install</code>
builds them too), then reload this page.</p>
</body></html>
`
