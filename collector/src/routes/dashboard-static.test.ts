import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import express, { type Express } from 'express'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorHandler, notFoundHandler } from '../http/error-handler.js'
import { createLogger } from '../logger.js'
import { dashboardStaticRoute } from './dashboard-static.js'

let dir: string

function app(distDir: string): Express {
  const a = express()
  a.get('/healthz', (_req, res) => void res.json({ ok: true }))
  a.use(dashboardStaticRoute({ distDir }))
  a.use(notFoundHandler)
  a.use(errorHandler(createLogger('silent')))
  return a
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aims-dashboard-static-'))
  await mkdir(path.join(dir, 'built', 'assets'), { recursive: true })
  await writeFile(path.join(dir, 'built', 'index.html'), '<!doctype html><title>AIMS Monitor</title><div id="app"></div>')
  await writeFile(path.join(dir, 'built', 'assets', 'index-abc123.js'), 'console.log(1)')
  await writeFile(path.join(dir, 'built', 'assets', 'index-abc123.js.gz'), gzipSync('console.log(1)'))
  await writeFile(path.join(dir, 'built', 'assets', 'index-def456.css'), 'body{}')
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('the dashboard static route', () => {
  it('serves hashed assets as immutable for a year', async () => {
    const res = await request(app(path.join(dir, 'built'))).get('/assets/index-abc123.js').set('accept-encoding', 'identity')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/javascript/)
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  })

  it('sends the pre-compressed copy to clients that accept gzip, and the plain file when there is none', async () => {
    const a = app(path.join(dir, 'built'))
    const js = await request(a).get('/assets/index-abc123.js').set('accept-encoding', 'gzip, br')
    expect(js.status).toBe(200)
    expect(js.headers['content-encoding']).toBe('gzip')
    expect(js.headers['content-type']).toMatch(/javascript/)
    expect(js.headers.vary).toBe('Accept-Encoding')
    expect(js.text).toBe('console.log(1)') // supertest inflates it
    const css = await request(a).get('/assets/index-def456.css').set('accept-encoding', 'gzip')
    expect(css.headers['content-encoding']).toBeUndefined()
    expect(css.text).toBe('body{}')
  })

  it('answers index.html, never cached and with a CSP, for page paths (links open directly)', async () => {
    for (const p of ['/', '/models/credit-risk?range=7d', '/evaluations/0b6c']) {
      const res = await request(app(path.join(dir, 'built'))).get(p).set('accept', 'text/html')
      expect(res.status, p).toBe(200)
      expect(res.text).toContain('<div id="app">')
      expect(res.headers['cache-control']).toBe('no-cache')
      expect(res.headers['content-security-policy']).toContain("script-src 'self'")
    }
  })

  it('leaves /v1, earlier routes and missing assets alone', async () => {
    const a = app(path.join(dir, 'built'))
    const api = await request(a).get('/v1/nothing').set('accept', 'text/html')
    expect(api.status).toBe(404)
    expect(api.body.error.code).toBe('not_found')
    expect((await request(a).get('/healthz')).body).toEqual({ ok: true })
    const asset = await request(a).get('/assets/index-gone.js')
    expect(asset.status).toBe(404)
    expect(asset.headers['content-type']).toMatch(/json/)
    const post = await request(a).post('/somewhere').set('accept', 'text/html')
    expect(post.status).toBe(404)
    // Scripts and API clients (Accept */*) get the JSON 404 for a path that does not exist.
    const script = await request(a).get('/v2/events').set('accept', '*/*')
    expect(script.status).toBe(404)
    expect(script.body.error.code).toBe('not_found')
  })

  it('answers a 503 page that says how to build when the dashboard was not built', async () => {
    const a = app(path.join(dir, 'missing'))
    const res = await request(a).get('/').set('accept', 'text/html')
    expect(res.status).toBe(503)
    expect(res.text).toContain('pnpm build')
    expect(res.headers['cache-control']).toBe('no-store')
    // API clients that do not ask for HTML still get the JSON 404.
    const json = await request(a).get('/nope').set('accept', 'application/json')
    expect(json.status).toBe(404)
  })
})
