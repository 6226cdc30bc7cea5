import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { collectorConfigFromEnv, createLogger, startCollector, type RunningCollector } from '@aims-monitor/collector'

/**
 * A real collector, started in this process on a fresh temporary data directory (embedded chDB),
 * for one test file.
 *
 * chDB holds ONE data directory per process and cannot reopen another after closing, so start one
 * fixture per test file (in `beforeAll`) and close it in `afterAll`; for several stores use child
 * processes (`node packages/cli/dist/main.js up --port 0 …`). Requires `pnpm build` (imports dist/).
 *
 * @example
 *   let c: CollectorFixture
 *   beforeAll(async () => { c = await startCollectorFixture() })
 *   afterAll(() => c.close())
 *   const res = await c.post('/v1/events', { events: [...] })          // init key by default
 *   const models = await c.getModels()                                 // GET /v1/models, read-your-writes
 */
export interface CollectorFixture {
  readonly collector: RunningCollector
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string
  readonly dataDir: string
  /** The AIMS_INIT_API_KEY: all scopes on project `default`. */
  readonly initKey: string
  /** POST `body` (objects as JSON; strings and Buffers as they are). */
  post(urlPath: string, body: unknown, options?: RequestOptions): Promise<FixtureResponse>
  get(urlPath: string, options?: RequestOptions): Promise<FixtureResponse>
  delete(urlPath: string, options?: RequestOptions): Promise<FixtureResponse>
  /** `GET /v1/models?wait=60000`: waits until everything acknowledged is in the store. */
  getModels(key?: string): Promise<ModelsResponse>
  close(): Promise<void>
}

export interface RequestOptions {
  /** Bearer key; defaults to the init key; `null` sends no Authorization header. */
  key?: string | null
  /** Extra headers; a `content-type` here replaces the default `application/json`. */
  headers?: Record<string, string>
  /** Gzip the body and send `Content-Encoding: gzip`. */
  gzip?: boolean
}

export interface FixtureResponse {
  status: number
  headers: Headers
  text: string
  /** The parsed body, or undefined when it is not JSON. */
  json: any
}

export interface ModelsResponse {
  project: string
  pendingEvents: number
  models: Array<{
    id: string
    versions: Array<{ version: string; predictionCount: number; firstEventAt: string; lastEventAt: string }>
    predictionCount: number
    outcomeCount: number
    firstEventAt: string | null
    lastEventAt: string | null
  }>
}

export interface FixtureOptions {
  /** Request body limit (after decompression). Default: the collector's (10 MiB). */
  maxBodyBytes?: number
  initKey?: string
  /** A control policy to load; its controls are evaluated on demand only (no schedule) in tests. */
  policyFile?: string
  /** AIMS_PUBLIC_URL: the address alerts link under. */
  publicUrl?: string
}

export async function startCollectorFixture(options: FixtureOptions = {}): Promise<CollectorFixture> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'aims-test-'))
  const initKey = options.initKey ?? 'test-init-key-0123456789'
  // An empty environment: the fixture is always embedded, whatever AIMS_* the shell has.
  const config = collectorConfigFromEnv(
    {},
    { port: 0, host: '127.0.0.1', sealAfterMs: 50, initApiKey: initKey, maxBodyBytes: options.maxBodyBytes, shutdownDrainMs: 5000, store: { dataDir }, policyFile: options.policyFile, evaluatorSchedule: false, publicUrl: options.publicUrl },
  )
  // Quiet unless asked: the collector logs every 5xx at error level, which a test may provoke.
  const collector = await startCollector(config, { logger: createLogger(process.env.AIMS_LOG_LEVEL ?? 'silent') })
  const request = async (method: string, urlPath: string, body: unknown, opts: RequestOptions = {}): Promise<FixtureResponse> => {
    const headers: Record<string, string> = {}
    const key = opts.key === undefined ? initKey : opts.key
    if (key !== null) headers.authorization = `Bearer ${key}`
    let payload: Buffer | undefined
    if (body !== undefined) {
      headers['content-type'] = 'application/json'
      payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
      if (opts.gzip) {
        payload = gzipSync(payload)
        headers['content-encoding'] = 'gzip'
      }
    }
    for (const [name, value] of Object.entries(opts.headers ?? {})) headers[name.toLowerCase()] = value
    const res = await fetch(collector.url + urlPath, { method, headers, body: payload, signal: AbortSignal.timeout(90_000) })
    const text = await res.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined // not JSON (e.g. /metrics): callers read `text`
    }
    return { status: res.status, headers: res.headers, text, json }
  }
  return {
    collector,
    url: collector.url,
    dataDir,
    initKey,
    post: (urlPath, body, opts) => request('POST', urlPath, body, opts),
    get: (urlPath, opts) => request('GET', urlPath, undefined, opts),
    delete: (urlPath, opts) => request('DELETE', urlPath, undefined, opts),
    async getModels(key) {
      const res = await request('GET', '/v1/models?wait=60000', undefined, { key: key ?? initKey })
      if (res.status !== 200) throw new Error(`GET /v1/models answered ${res.status}: ${res.text}`)
      return res.json as ModelsResponse
    },
    async close() {
      await collector.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
