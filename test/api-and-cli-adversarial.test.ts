// Hostile input to the collector's read and governance HTTP APIs and to the CLI's arguments, against
// ONE real collector (`aims up` as a child process, embedded chDB, a one-control policy evaluated on
// demand) holding a little real data. The rule: bad input gets a clear 4xx whose JSON body names the
// parameter or field (the CLI: a one-line message naming the flag or file, a non-zero exit, no stack
// trace), never a 500 or a hang, and nothing already stored is lost or changed by a refused request.
// Not repeated here: what governance-api-errors and dashboard-api already cover (unknown control,
// `at` of -5/1.5/true, evaluate body typos, audit/evaluations bad limit/outcome, not-a-uuid ids,
// reversed overview range, buckets=0, missing feature, unknown model/feature/reference/attribute).
// Each "FIXED" comment names a bug this file found in product code and how it is handled now; the
// tests of refusals that used to record evidence run last, after the check that nothing changed.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, spawnCollector, type CliResult, type SpawnedCollector } from './support/spawn-collector.js'
import { stalledFeedPolicy } from './support/volume-control.js'

const KEY = 'adv-api-init-key-0123456789'
const HOUR = 3_600_000
const WINDOW_FROM = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR
const AT = WINDOW_FROM + HOUR
const UUID_ZERO = '00000000-0000-0000-0000-000000000000'

const POLICY = stalledFeedPolicy('adversarial')

interface Res { status: number; headers: Headers; text: string; json: any }
interface CallOptions {
  /** An object is sent as JSON; a string as it is. */
  body?: unknown
  /** Content-Type; default application/json when there is a body, null for none. */
  type?: string | null
  /** Bearer key; default the init key; null sends no Authorization header. */
  key?: string | null
  headers?: Record<string, string>
}

let c: SpawnedCollector
let tmp: string
let readKey: string
let ingestKey: string
let revokedKey: string
let alertId: string
let manualNcId: string
/** What the store held after set-up: the refused requests below must leave all of it as it was. */
let snapshot: Awaited<ReturnType<typeof takeSnapshot>>

async function call(method: string, urlPath: string, options: CallOptions = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers }
  const key = options.key === undefined ? KEY : options.key
  if (key !== null) headers.authorization = `Bearer ${key}`
  let body: string | undefined
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    const type = options.type === undefined ? 'application/json' : options.type
    if (type !== null) headers['content-type'] = type
  }
  const response = await fetch(c.url + urlPath, { method, headers, body, signal: AbortSignal.timeout(30_000) })
  const text = await response.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error // not JSON: the assertions below say so
  }
  return { status: response.status, headers: response.headers, text, json }
}
const get = (urlPath: string, options?: CallOptions) => call('GET', urlPath, options)
const post = (urlPath: string, body: unknown, options?: CallOptions) => call('POST', urlPath, { ...options, body })

/** A refusal as the rule wants it: this status, the JSON error body, and a message naming what was wrong. */
function expectRefused(res: Res, status: number, message: RegExp | undefined, label: string): void {
  expect(res.status, `${label}: ${res.text}`).toBe(status)
  expect(res.json?.error?.code, `${label}: ${res.text}`).toEqual(expect.any(String))
  expect(res.json.error.message, `${label}: ${res.text}`).toEqual(expect.any(String))
  if (message) expect(res.json.error.message, label).toMatch(message)
}

async function takeSnapshot() {
  const evaluations = (await get('/v1/evaluations?limit=10000')).json.evaluations.map((e: any) => ({ seq: e.seq, id: e.id, hash: e.hash, outcome: e.outcome, window: e.window }))
  const audit = (await get('/v1/audit?limit=10000')).json.entries.map((e: any) => ({ seq: e.seq, hash: e.hash, action: e.action }))
  const keys = (await get('/v1/keys?all=true')).json.keys
  const nonconformities = (await get('/v1/nonconformities')).json.nonconformities.map((n: any) => ({ id: n.id, version: n.version, status: n.status, description: n.description, owner: n.owner }))
  const alert = (await get(`/v1/alerts/${alertId}`)).json
  const models = (await get('/v1/models?wait=30000')).json.models
  const references = (await get('/v1/models/m/references')).json.references
  const latest = (await get('/v1/controls')).json.controls.map((x: any) => x.latest)
  return { evaluations, audit, keys, nonconformities, alert: { state: alert.alert.state, version: alert.alert.version, history: alert.history.length }, models, references, latest }
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'aims-adv-api-'))
  const policyFile = path.join(tmp, 'policy.yaml')
  await writeFile(policyFile, POLICY)
  c = await spawnCollector({
    dataDir: path.join(tmp, 'data'),
    env: { AIMS_INIT_API_KEY: KEY, AIMS_SEAL_AFTER_MS: '50' },
    extraArgs: ['--policy', policyFile, '--no-schedule'],
  })
  const events = Array.from({ length: 3 }, (_, i) => ({
    type: 'prediction', id: `p-${i}`, timestamp: WINDOW_FROM + i * 1000, model: { id: 'm', version: '1' },
    features: { x: i }, attributes: { sex: i % 2 ? 'f' : 'm' }, output: { score: 0.25 * i, label: i ? 'yes' : 'no' },
  }))
  expect((await post('/v1/events', { events })).status).toBe(200)
  expect((await get('/v1/models?wait=30000')).json.models[0].predictionCount).toBe(3)
  const evaluated = await post('/v1/controls/evaluate', { controls: ['DQ-VOLUME'], at: AT })
  expect(evaluated.json.results[0], evaluated.text).toMatchObject({ status: 'evaluated', outcome: 'breach' })
  alertId = evaluated.json.results[0].evaluation.alerts[0]
  const manual = await post('/v1/nonconformities', { description: 'An audit finding raised by hand', owner: 'Quality' })
  expect(manual.status, manual.text).toBe(201)
  manualNcId = manual.json.nonconformity.id
  const createKey = async (name: string, scopes: string[]) => {
    const res = await post('/v1/keys', { name, scopes })
    expect(res.status, res.text).toBe(201)
    return res.json as { key: string; record: { id: string } }
  }
  readKey = (await createKey('reader', ['read'])).key
  ingestKey = (await createKey('ingester', ['ingest'])).key
  const revoked = await createKey('revoked admin', ['read', 'admin'])
  revokedKey = revoked.key
  expect((await call('DELETE', `/v1/keys/${revoked.record.id}`)).status).toBe(200)
  snapshot = await takeSnapshot()
  expect(snapshot.evaluations).toHaveLength(1)
  expect(snapshot.nonconformities).toHaveLength(2) // the breach's and the manual one
}, 120_000)

afterAll(async () => {
  await c?.stop()
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

/** Routes with a from/to range, and what else each needs to be otherwise valid. */
const RANGED = [
  '/v1/dashboard/overview?',
  '/v1/dashboard/models/m/timeseries?',
  '/v1/dashboard/models/m/drift?',
  '/v1/dashboard/models/m/distribution?feature=x&',
  '/v1/dashboard/models/m/fairness?attribute=sex&',
  '/v1/coverage?',
]

describe('read routes: query parameters', () => {
  it('out-of-range, NaN, 1e400, empty, repeated, bracketed and 10 kB times: 400 naming the parameter', async () => {
    const bad = ['1e400', 'NaN', 'Infinity', '', '+010000-01-01', '99999999999999999999', '1969-12-31', '9'.repeat(10_000), '%00']
    for (const route of RANGED) {
      for (const param of ['from', 'to']) {
        for (const value of bad) expectRefused(await get(`${route}${param}=${value}`), 400, new RegExp(`^${param}: `), `${route}${param}=${value.slice(0, 20)}`)
        expectRefused(await get(`${route}${param}=1&${param}=2`), 400, new RegExp(`^${param}: `), `${route} repeated ${param}`)
        expectRefused(await get(`${route}${param}[a]=1`), 400, new RegExp(`${param}\\[a\\]: unknown parameter`), `${route} ${param}[a]`)
      }
    }
    // The evidence report needs both; each bad one is named.
    expectRefused(await get('/v1/reports/evidence?to=1'), 400, /^from: required/, 'report without from')
    expectRefused(await get(`/v1/reports/evidence?from=0&to=${'9'.repeat(10_000)}`), 400, /^to: /, 'report 10 kB to')
    expectRefused(await get('/v1/reports/evidence?from=1e400&to=1'), 400, /^from: /, 'report from=1e400')
    expectRefused(await get('/v1/reports/evidence?from=0&from=1&to=5'), 400, /^from: /, 'report repeated from')
    expectRefused(await get('/v1/reports/evidence?from=0&to=1&format=pdf&format=md'), 400, /^format: /, 'report repeated format')
  })

  it('equal and reversed ranges: 400 naming `to` on every ranged route', async () => {
    for (const route of [...RANGED, '/v1/reports/evidence?']) {
      expectRefused(await get(`${route}from=5000&to=5000`), 400, /^to: /, `${route} equal`)
      expectRefused(await get(`${route}from=2026-11-02&to=2026-11-01`), 400, /^to: /, `${route} reversed`)
    }
  })

  it('a query as large as the API allows answers (no hang, bounded size); one past the bounds is 400', async () => {
    const whole = 'from=0&to=2299-12-31'
    const overview = await get(`/v1/dashboard/overview?${whole}`)
    expect(overview.status, overview.text).toBe(200)
    expect(overview.json.models[0].series.length).toBeLessThanOrEqual(48)
    expect(overview.json.models[0].predictions).toBe(3)
    const series = await get(`/v1/dashboard/models/m/timeseries?${whole}&buckets=500`)
    expect(series.status, series.text).toBe(200)
    expect(series.json.buckets).toHaveLength(500)
    expect(series.json.buckets.reduce((s: number, b: { predictions: number }) => s + b.predictions, 0)).toBe(3)
    expect((await get(`/v1/dashboard/models/m/distribution?feature=x&${whole}`)).json.current.count).toBe(3)
    expect((await get(`/v1/reports/evidence?${whole}`)).status).toBe(200)
    for (const buckets of ['501', '1000000000', '1e400', '-1', '2.5', 'many']) {
      expectRefused(await get(`/v1/dashboard/models/m/timeseries?buckets=${buckets}`), 400, /^buckets: /, `buckets=${buckets}`)
    }
    for (const route of ['/v1/evaluations', '/v1/alerts', '/v1/audit']) {
      expectRefused(await get(`${route}?limit=10001`), 400, /^limit: /, `${route} limit=10001`)
      expectRefused(await get(`${route}?limit=1&limit=2`), 400, /^limit: /, `${route} repeated limit`)
    }
    expectRefused(await get('/v1/evaluations?before=1e400'), 400, /^before: /, 'before=1e400')
    expectRefused(await get('/v1/register?wait=soon'), 400, /^wait: /, 'register wait=soon')
  })

  it('ids and names with path traversal, SQL, NULs and 10 kB: 404 or empty for unknown, 400 past the length limits', async () => {
    const hostile = ["../../etc/passwd", "m' OR '1'='1", 'm"; DROP TABLE api_keys; --', 'm\u0000', '%00', '\\x00', 'm`']
    for (const name of hostile) {
      const enc = encodeURIComponent(name)
      const ts = await get(`/v1/dashboard/models/${enc}/timeseries`)
      expectRefused(ts, 404, undefined, `timeseries ${JSON.stringify(name)}`)
      expect(ts.json.error.code).toBe('unknown_model')
      expect((await get(`/v1/dashboard/models/m/distribution?feature=${enc}`)).json.error.code).toBe('unknown_feature')
      expect((await get(`/v1/dashboard/models/m/distribution?feature=x&reference=${enc}`)).json.error.code).toBe('unknown_reference')
      expect((await get(`/v1/dashboard/models/m/fairness?attribute=${enc}`)).json.error.code).toBe('unknown_attribute')
      expect((await get(`/v1/dashboard/models/m/drift?control=${enc}`)).json.cells).toEqual([])
      expect((await get(`/v1/models/${enc}/references`)).json).toEqual({ references: [] })
      expect((await get(`/v1/evaluations?model=${enc}&control=${enc}`)).json.evaluations).toEqual([])
      expect((await get(`/v1/alerts?model=${enc}&control=${enc}`)).json.alerts).toEqual([])
      expect((await get(`/v1/audit?action=${enc}`)).json.entries).toEqual([])
      expect((await get(`/v1/reports/evidence?from=0&to=1&model=${enc}`)).status).toBe(200)
    }
    const long = 'a'.repeat(10_000)
    expectRefused(await get(`/v1/dashboard/models/${long}/timeseries`), 400, /^model: /, '10 kB model')
    expectRefused(await get(`/v1/dashboard/models/m/distribution?feature=${long}`), 400, /^feature: /, '10 kB feature')
    expectRefused(await get(`/v1/dashboard/models/m/fairness?attribute=${long}`), 400, /^attribute: /, '10 kB attribute')
    expectRefused(await get(`/v1/reports/evidence?from=0&to=1&model=${long}`), 400, /^model: /, '10 kB report model')
    expect((await get(`/v1/evaluations?model=${long}`)).json.evaluations).toEqual([])
    // Unknown parameters, prototype keys included, are named, not ignored.
    for (const route of ['/v1/dashboard/overview', '/v1/coverage', '/v1/register', '/v1/evaluations', '/v1/alerts', '/v1/audit']) {
      for (const param of ['__proto__', 'constructor', 'colour']) {
        expectRefused(await get(`${route}?${param}=1`), 400, new RegExp(param), `${route}?${param}`)
      }
    }
    expectRefused(await get('/v1/coverage?framework=__proto__'), 400, /^framework: /, 'framework=__proto__')
    expectRefused(await get('/v1/alerts?state=open&state=resolved'), 400, /^state: /, 'repeated state')
  })

  // FIXED: evaluations and audit had their own time schema that only refused NaN, so 1e20, a 10 kB
  // number or 1969-12-31 reached the store (500) and year 10000 was accepted. Both now use
  // dashboard/time-range.ts `queryTime` (http/strict-time.ts: 1970 to 2299).
  it('evaluations and audit: out-of-range from/to are 400 naming the parameter', async () => {
    for (const route of ['/v1/evaluations', '/v1/audit']) {
      for (const value of ['99999999999999999999', '9'.repeat(10_000), '1969-12-31', '+010000-01-01']) {
        expectRefused(await get(`${route}?from=${value}`), 400, /^from: /, `${route}?from=${value.slice(0, 20)}`)
        expectRefused(await get(`${route}?to=${value}`), 400, /^to: /, `${route}?to=${value.slice(0, 20)}`)
      }
    }
  })

  // FIXED: every time parameter went through V8's lenient Date.parse ("-5" was 2001-05-01, "1.5"
  // 2001-01-05, "2026-02-30" 2026-03-02, a trailing NUL ignored). One strict reader,
  // collector/src/http/strict-time.ts, now takes only digits or ISO 8601 whose fields round-trip.
  it('times that are neither ISO 8601 nor epoch milliseconds are 400, not a date in 2001', async () => {
    // A date-time without its offset would be the server's local time, which the client cannot see.
    const bad = ['-5', '1.5', '2026-02-30', '2026-11-23T00:00:00Z%00', '5%205', '2026-11-23T24:00:00Z', '2026-11-23T00:00:00', 'Mon, 23 Nov 2026 00:00:00 GMT']
    for (const value of bad) {
      expectRefused(await get(`/v1/dashboard/overview?from=${value}`), 400, /^from: .*ISO 8601|^from: .*calendar/, `overview from=${value}`)
      expectRefused(await get(`/v1/coverage?to=${value}`), 400, /^to: /, `coverage to=${value}`)
      expectRefused(await get(`/v1/evaluations?from=${value}`), 400, /^from: /, `evaluations from=${value}`)
      expectRefused(await get(`/v1/audit?to=${value}`), 400, /^to: /, `audit to=${value}`)
    }
    // What is accepted reads as written: a date is midnight UTC, an offset is applied, digits are ms.
    const accepted: Array<[string, string]> = [
      ['2026-11-23', '2026-11-23T00:00:00.000Z'],
      [encodeURIComponent('2026-11-23T01:30:00.25+01:30'), '2026-11-23T00:00:00.250Z'],
      ['2026-11-23t00:00:00z', '2026-11-23T00:00:00.000Z'],
      [String(Date.UTC(2026, 10, 23)), '2026-11-23T00:00:00.000Z'],
    ]
    for (const [value, iso] of accepted) {
      const res = await get(`/v1/dashboard/overview?from=${value}&to=2026-11-24`)
      expect(res.status, `${value}: ${res.text}`).toBe(200)
      expect(res.json.from).toBe(iso)
    }
  })

  // FIXED (described by this file's first run without a test): limit, before and buckets were read
  // with `z.coerce.number()`, so "0x10" was 16, "1e2" 100 and " 5" 5. http/query-params.ts
  // `queryInteger` now takes decimal digits only.
  it('query numbers in hexadecimal, exponent or padded form are 400 naming the parameter', async () => {
    for (const value of ['0x10', '1e2', '%205', '5%20', '', '+5', '1.0']) {
      for (const route of ['/v1/evaluations', '/v1/alerts', '/v1/audit']) {
        expectRefused(await get(`${route}?limit=${value}`), 400, /^limit: .*decimal digits/, `${route} limit=${value}`)
      }
      expectRefused(await get(`/v1/evaluations?before=${value}`), 400, /^before: /, `before=${value}`)
      expectRefused(await get(`/v1/dashboard/models/m/timeseries?buckets=${value}`), 400, /^buckets: /, `buckets=${value}`)
      expectRefused(await get(`/v1/models?wait=${value}`), 400, /^wait: /, `models wait=${value}`)
      expectRefused(await get(`/v1/register?wait=${value}`), 400, /^wait: /, `register wait=${value}`)
    }
    // Plain digits still work.
    expect((await get('/v1/evaluations?limit=16&before=100')).json.evaluations).toHaveLength(1)
    expect((await get('/v1/dashboard/models/m/timeseries?buckets=16')).json.buckets).toHaveLength(16)
  })

  // FIXED: the router's URIError for a malformed percent-encoding (status 400 on the error) was a
  // 500 internal_error; http/error-handler.ts now answers it 400 malformed_path.
  it('a malformed percent-encoding in a path segment is 400, not 500', async () => {
    expectRefused(await get('/v1/alerts/%ZZ'), 400, undefined, 'GET /v1/alerts/%ZZ')
    expectRefused(await get('/v1/dashboard/models/%E0%A4%A/timeseries'), 400, undefined, 'timeseries %E0%A4%A')
    expectRefused(await get('/v1/models/%ZZ/references'), 400, undefined, 'references %ZZ')
    expectRefused(await call('DELETE', '/v1/keys/%ZZ'), 400, undefined, 'DELETE /v1/keys/%ZZ')
    expectRefused(await post('/v1/alerts/%ZZ/acknowledge', { note: 'looking' }), 400, undefined, 'ack %ZZ')
  })

  // FIXED: nonconformity ids were checked with /^[0-9a-f-]{36}$/i, so 36 hex digits or 36 dashes
  // reached ClickHouse as a UUID (500); nonconformities-route.ts now uses the strict UUID pattern.
  it('a nonconformity id that is not a UUID is 400 on read, update and close', async () => {
    for (const id of ['a'.repeat(36), '-'.repeat(36)]) {
      expectRefused(await get(`/v1/nonconformities/${id}`), 400, /not a UUID/, `GET ${id}`)
      expectRefused(await post(`/v1/nonconformities/${id}`, { owner: 'x' }), 400, /not a UUID/, `update ${id}`)
      expectRefused(await post(`/v1/nonconformities/${id}/close`, { note: 'done now' }), 400, /not a UUID/, `close ${id}`)
    }
  })

  // FIXED: the list parsed `req.query.status` alone (the message named "body", ?colour=red was
  // ignored); it now parses the whole query with a strict schema, as the other list routes do.
  it('GET /v1/nonconformities?status=bogus names `status`, and an unknown parameter is 400', async () => {
    expectRefused(await get('/v1/nonconformities?status=bogus'), 400, /^status: /, 'status=bogus')
    expectRefused(await get('/v1/nonconformities?colour=red'), 400, /colour/, 'colour=red')
  })

  // FIXED: GET /v1/models turned a bad `wait` into the 5 s default without a word; it now shares the
  // register route's `wait` parameter (http/query-params.ts) in a strict query schema.
  it('GET /v1/models?wait=abc is 400 naming `wait`', async () => {
    for (const wait of ['abc', '-1', '1&wait=2']) expectRefused(await get(`/v1/models?wait=${wait}`), 400, /^wait: /, `wait=${wait}`)
  })

  // FIXED: requireScope only checked a `project` given once, so a repeated one (a list) passed and
  // was answered for the key's own project; auth/authenticate.ts now refuses it with 400.
  it('naming another project twice (?project=x&project=x) is refused, not answered for the key\'s project', async () => {
    for (const route of ['/v1/models?wait=0&', '/v1/controls?', '/v1/keys?', '/v1/nonconformities?', '/v1/verify?']) {
      const res = await get(`${route}project=other&project=other`)
      expect([400, 403], `${route}: ${res.status}`).toContain(res.status)
    }
  })
})

describe('governance writes: bodies, content types and keys', () => {
  const WRITES: Array<[string, string]> = [
    ['/v1/controls/evaluate', 'evaluate'],
    ['/v1/keys', 'keys'],
    ['/v1/nonconformities', 'open nonconformity'],
    [`/v1/alerts/${UUID_ZERO}/acknowledge`, 'acknowledge'],
    ['/v1/session', 'session'],
  ]

  it('bodies that are JSON null, a number, a string, an array, truncated or over the limit: 4xx with a JSON error', async () => {
    for (const [route, label] of WRITES) {
      const target = route.includes('acknowledge') ? `/v1/alerts/${alertId}/acknowledge` : route
      for (const body of ['null', '5', '"x"', 'true', '{"a":', '\u0000{}']) expectRefused(await post(target, body), 400, undefined, `${label} ${JSON.stringify(body)}`)
      expectRefused(await post(target, '[]'), 400, /^body: .*array/, `${label} []`)
      expectRefused(await post(target, '[{"note":"an array of the right thing"}]'), 400, /^body: /, `${label} [{…}]`)
      expectRefused(await post(target, JSON.stringify({ note: 'x'.repeat(70_000) })), 413, /too large/, `${label} 70 kB`)
      expectRefused(await post(target, '{}', { type: 'application/json; charset=utf-16' }), 400, undefined, `${label} utf-16`)
    }
  })

  it('prototype-pollution keys are unknown fields, named; nothing is polluted', async () => {
    for (const [route, label] of WRITES) {
      const target = route.includes('acknowledge') ? `/v1/alerts/${alertId}/acknowledge` : route
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        const body = `{"${key}":{"admin":true,"project":"evil","scopes":["admin"]},"note":"polluted?","name":"p","scopes":["read"],"description":"0123456789 polluted","owner":"o","apiKey":"${KEY}"}`
        expectRefused(await post(target, body), 400, new RegExp(key), `${label} ${key}`)
      }
    }
    // Had the key been merged into an object prototype, every later check would see it.
    expect((await get('/v1/keys?all=true')).json.keys).toEqual(snapshot.keys)
  })

  it('duplicate keys: the last one counts (as JSON.parse reads them), and nothing is done on its refusal', async () => {
    const evaluate = await post('/v1/controls/evaluate', '{"controls":["DQ-VOLUME"],"controls":["NOPE-DUP"]}')
    expectRefused(evaluate, 404, /NOPE-DUP/, 'evaluate duplicate controls')
    expectRefused(await post('/v1/session', `{"apiKey":"${KEY}","apiKey":"not-the-key-123"}`), 401, undefined, 'session duplicate apiKey')
    expectRefused(await post('/v1/keys', '{"name":"dup","scopes":["read"],"scopes":["root"]}'), 400, /^scopes\.0: /, 'keys duplicate scopes')
  })

  it('strings past each field\'s limit: 400 naming the field', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['/v1/keys', { name: 'n'.repeat(201), scopes: ['read'] }, /^name: /],
      ['/v1/keys', { name: 'n', scopes: ['read'], project: 'p'.repeat(65) }, /^project: /],
      ['/v1/keys', { name: 'n', scopes: ['read'], project: '../other' }, /^project: /],
      ['/v1/session', { apiKey: 'k'.repeat(10_000) }, /^apiKey: /],
      [`/v1/alerts/${alertId}/acknowledge`, { note: 'n'.repeat(4001) }, /^note: /],
      [`/v1/alerts/${alertId}/acknowledge`, { note: 'long enough', by: 'b'.repeat(201) }, /^by: /],
      [`/v1/nonconformities/${manualNcId}`, { rootCause: 'r'.repeat(8001) }, /^rootCause: /],
      [`/v1/nonconformities/${manualNcId}`, { dueDate: '2026-02-30' }, /^dueDate: /],
      [`/v1/nonconformities/${manualNcId}/close`, { note: 'n'.repeat(4001) }, /^note: /],
      ['/v1/nonconformities', { description: 'A finding raised by hand', owner: 'o', dueDate: '31/12/2026' }, /^dueDate: /],
      ['/v1/nonconformities', { description: 'A finding raised by hand', owner: 'o', controlId: '../DQ-VOLUME' }, /^controlId: /],
    ]
    for (const [route, body, message] of cases) expectRefused(await post(route, body), 400, message, `${route} ${JSON.stringify(body).slice(0, 60)}`)
    const upload = (query: string) => call('POST', `/v1/models/m/references${query}`, { body: 'x\n1\n', type: 'text/csv' })
    expectRefused(await upload(`?source=${'s'.repeat(301)}`), 400, /^source: /, 'reference source 301')
    expectRefused(await upload('?id=../../etc/passwd'), 400, /^id: /, 'reference id traversal')
    expectRefused(await upload('?id=a&id=b'), 400, /^id: /, 'reference repeated id')
    expectRefused(await upload('?features=x&features=y'), 400, /^features: /, 'reference repeated features')
    expectRefused(await call('POST', '/v1/models/m/references', { body: 'x\n1\n', type: 'application/json' }), 415, /text\/csv/, 'reference as JSON')
  })

  // FIXED: the custom "say what does not conform" / "name who owns…" messages answered every issue
  // of the field, a too-long one too; governance-route.ts now gives them only for a missing value.
  it('a description or owner over its limit is refused saying it is too long', async () => {
    expectRefused(await post('/v1/nonconformities', { description: 'd'.repeat(8001), owner: 'o' }), 400, /^description: .*(8000|too (long|big)|at most)/i, 'description 8001')
    expectRefused(await post('/v1/nonconformities', { description: 'A finding raised by hand', owner: 'o'.repeat(201) }), 400, /^owner: .*(200|too (long|big)|at most)/i, 'owner 201')
  })

  it('a body in another content type is never acted on as if it were empty (keys, session, nonconformities, alerts)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', null]) {
      expect((await post('/v1/keys', { name: 'smuggled', scopes: ['admin'] }, { type })).status, `keys ${type}`).toBeGreaterThanOrEqual(400)
      expect((await post('/v1/session', { apiKey: KEY }, { type })).status, `session ${type}`).toBeGreaterThanOrEqual(400)
      expect((await post('/v1/nonconformities', { description: 'Smuggled as text/plain', owner: 'o' }, { type })).status, `nc ${type}`).toBeGreaterThanOrEqual(400)
      expect((await post(`/v1/alerts/${alertId}/acknowledge`, { note: 'smuggled ack' }, { type })).status, `ack ${type}`).toBeGreaterThanOrEqual(400)
    }
  })

  it('missing, malformed and unknown keys: 401 with WWW-Authenticate; wrong scope: 403 naming it; revoked: 401', async () => {
    const authHeaders = ['', 'Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer a b', 'Token ' + KEY, 'Bearer ' + 'k'.repeat(10_000), `Bearer ${KEY}x`]
    for (const authorization of authHeaders) {
      for (const [method, route, body] of [['GET', '/v1/dashboard/overview'], ['GET', '/v1/audit'], ['POST', '/v1/keys', { name: 'x', scopes: ['admin'] }]] as const) {
        const res = await call(method, route, { key: null, headers: authorization ? { authorization } : {}, body })
        expectRefused(res, 401, undefined, `${method} ${route} with ${JSON.stringify(authorization.slice(0, 20))}`)
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
      }
    }
    expectRefused(await get('/v1/models', { key: null, headers: { cookie: 'aims_session=forged-session-id' } }), 401, undefined, 'forged cookie')
    for (const route of ['/v1/dashboard/overview', '/v1/register', '/v1/coverage', '/v1/verify', '/v1/reports/evidence?from=0&to=1', '/v1/models/m/references']) {
      expectRefused(await get(route, { key: ingestKey }), 403, /"read" scope/, `ingest key on ${route}`)
    }
    const adminOnly: Array<[string, string, unknown?]> = [
      ['POST', '/v1/keys', { name: 'escalate', scopes: ['admin'] }],
      ['DELETE', `/v1/keys/${UUID_ZERO}`],
      ['POST', '/v1/nonconformities', { description: 'Opened by a reader', owner: 'o' }],
      ['POST', `/v1/nonconformities/${manualNcId}`, { owner: 'reader' }],
      ['POST', `/v1/nonconformities/${manualNcId}/close`, { note: 'closed by a reader', review: 'a review by a reader' }],
      ['GET', '/v1/audit'],
      ['GET', '/v1/keys'],
    ]
    for (const [method, route, body] of adminOnly) {
      expectRefused(await call(method, route, { key: readKey, body }), 403, /"admin" scope/, `read key ${method} ${route}`)
      expectRefused(await call(method, route, { key: revokedKey, body }), 401, /revoked/, `revoked key ${method} ${route}`)
    }
    expectRefused(await call('POST', '/v1/models/m/references?id=by-reader', { key: readKey, body: 'x\n1\n', type: 'text/csv' }), 403, /"admin" scope/, 'read key upload')
    expectRefused(await post('/v1/session', { apiKey: revokedKey }, { key: null }), 401, undefined, 'session with a revoked key')
    expectRefused(await post('/v1/session', { apiKey: ingestKey }, { key: null }), 403, /read/, 'session with an ingest key')
    expectRefused(await get('/v1/models', { headers: { 'x-aims-project': 'other' } }), 403, /other/, 'X-AIMS-Project other')
  })
})

describe('after every refusal above', () => {
  it('nothing stored was lost or changed: evaluations, audit log, keys, nonconformities, alert, events, references', async () => {
    const now = await takeSnapshot()
    expect(now).toEqual(snapshot)
    const verify = await get('/v1/verify')
    expect(verify.json.ok, verify.text).toBe(true)
    expect((await get('/readyz')).status).toBe(200)
    // The heads it printed are anchors: they hold, a wrong hash or a seq past the end does not, and a
    // malformed anchor is 400 naming it.
    const [evaluations, audit] = verify.json.chains as { table: string; headSeq: number; headHash: string }[]
    const anchored = await get(`/v1/verify?anchor=evaluations:${evaluations!.headSeq}:${evaluations!.headHash}&anchor=audit_log:${audit!.headSeq}:${audit!.headHash}`)
    expect(anchored.json.ok, anchored.text).toBe(true)
    const wrong = await get(`/v1/verify?anchor=audit_log:${audit!.headSeq}:${'0'.repeat(64)}&anchor=evaluations:${evaluations!.headSeq + 1000}:${evaluations!.headHash}`)
    expect(wrong.json.ok).toBe(false)
    expect(wrong.json.chains.map((c: { table: string; firstBroken: number | null }) => [c.table, c.firstBroken])).toEqual([['evaluations', evaluations!.headSeq + 1000], ['audit_log', audit!.headSeq]])
    expectRefused(await get('/v1/verify?anchor=ledger:1:abc'), 400, /anchor "ledger:1:abc": the table is one of evaluations, audit_log/, 'bad anchor')
  })
})

describe('refusals that record evidence today (bugs; these run last)', () => {
  const evaluationCount = async () => (await get('/v1/evaluations?limit=10000')).json.evaluations.length as number

  // FIXED: express.json() left a text/plain body unread and the route evaluated `req.body ?? {}`,
  // i.e. every active control. Every JSON POST route now goes through http/json-body.ts: a body in
  // another content type is 415 naming application/json before the route runs.
  it('POST /v1/controls/evaluate with a text/plain body is 415 and evaluates nothing', async () => {
    const before = await evaluationCount()
    const res = await post('/v1/controls/evaluate', { controls: ['NOPE-TEXT'] }, { type: 'text/plain' })
    const after = await evaluationCount()
    expect(after, 'an evaluation was recorded for a request the collector could not read').toBe(before)
    expectRefused(res, 415, /application\/json/, 'evaluate text/plain')
    // The other JSON POST routes answer the same, before they read or change anything.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      for (const [route, body] of [
        ['/v1/keys', { name: 'smuggled', scopes: ['admin'] }],
        ['/v1/session', { apiKey: KEY }],
        ['/v1/nonconformities', { description: 'Smuggled as another type', owner: 'o' }],
        [`/v1/nonconformities/${manualNcId}`, { owner: 'smuggled' }],
        [`/v1/alerts/${alertId}/acknowledge`, { note: 'smuggled ack' }],
      ] as const) {
        expectRefused(await post(route, body, { type }), 415, /application\/json/, `${route} ${type}`)
      }
    }
  })

  // Was a 500 (found by the evidence helper): a key named with an escaped lone surrogate reached the
  // store, which failed on it. JSON bodies holding half a surrogate pair are refused with the path.
  it('a JSON body holding half a surrogate pair is 400 naming where, and creates nothing', async () => {
    const keysBefore = (await get('/v1/keys?all=true')).json.keys.length
    expectRefused(await post('/v1/keys', '{"name":"half \\ud800 pair","scopes":["read"]}'), 400, /^body\.name: the text holds half of a UTF-16 surrogate pair/, 'key name')
    expectRefused(await post('/v1/nonconformities', '{"description":"A description long enough","owner":"o","links":["\\udc00"]}'), 400, /^body\.links\[0\]: /, 'nested')
    expect((await get('/v1/keys?all=true')).json.keys.length).toBe(keysBefore)
  })

  // FIXED: `at` took any non-negative integer and any Date.parse-able string, so at=1, 1e15 or year
  // 275760 recorded hash-chained evaluations of absurd windows. It is now strict ISO 8601 or epoch
  // ms from 2000-01-01 to one day after now (governance-request.ts `evaluationTimeSchema`).
  it('an evaluation time before 2000 or more than a day ahead is 400 naming `at`', async () => {
    for (const at of [1, 1e15, '+275760-09-13T00:00:00Z', '9999-12-31T00:00:00Z']) {
      const before = await evaluationCount()
      const res = await post('/v1/controls/evaluate', { controls: ['DQ-VOLUME'], at })
      expect(await evaluationCount(), `at=${at} recorded an evaluation`).toBe(before)
      expectRefused(res, 400, /^at: /, `at=${at}`)
    }
  })

  // FIXED: the same Date.parse leniency (`at: "-5"` evaluated a window of May 2001); as above.
  it('an evaluation time that is not ISO 8601 ("-5", "1.5") is 400, not a window in 2001', async () => {
    for (const at of ['-5', '1.5']) {
      const before = await evaluationCount()
      const res = await post('/v1/controls/evaluate', { controls: ['DQ-VOLUME'], at })
      expect(await evaluationCount(), `at=${at} recorded an evaluation`).toBe(before)
      expectRefused(res, 400, /^at: /, `at=${at}`)
    }
  })
})

describe('the CLI', () => {
  const STACK = /^\s+at .+:\d+:\d+\)?$|node:internal|Unhandled 'error' event/m
  let cliDir: string
  let notADir: string

  beforeAll(async () => {
    cliDir = path.join(tmp, 'cli')
    await mkdir(cliDir)
    notADir = path.join(cliDir, 'not-a-dir')
    await writeFile(notADir, 'a regular file\n')
  })

  /** Exited on its own, non-zero, with an `aims: …` line matching `message` and no stack trace. */
  function expectCleanFailure(r: CliResult, message: RegExp, label: string): void {
    const out = `${label}\nexit ${r.code} ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`
    expect(r.signal, out).toBeNull()
    expect(r.code, out).not.toBe(0)
    expect(r.stderr, out).not.toMatch(STACK)
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('aims: ') || l.startsWith('error: '))
    expect(lines, out).toHaveLength(1)
    expect(lines[0], out).toMatch(message)
  }
  const cli = (args: string[], env?: Record<string, string>) => runCli(args, { env, timeoutMs: 45_000 })
  /** Runs the cases four at a time (two cores, other test files beside this one), results in order. */
  async function cliAll(cases: ReadonlyArray<readonly [string[], ...unknown[]]>): Promise<CliResult[]> {
    const results: CliResult[] = []
    for (let i = 0; i < cases.length; i += 4) results.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => cli(args)))))
    return results
  }

  it('unknown commands and options, missing values and required options: exit 1 naming them', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['up', '--frobnicate'], /unknown option '--frobnicate'/],
      [['up', '--port'], /--port <port>' argument missing/],
      [['keys', 'create'], /required option '--name <name>'/],
      [['keys', 'revoke'], /missing required argument 'id'/],
      [['report', '--from', '2026-01-01', '--to', '2026-01-02'], /required option '--out <file>'/],
      [['reference', 'import', '--model', 'm'], /required option '-f, --file <path>'/],
      [['evaluate', '--control'], /--control <id\.\.\.>' argument missing/],
    ]
    const results = await cliAll(cases)
    results.forEach((r, i) => expectCleanFailure(r, cases[i]![1], cases[i]![0].join(' ')))
  })

  it('--port out of range or not a number, bad --at/--from/--to/--framework/--status/--out: exit non-zero naming the option', async () => {
    const up = (port: string) => ['up', '--port', port, '--data', path.join(cliDir, 'never-created')]
    const cases: Array<[string[], RegExp]> = [
      [up('abc'), /--port: .*0 to 65535.*"abc"/],
      [up('-1'), /--port: .*0 to 65535.*"-1"/],
      [['evaluate', '--at', 'last tuesday', '--url', c.url, '--api-key', KEY], /--at last tuesday/],
      [['coverage', '--from', 'yesterday-ish', '--url', c.url, '--api-key', KEY], /--from yesterday-ish/],
      [['coverage', '--framework', 'iso9001', '--url', c.url, '--api-key', KEY], /--framework iso9001/],
      [['nonconformities', 'list', '--status', 'bogus', '--url', c.url, '--api-key', KEY], /--status bogus/],
      [['nonconformities', 'open', '--description', 'A finding raised by hand', '--owner', 'o', '--due-date', '31/12/2026', '--url', c.url, '--api-key', KEY], /--due-date 31\/12\/2026/],
      [['report', '--from', '2026-01-01', '--to', '2025-01-01', '--out', path.join(cliDir, 'r.md'), '--url', c.url, '--api-key', KEY], /--to 2025-01-01: must be after --from/],
      [['report', '--from', '2026-01-01', '--to', '99999999999999999999', '--out', path.join(cliDir, 'r.md'), '--url', c.url, '--api-key', KEY], /--to 99999999999999999999/],
      [['report', '--from', '2026-01-01', '--to', '2026-01-02', '--out', path.join(cliDir, 'r.docx'), '--url', c.url, '--api-key', KEY], /--out .*r\.docx/],
      [['keys', 'create', '--name', 'x', '--scopes', 'root', '--url', c.url, '--api-key', KEY], /unknown scope root/],
      [['nonconformities', 'show', 'a'.repeat(36), '--url', c.url, '--api-key', KEY], /is not a nonconformity id/],
    ]
    const results = await cliAll(cases)
    results.forEach((r, i) => expectCleanFailure(r, cases[i]![1], cases[i]![0].join(' ')))
  })

  it('a collector that refuses: the collector\'s message in one line (bad key, missing key, unreachable URL)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['verify', '--url', c.url, '--api-key', 'not-a-real-key-123'], /answered 401: invalid or revoked API key/],
      [['verify', '--url', c.url, '--api-key', revokedKey], /answered 401/],
      [['evaluate', '--url', c.url, '--api-key', readKey, '--control', 'DQ-VOLUME'], /answered 403: .*"admin" scope/],
      [['evaluate', '--url', c.url, '--control', 'DQ-VOLUME'], /--api-key or AIMS_API_KEY/],
      [['verify', '--url', 'not a url', '--api-key', KEY], /cannot reach the collector at not a url/],
      [['keys', 'list', '--url', 'http://127.0.0.1:1', '--api-key', KEY], /cannot reach the collector at http:\/\/127\.0\.0\.1:1/],
    ]
    const results = await cliAll(cases)
    results.forEach((r, i) => expectCleanFailure(r, cases[i]![1], cases[i]![0].join(' ')))
  })

  it('files that do not exist, are directories or are binary: exit non-zero naming the file', async () => {
    const binary = path.join(cliDir, 'binary.yaml')
    await writeFile(binary, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151 + 7) % 256)))
    const missing = path.join(cliDir, 'missing.yaml')
    const cases: Array<[string[], RegExp]> = [
      [['controls', 'validate', missing], /missing\.yaml: no such file/],
      [['controls', 'validate', cliDir], /it is a directory/],
      [['controls', 'validate', binary], /\d+ problems? in .*binary\.yaml/],
      [['up', '--port', '0', '--data', path.join(cliDir, 'up-data'), '--policy', missing], /missing\.yaml: no such file/],
      [['up', '--port', '0', '--data', notADir], /not-a-dir/],
      [['evaluate', '--data', path.join(cliDir, 'eval-data'), '--policy', cliDir], /it is a directory/],
      [['report', '--from', '2026-01-01', '--to', '2026-01-02', '--out', path.join(cliDir, 'no', 'such', 'dir', 'r.md'), '--url', c.url, '--api-key', KEY], /no[/\\]such[/\\]dir[/\\]r\.md/],
    ]
    const results = await cliAll(cases)
    results.forEach((r, i) => expectCleanFailure(r, cases[i]![1], cases[i]![0].join(' ')))
    // The binary policy's problem is located (file:line:col), not only counted.
    expect(results[2]!.stderr).toMatch(/binary\.yaml:\d+:\d+: /)
  })

  it.skipIf(process.getuid?.() === 0)('a policy file that is not readable: exit non-zero naming it', async () => {
    const secret = path.join(cliDir, 'unreadable.yaml')
    await writeFile(secret, 'apiVersion: aims-monitor/v1\n')
    await chmod(secret, 0o000)
    expectCleanFailure(await cli(['controls', 'validate', secret]), /unreadable\.yaml/, 'unreadable policy')
  })

  // FIXED: the file was streamed unchecked (a missing one crashed with a stack trace, a directory
  // blamed the collector); commands/reference.ts now checks it first and names --file.
  it('reference import through a collector: a missing file or a directory is named, without a stack trace', async () => {
    const [missing, directory] = await Promise.all([
      cli(['reference', 'import', '--model', 'm', '--file', path.join(cliDir, 'missing.csv'), '--url', c.url, '--api-key', KEY]),
      cli(['reference', 'import', '--model', 'm', '--file', cliDir, '--url', c.url, '--api-key', KEY]),
    ])
    expectCleanFailure(missing, /missing\.csv/, 'missing --file')
    expectCleanFailure(directory, /directory|EISDIR/, 'directory --file')
  })

  // FIXED: --at was read with Date.parse ("1.5" sent as 2001-01-05); the CLI's time options now use
  // the collector's strict reader (@aims-monitor/collector/strict-time), --at with the same bounds.
  it('evaluate --at 1.5 (or a time before 2000) is refused naming --at, not sent as 2001-01-05', async () => {
    const [decimal, early, late] = await Promise.all([
      cli(['evaluate', '--at', '1.5', '--control', 'NOPE', '--url', c.url, '--api-key', KEY]),
      cli(['evaluate', '--at', '1999-12-31', '--control', 'NOPE', '--url', c.url, '--api-key', KEY]),
      cli(['evaluate', '--at', '2299-01-01T00:00:00Z', '--control', 'NOPE', '--data', path.join(cliDir, 'never-evaluated'), '--policy', path.join(cliDir, 'missing.yaml')]),
    ])
    expectCleanFailure(decimal, /--at 1\.5: .*ISO 8601/, 'evaluate --at 1.5')
    expectCleanFailure(early, /--at 1999-12-31: .*from 2000-01-01/, 'evaluate --at 1999-12-31')
    expectCleanFailure(late, /--at 2299-01-01T00:00:00Z: .*one day after now/, 'evaluate --at 2299 directly on the store')
  })

  it('store settings with bad values: exit 1 naming every bad variable, no hang on an unreachable server', async () => {
    const data = ['--data', path.join(cliDir, 'env-data')]
    const bad = {
      AIMS_CLICKHOUSE_URL: 'ftp://127.0.0.1/', AIMS_CLICKHOUSE_DATABASE: 'aims; DROP DATABASE x', AIMS_RETENTION_DAYS: '1e9',
      AIMS_FEATURE_ROLLUPS: 'sometimes', AIMS_CLICKHOUSE_CLUSTER: 'c; DROP',
    }
    const [all, unreachable, initKey] = await Promise.all([
      cli(['verify', ...data], bad),
      cli(['verify', ...data], { AIMS_CLICKHOUSE_URL: 'http://127.0.0.1:1' }),
      cli(['keys', 'list', ...data], { AIMS_CLICKHOUSE_URL: 'not-a-url' }),
    ])
    expectCleanFailure(all, /invalid store settings: /, 'every store setting bad')
    for (const name of Object.keys(bad)) expect(all.stderr).toContain(`${name}: `)
    expect(all.stderr).toMatch(/AIMS_FEATURE_ROLLUPS: expected on or off/)
    expectCleanFailure(unreachable, /cannot open the ClickHouse server at http:\/\/127\.0\.0\.1:1 .*AIMS_CLICKHOUSE_URL/, 'unreachable server')
    expectCleanFailure(initKey, /AIMS_CLICKHOUSE_URL: .*http\(s\) URL/, 'keys list, URL not a URL')
  })

  // FIXED: collector settings were reported by internal keys ("ingestWorkers: … NaN",
  // "trustProxy: Invalid input"); config.ts now names the variable (or flag) and the accepted values.
  it('collector settings with bad values name the environment variable and what it accepts', async () => {
    const r = await cli(['up', '--port', '0', '--data', path.join(cliDir, 'env-data-2')], {
      AIMS_INGEST_WORKERS: 'lots', AIMS_EVALUATOR_SCHEDULE: 'yes', AIMS_TRUST_PROXY: 'maybe', AIMS_MAX_BODY_BYTES: '10', AIMS_INIT_API_KEY: 'short',
    })
    expectCleanFailure(r, /invalid collector settings: /, 'every collector setting bad')
    expect(r.stderr).toMatch(/AIMS_INIT_API_KEY: must be at least 8 characters/)
    expect(r.stderr).toMatch(/AIMS_INGEST_WORKERS: [^;]*0 to 32[^;]*"lots"/)
    expect(r.stderr).toMatch(/AIMS_EVALUATOR_SCHEDULE[^;]*\bon\b[^;]*\boff\b/)
    expect(r.stderr).toMatch(/AIMS_TRUST_PROXY[^;]*true/)
    expect(r.stderr).toMatch(/AIMS_MAX_BODY_BYTES: [^;]*1024/)
  })

  // FIXED: --port and --host had commander defaults that always overrode AIMS_PORT and AIMS_HOST;
  // commands/up.ts now passes them only when given (the help names the defaults).
  it('aims up reads AIMS_PORT and AIMS_HOST: bad ones are refused naming the variable', async () => {
    const [port, host] = await Promise.all([
      cli(['up', '--data', notADir], { AIMS_PORT: 'abc' }),
      cli(['up', '--data', notADir], { AIMS_HOST: '   ' }),
    ])
    expectCleanFailure(port, /AIMS_PORT: .*port number/, 'AIMS_PORT=abc')
    expectCleanFailure(host, /AIMS_HOST: /, "AIMS_HOST='   '")
  })

  // FIXED: `z.coerce.number()` read a blank --port (or AIMS_PORT) as 0, a random free port, and
  // "0x1F90" as 8080; config.ts now takes decimal digits only for every whole-number setting.
  it('a blank or hexadecimal port is refused, not taken as port 0 or 8080', async () => {
    const results = await Promise.all([
      cli(['up', '--port', ' ', '--data', notADir]),
      cli(['up', '--port', '0x1F90', '--data', notADir]),
      cli(['up', '--data', notADir], { AIMS_PORT: ' ' }),
      cli(['up', '--data', notADir], { AIMS_PORT: '1e3' }),
    ])
    expectCleanFailure(results[0]!, /--port: .*port number.*" "/, "--port ' '")
    expectCleanFailure(results[1]!, /--port: .*port number.*"0x1F90"/, '--port 0x1F90')
    expectCleanFailure(results[2]!, /AIMS_PORT: .*port number/, "AIMS_PORT=' '")
    expectCleanFailure(results[3]!, /AIMS_PORT: .*port number.*"1e3"/, 'AIMS_PORT=1e3')
  })
})
