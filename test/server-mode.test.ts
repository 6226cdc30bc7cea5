import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { collectorConfigFromEnv, createLogger, startCollector, type RunningCollector } from '@aims-monitor/collector'
import { loadMigrations } from '@aims-monitor/store'
import { startClickHouseHttpFixture, type ClickHouseHttpFixture } from './support/clickhouse-http-fixture.js'

// Server mode (AIMS_CLICKHOUSE_URL) end to end: a real collector in this process, the real
// @clickhouse/client over real HTTP, and a ClickHouse HTTP fixture over chDB that injects faults.
// The collector in server mode never opens chDB, so the fixture's engine is the only one here.

// @clickhouse/client is the store's dependency, not the root's: the same copy the collector uses.
const requireFromStore = createRequire(fileURLToPath(new URL('../packages/store/package.json', import.meta.url)))
const { createClient, ClickHouseError } = requireFromStore('@clickhouse/client') as typeof import('@clickhouse/client')

const KEY = 'server-key-1'
const CH_USER = 'aims'
const CH_PASSWORD = 'ch-secret-1'
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-server-mode-'))
let ch: ClickHouseHttpFixture
let n = 0
const running = new Set<RunningCollector>()

beforeAll(async () => {
  ch = await startClickHouseHttpFixture({ dataDir: path.join(root, 'clickhouse'), users: { default: '', [CH_USER]: CH_PASSWORD } })
})
afterEach(async () => {
  await ch.setFault('none')
  for (const c of running) await c.close()
  running.clear()
})
afterAll(async () => {
  await ch?.close()
  rmSync(root, { recursive: true, force: true })
})

interface ServerCollectorOptions {
  database: string
  password?: string
  /** Set after parsing: the schema's minimum (1 MiB) would take thousands of events to fill. */
  maxSpoolBytes?: number
  dataDir?: string
}

function serverCollectorConfig(options: ServerCollectorOptions) {
  const dataDir = options.dataDir ?? path.join(root, `spool-${++n}`)
  mkdirSync(dataDir, { recursive: true })
  const config = collectorConfigFromEnv(
    {
      AIMS_CLICKHOUSE_URL: ch.url,
      AIMS_CLICKHOUSE_USER: CH_USER,
      AIMS_CLICKHOUSE_PASSWORD: options.password ?? CH_PASSWORD,
      AIMS_CLICKHOUSE_DATABASE: options.database,
    },
    { port: 0, sealAfterMs: 50, initApiKey: KEY, shutdownDrainMs: 2000, store: { dataDir } },
  )
  if (options.maxSpoolBytes !== undefined) config.maxSpoolBytes = options.maxSpoolBytes
  return config
}

async function startServerCollector(options: ServerCollectorOptions): Promise<RunningCollector> {
  const collector = await startCollector(serverCollectorConfig(options), { logger: createLogger(process.env.AIMS_LOG_LEVEL ?? 'silent') })
  running.add(collector)
  return collector
}

let eventCounter = 0
function prediction(modelId: string, version = '1.0.0') {
  const i = ++eventCounter
  return {
    type: 'prediction' as const,
    id: `srv-${i}-${modelId}`,
    timestamp: Date.now() - 1000,
    model: { id: modelId, version },
    features: { age: 20 + (i % 50), region: i % 2 ? 'north' : 'south', has_default: i % 3 === 0 },
    attributes: { channel: 'web' },
    output: { label: i % 2 ? 'approve' : 'deny', score: (i % 100) / 100 },
  }
}
function outcome(predictionId: string, modelId: string) {
  return { type: 'outcome' as const, predictionId, timestamp: Date.now() - 500, model: { id: modelId }, label: 'repaid' }
}

async function post(url: string, events: unknown[]) {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
    signal: AbortSignal.timeout(30_000),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

interface ModelsBody {
  pendingEvents: number
  models: Array<{ id: string; predictionCount: number; outcomeCount: number; versions: Array<{ version: string; predictionCount: number }> }>
}
/** Read-your-writes: waits (up to 60 s, the route's bound) until everything acknowledged is stored. */
async function models(url: string): Promise<ModelsBody> {
  const res = await fetch(`${url}/v1/models?wait=60000`, { headers: { authorization: `Bearer ${KEY}` }, signal: AbortSignal.timeout(90_000) })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`GET /v1/models answered ${res.status}: ${text}`)
  return JSON.parse(text) as ModelsBody
}
const countsOf = (body: ModelsBody) => Object.fromEntries(body.models.map((m) => [m.id, { predictions: m.predictionCount, outcomes: m.outcomeCount }]))

async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line ? Number(line.split(' ')[1]) : NaN
}

/** Polls `check` every 100 ms for at most `timeoutMs`; fails with `what` if it never holds. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for: ${what}`)
}

/** Rows in the fixture, counted both under FINAL and as stored: equal means no duplicate was ever inserted. */
async function storedCounts(database: string, modelId: string): Promise<{ predictions: number; predictionRows: number; outcomes: number; outcomeRows: number }> {
  const [model] = await ch.rows<{ predictions_table: string }>(
    `SELECT predictions_table FROM \`${database}\`.models FINAL WHERE model_id = {m:String}`,
    { m: modelId },
  )
  const count = async (sql: string, params: Record<string, unknown> = {}) => Number((await ch.rows<{ n: string }>(sql, params))[0]!.n)
  const table = `\`${database}\`.\`${model!.predictions_table}\``
  const outcomes = `\`${database}\`.outcomes`
  return {
    predictions: await count(`SELECT count() AS n FROM ${table} FINAL`),
    predictionRows: await count(`SELECT count() AS n FROM ${table}`),
    outcomes: await count(`SELECT count() AS n FROM ${outcomes} FINAL WHERE model_id = {m:String}`, { m: modelId }),
    outcomeRows: await count(`SELECT count() AS n FROM ${outcomes} WHERE model_id = {m:String}`, { m: modelId }),
  }
}

describe('the ClickHouse HTTP fixture speaks what @clickhouse/client sends', () => {
  it('pings, binds parameters, keeps settings per request, gzips, and raises ClickHouseError', async () => {
    const client = createClient({ url: ch.url, username: CH_USER, password: CH_PASSWORD, compression: { response: true, request: false } })
    try {
      expect((await client.ping()).success).toBe(true)
      const tricky = "tab\there 'quoted' back\\slash\nnew line"
      const rows = await (await client.query({ query: 'SELECT {s:String} AS s, {n:UInt32} + 1 AS n', query_params: { s: tricky, n: 41 }, format: 'JSONEachRow' })).json<{ s: string; n: number }>()
      expect(rows).toEqual([{ s: tricky, n: 42 }])

      await client.command({ query: 'CREATE DATABASE IF NOT EXISTS fixture_check' })
      await client.command({
        query: 'CREATE TABLE IF NOT EXISTS fixture_check.t (id UInt32, s String, v Float64 DEFAULT nan) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100',
      })
      // RowBinary in the body, the statement in the URL: inserted once per deduplication token.
      const rowBinary = Buffer.concat([1, 2, 3].flatMap((id) => [u32(id), Buffer.from([2]), Buffer.from(`r${id}`)]))
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await client.exec({
          query: 'INSERT INTO fixture_check.t (`id`, `s`) FORMAT RowBinary',
          values: Readable.from([rowBinary]),
          clickhouse_settings: { insert_deduplication_token: 'segment-1' },
        })
        result.stream.resume()
      }
      // JSONEachRow through client.insert: omitted fields take the table's DEFAULT, as on a server.
      await client.insert({ table: 'fixture_check.t', values: [{ id: 4, s: 'json' }], format: 'JSONEachRow' })
      const stored = await (await client.query({ query: 'SELECT id, s, isNaN(v) AS nan FROM fixture_check.t ORDER BY id', format: 'JSONEachRow' })).json()
      expect(stored).toEqual([
        { id: 1, s: 'r1', nan: 1 },
        { id: 2, s: 'r2', nan: 1 },
        { id: 3, s: 'r3', nan: 1 },
        { id: 4, s: 'json', nan: 1 },
      ])
      // A setting applies to its own request only.
      const leftover = await (await client.query({ query: "SELECT getSetting('insert_deduplication_token') AS t", format: 'JSONEachRow' })).json()
      expect(leftover).toEqual([{ t: '' }])

      const error = await client.query({ query: 'SELECT * FROM fixture_check.missing', format: 'JSONEachRow' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ClickHouseError)
      expect((error as InstanceType<typeof ClickHouseError>).code).toBe('60')

      const wrong = createClient({ url: ch.url, username: CH_USER, password: 'not-it' })
      const denied = await wrong.query({ query: 'SELECT 1' }).catch((e: unknown) => e)
      await wrong.close()
      expect(denied).toBeInstanceOf(ClickHouseError)
      expect((denied as InstanceType<typeof ClickHouseError>).code).toBe('516')
      expect((denied as Error).message).toMatch(/Authentication failed/)
    } finally {
      await client.close()
    }
    const raw = await fetch(`${ch.url}/?enable_http_compression=1&user=${CH_USER}&password=${CH_PASSWORD}`, {
      method: 'POST',
      body: 'SELECT 1',
      headers: { 'accept-encoding': 'gzip' },
    })
    expect(raw.headers.get('content-encoding')).toBe('gzip')
    expect(await raw.text()).toBe('1\n')
    const error = await fetch(`${ch.url}/?user=${CH_USER}&password=${CH_PASSWORD}`, { method: 'POST', body: 'SELEC 1' })
    expect(error.status).toBe(400)
    expect(error.headers.get('x-clickhouse-exception-code')).toBe('62')
    expect(await error.text()).toMatch(/^Code: 62\. DB::Exception: .*\(SYNTAX_ERROR\)/)
    expect(await (await fetch(`${ch.url}/ping`)).text()).toBe('Ok.\n')
  })
})

describe('collector on a ClickHouse server (AIMS_CLICKHOUSE_URL)', () => {
  it('migrates the server, stores events there, counts them exactly, and ignores a resent batch', async () => {
    const database = 'aims_happy'
    const collector = await startServerCollector({ database })
    expect(collector.store.mode).toBe('server')

    const migrated = await ch.rows<{ version: number }>(`SELECT version FROM ${database}.schema_migrations FINAL ORDER BY version`)
    expect(migrated.map((r) => r.version)).toEqual((await loadMigrations()).map((m) => m.version))
    const tables = (await ch.rows<{ name: string }>('SELECT name FROM system.tables WHERE database = {d:String} ORDER BY name', { d: database })).map((r) => r.name)
    expect(tables).toEqual(expect.arrayContaining(['api_keys', 'meta', 'models', 'outcomes', 'schema_migrations']))
    // The init key went to the server, hashed.
    expect(await ch.rows(`SELECT name FROM ${database}.api_keys FINAL`)).toEqual([{ name: 'AIMS_INIT_API_KEY' }])

    const v1 = Array.from({ length: 12 }, () => prediction('credit-risk', '1.0.0'))
    const v2 = Array.from({ length: 8 }, () => prediction('credit-risk', '2.0.0'))
    const outcomes = v1.slice(0, 7).map((p) => outcome(p.id, 'credit-risk'))
    const batch = [...v1, ...v2, ...outcomes]
    const first = await post(collector.url, batch)
    expect(first.status).toBe(200)
    expect(first.body).toEqual({ accepted: 27, rejected: [] })

    const listed = await models(collector.url)
    expect(listed.pendingEvents).toBe(0)
    expect(countsOf(listed)).toEqual({ 'credit-risk': { predictions: 20, outcomes: 7 } })
    expect(Object.fromEntries(listed.models[0]!.versions.map((v) => [v.version, v.predictionCount]))).toEqual({ '1.0.0': 12, '2.0.0': 8 })
    expect(await storedCounts(database, 'credit-risk')).toEqual({ predictions: 20, predictionRows: 20, outcomes: 7, outcomeRows: 7 })
    // Spooled segments travel as RowBinary bodies, each with its deduplication token.
    const inserts = ch.requests.filter((r) => /INSERT INTO `aims_happy`\.`[^`]+` \(.*\) FORMAT RowBinary$/s.test(r.sql))
    expect(inserts.length).toBeGreaterThan(0)
    for (const insert of inserts) {
      expect(insert.insertBytes).toBeGreaterThan(0)
      expect(insert.settings.insert_deduplication_token).toMatch(/\S/)
    }

    const again = await post(collector.url, batch)
    expect(again.status).toBe(200)
    const relisted = await models(collector.url)
    expect(countsOf(relisted)).toEqual({ 'credit-risk': { predictions: 20, outcomes: 7 } })
    expect((await storedCounts(database, 'credit-risk')).predictions).toBe(20)
  })

  for (const fault of ['down', 'error500'] as const) {
    it(`rides out a store that is ${fault === 'down' ? 'down (connection refused)' : 'answering 500s'}: spools, stays ready, then delivers exactly once`, async () => {
      const database = `aims_${fault}`
      const collector = await startServerCollector({ database })
      const before = [prediction('fraud'), prediction('fraud')]
      expect((await post(collector.url, before)).status).toBe(200)
      expect((await models(collector.url)).pendingEvents).toBe(0)

      await ch.setFault(fault)
      const during = Array.from({ length: 30 }, () => prediction('fraud', '1.1.0'))
      const duringNewModel = Array.from({ length: 5 }, () => prediction('churn'))
      const duringOutcomes = [...before, ...during.slice(0, 10)].map((p) => outcome(p.id, 'fraud'))
      for (const events of [during.slice(0, 15), [...during.slice(15), ...duringNewModel], duringOutcomes]) {
        const res = await post(collector.url, events)
        expect(res.status).toBe(200)
        expect(res.body.accepted).toBe(events.length)
      }
      await eventually('the drainer to record a failed insert', async () => (await metricValue(collector.url, 'aims_store_errors_total')) > 0)
      expect(await metricValue(collector.url, 'aims_spool_rows')).toBe(during.length + duringNewModel.length + duringOutcomes.length)
      const ready = await fetch(`${collector.url}/readyz`)
      expect(ready.status).toBe(200)
      const readiness = (await ready.json()) as { status: string; spool: { rows: number }; lastStoreError: string | null }
      expect(readiness.status).toBe('ready')
      expect(readiness.spool.rows).toBe(during.length + duringNewModel.length + duringOutcomes.length)
      expect(readiness.lastStoreError).toMatch(fault === 'down' ? /ECONNREFUSED|ECONNRESET|socket hang up/ : /KEEPER_EXCEPTION|Connection loss/)

      await ch.setFault('none')
      const listed = await models(collector.url)
      expect(listed.pendingEvents).toBe(0)
      expect(countsOf(listed)).toEqual({
        churn: { predictions: 5, outcomes: 0 },
        fraud: { predictions: 32, outcomes: 12 },
      })
      expect(await storedCounts(database, 'fraud')).toEqual({ predictions: 32, predictionRows: 32, outcomes: 12, outcomeRows: 12 })
      expect(await storedCounts(database, 'churn')).toEqual({ predictions: 5, predictionRows: 5, outcomes: 0, outcomeRows: 0 })
      expect(await metricValue(collector.url, 'aims_spool_rows')).toBe(0)
    })
  }

  it('stores a segment once when the answer to its insert is lost and the insert is retried', async () => {
    const database = 'aims_lost'
    const collector = await startServerCollector({ database })
    const warm = prediction('lost-model')
    expect((await post(collector.url, [warm, outcome(warm.id, 'lost-model')])).status).toBe(200)
    expect((await models(collector.url)).pendingEvents).toBe(0)
    // No background merge may collapse a duplicate before it is counted.
    await ch.rows('SYSTEM STOP MERGES')
    try {
      await ch.setFault('lose-response')
      const events = Array.from({ length: 25 }, () => prediction('lost-model'))
      const outcomes = events.slice(0, 10).map((p) => outcome(p.id, 'lost-model'))
      expect((await post(collector.url, [...events, ...outcomes])).status).toBe(200)
      const lostInsert = () => ch.requests.find((r) => r.status === 0 && r.sql.includes(`\`${database}\``))
      await eventually('an insert executed with its answer lost', async () => lostInsert() !== undefined && (await metricValue(collector.url, 'aims_store_errors_total')) > 0)
      await ch.setFault('none')

      const listed = await models(collector.url)
      expect(listed.pendingEvents).toBe(0)
      expect(countsOf(listed)).toEqual({ 'lost-model': { predictions: 26, outcomes: 11 } })
      // The same segment reached the engine at least twice, and its rows are there once.
      const token = lostInsert()!.settings.insert_deduplication_token
      expect(ch.requests.filter((r) => r.settings.insert_deduplication_token === token).length).toBeGreaterThanOrEqual(2)
      expect(await storedCounts(database, 'lost-model')).toEqual({ predictions: 26, predictionRows: 26, outcomes: 11, outcomeRows: 11 })
    } finally {
      await ch.rows('SYSTEM START MERGES')
    }
  })

  it('keeps acknowledging while the store is slow, and delivers', async () => {
    const collector = await startServerCollector({ database: 'aims_slow' })
    await ch.setFault('slow', { delayMs: 300 })
    const events = Array.from({ length: 10 }, () => prediction('slow-model'))
    expect((await post(collector.url, events)).status).toBe(200)
    const listed = await models(collector.url)
    expect(listed.pendingEvents).toBe(0)
    expect(countsOf(listed)).toEqual({ 'slow-model': { predictions: 10, outcomes: 0 } })
  })

  it('answers 503 with Retry-After once the spool is full, and loses nothing it acknowledged', async () => {
    const collector = await startServerCollector({ database: 'aims_full', maxSpoolBytes: 16 * 1024 })
    await ch.setFault('down')
    const acknowledged: string[] = []
    let refused: Awaited<ReturnType<typeof post>> | undefined
    for (let request = 0; request < 200 && !refused; request++) {
      const events = Array.from({ length: 20 }, () => prediction('full-model'))
      const res = await post(collector.url, events)
      if (res.status === 200) acknowledged.push(...events.map((e) => e.id))
      else refused = res
    }
    expect(refused?.status).toBe(503)
    expect(refused!.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(refused!.body.error.code).toBe('spool_full')
    expect(refused!.body.error.message).toMatch(/spool .*limit .*retry later/)
    expect(acknowledged.length).toBeGreaterThan(0)

    await ch.setFault('none')
    const listed = await models(collector.url)
    expect(listed.pendingEvents).toBe(0)
    expect(countsOf(listed)).toEqual({ 'full-model': { predictions: acknowledged.length, outcomes: 0 } })
    expect(await storedCounts('aims_full', 'full-model')).toMatchObject({ predictions: acknowledged.length, predictionRows: acknowledged.length })
    // With room again, ingest accepts.
    expect((await post(collector.url, [prediction('full-model')])).status).toBe(200)
  })

  it('fails to start with an error naming authentication when the ClickHouse password is wrong', async () => {
    const dataDir = path.join(root, 'wrong-password')
    const failure = await startCollector(serverCollectorConfig({ database: 'aims_auth', password: 'wrong-password', dataDir }), {
      logger: createLogger('silent'),
    }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(Error)
    expect((failure as Error).message).toMatch(/authentication/i)
    // The spool directory's lock was released: the right password starts on the same directory.
    const collector = await startServerCollector({ database: 'aims_auth', dataDir })
    expect((await fetch(`${collector.url}/readyz`)).status).toBe(200)
  })
})

function u32(value: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(value)
  return b
}
