import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorFixture, type CollectorFixture, type ModelsResponse } from './support/collector-fixture.js'

/**
 * The native ingest API against a real collector (in this process, embedded chDB): every bad input
 * gets a clear error, and nothing accepted is lost or counted twice.
 */

// Big enough for a 500-event batch of the adult features (~250 KB), small enough to test 413 cheaply.
const MAX_BODY_BYTES = 512 * 1024

let c: CollectorFixture

beforeAll(async () => {
  c = await startCollectorFixture({ maxBodyBytes: MAX_BODY_BYTES })
})

afterAll(async () => {
  await c?.close()
})

type Json = Record<string, unknown>

function model(models: ModelsResponse, id: string) {
  const found = models.models.find((m) => m.id === id)
  if (!found) throw new Error(`model ${id} not in GET /v1/models: ${JSON.stringify(models.models.map((m) => m.id))}`)
  return found
}

const iso = (ms: number) => new Date(ms).toISOString()

// ---------------------------------------------------------------------------------------------
// Realistic events from the UCI Adult data (read, not copied).

interface AdultRow {
  age: number
  workclass: string
  education: string
  educationNum: number
  maritalStatus: string
  occupation: string
  race: string
  sex: string
  capitalGain: number
  capitalLoss: number
  hoursPerWeek: number
  nativeCountry: string
  income: string
}

function readAdult(limit: number): AdultRow[] {
  const rows: AdultRow[] = []
  for (const line of readFileSync(new URL('../data/adult/adult.data', import.meta.url), 'utf8').split('\n')) {
    if (rows.length >= limit) break
    const f = line.split(',').map((s) => s.trim())
    if (f.length !== 15) continue
    rows.push({
      age: Number(f[0]),
      workclass: f[1]!,
      education: f[3]!,
      educationNum: Number(f[4]),
      maritalStatus: f[5]!,
      occupation: f[6]!,
      race: f[8]!,
      sex: f[9]!,
      capitalGain: Number(f[10]),
      capitalLoss: Number(f[11]),
      hoursPerWeek: Number(f[12]),
      nativeCountry: f[13]!,
      income: f[14]!,
    })
  }
  if (rows.length < limit) throw new Error(`adult.data has only ${rows.length} rows`)
  return rows
}

/** "?" marks a missing value in adult.data: the wire format says omit the field. */
function present(value: string): string | undefined {
  return value === '?' ? undefined : value
}

const MODELS = [
  { id: 'credit-risk', versions: ['1.0.0', '1.1.0'] },
  { id: 'income-band', versions: ['2024.1', '2024.2'] },
] as const

interface Generated {
  predictions: Json[]
  outcomes: Json[]
  /** Expected per model: versions with counts and times, outcome count, first and last times. */
  expected: Map<string, { versions: Map<string, { n: number; first: number; last: number }>; outcomes: number; first: number; last: number }>
}

function generate(): Generated {
  const rows = readAdult(10_000)
  const base = Date.now() - 2 * 24 * 3600_000 + 123
  const predictions: Json[] = []
  const outcomes: Json[] = []
  const expected: Generated['expected'] = new Map()
  const track = (modelId: string, ts: number) => {
    let m = expected.get(modelId)
    if (!m) expected.set(modelId, (m = { versions: new Map(), outcomes: 0, first: ts, last: ts }))
    m.first = Math.min(m.first, ts)
    m.last = Math.max(m.last, ts)
    return m
  }
  rows.forEach((r, i) => {
    const m = MODELS[i % 2]!
    const version = m.versions[Math.floor(i / 2) % 2]!
    const ts = base + i * 15_000 + (i % 1000)
    const score = Math.min(0.99, Math.max(0.01, (r.educationNum - 8) / 10 + r.hoursPerWeek / 200 + (r.capitalGain > 0 ? 0.2 : 0)))
    const id = i % 2 === 0 ? randomUUID() : `${m.id}/req-${i}`
    const features: Json = {
      age: r.age,
      workclass: present(r.workclass),
      education: r.education,
      education_num: r.educationNum,
      marital_status: r.maritalStatus,
      occupation: present(r.occupation),
      capital_gain: r.capitalGain,
      capital_loss: r.capitalLoss,
      hours_per_week: r.hoursPerWeek,
      native_country: present(r.nativeCountry),
      us_resident: r.nativeCountry === 'United-States',
    }
    for (const k of Object.keys(features)) if (features[k] === undefined) delete features[k]
    predictions.push({
      type: 'prediction',
      id,
      // Both timestamp forms of the wire format.
      timestamp: i % 3 === 0 ? iso(ts) : ts,
      model: { id: m.id, version },
      features,
      attributes: { sex: r.sex, race: r.race },
      output: { label: score > 0.5 ? '>50K' : '<=50K', score },
      latencyMs: 1 + (i % 40) / 4,
    })
    const tracked = track(m.id, ts)
    const v = tracked.versions.get(version) ?? { n: 0, first: ts, last: ts }
    tracked.versions.set(version, { n: v.n + 1, first: Math.min(v.first, ts), last: Math.max(v.last, ts) })
    if (i % 4 < 2) {
      const outcomeTs = ts + 3600_000
      outcomes.push({ type: 'outcome', predictionId: id, timestamp: i % 5 === 0 ? iso(outcomeTs) : outcomeTs, model: i % 3 === 0 ? { id: m.id, version } : { id: m.id }, label: r.income })
      track(m.id, outcomeTs).outcomes++
    }
  })
  return { predictions, outcomes, expected }
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

async function sendAll(events: readonly Json[]): Promise<void> {
  for (const batch of batches(events, 500)) {
    const res = await c.post('/v1/events', { events: batch })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toEqual({ accepted: batch.length, rejected: [] })
  }
}

// ---------------------------------------------------------------------------------------------

describe('POST /v1/events: bulk ingest is exact and idempotent', () => {
  it('10,000 predictions (2 models × 2 versions) and 5,000 outcomes in batches of 500, twice', { timeout: 240_000 }, async () => {
    const { predictions, outcomes, expected } = generate()
    expect(predictions).toHaveLength(10_000)
    expect(outcomes).toHaveLength(5_000)
    // The batches really are under the body limit, so the 413 tests below test the limit, not luck.
    expect(Buffer.byteLength(JSON.stringify({ events: predictions.slice(0, 500) }))).toBeLessThan(MAX_BODY_BYTES)

    await sendAll(predictions)
    await sendAll(outcomes)
    const first = await c.getModels()
    expect(first.project).toBe('default')
    expect(first.pendingEvents).toBe(0)
    for (const m of MODELS) {
      const want = expected.get(m.id)!
      const got = model(first, m.id)
      expect(got.predictionCount).toBe(5_000)
      expect(got.outcomeCount).toBe(want.outcomes)
      expect(got.outcomeCount).toBe(2_500)
      expect(got.firstEventAt).toBe(iso(want.first))
      expect(got.lastEventAt).toBe(iso(want.last))
      const wantVersions = [...want.versions.entries()]
        .sort((a, b) => a[1].first - b[1].first)
        .map(([version, v]) => ({ version, predictionCount: v.n, firstEventAt: iso(v.first), lastEventAt: iso(v.last) }))
      expect(got.versions).toEqual(wantVersions)
      expect(got.versions.map((v) => v.predictionCount)).toEqual([2_500, 2_500])
    }

    // A client that retries everything (say after a timeout) changes nothing.
    await sendAll(predictions)
    await sendAll(outcomes)
    const again = await c.getModels()
    expect(again.pendingEvents).toBe(0)
    for (const m of MODELS) expect(model(again, m.id)).toEqual(model(first, m.id))
  })
})

// ---------------------------------------------------------------------------------------------

const minuteAgo = () => Date.now() - 60_000

function validPrediction(modelId: string, id: string, patch: Json = {}): Json {
  return { type: 'prediction', id, timestamp: minuteAgo(), model: { id: modelId, version: '1' }, features: { age: 30, region: 'north' }, attributes: { sex: 'female' }, output: { label: 'approve', score: 0.7 }, ...patch }
}

interface BadCase {
  name: string
  /** The event as JSON text (so that 1e999 can be sent). */
  json: string
  path: string
  message: RegExp
  reason?: 'invalid' | 'duplicate'
}

function badCases(modelId: string): BadCase[] {
  const p = (patch: Json) => JSON.stringify(validPrediction(modelId, `bad-${randomUUID()}`, patch))
  const without = (field: string) => {
    const e = validPrediction(modelId, `bad-${randomUUID()}`)
    delete e[field]
    return JSON.stringify(e)
  }
  const long = 'x'.repeat(257)
  return [
    { name: 'missing id', json: without('id'), path: 'id', message: /required/ },
    { name: 'missing timestamp', json: without('timestamp'), path: 'timestamp', message: /RFC 3339/ },
    { name: 'missing model', json: without('model'), path: 'model', message: /required/ },
    { name: 'missing model.version', json: p({ model: { id: modelId } }), path: 'model.version', message: /required/ },
    { name: 'an output with nothing in it', json: p({ output: {} }), path: 'output', message: /at least one of label, score or value/ },
    { name: 'unknown event type', json: p({ type: 'metric' }), path: 'type', message: /unknown event type.*"metric"/ },
    { name: 'unknown extra field', json: p({ extra: true }), path: '', message: /unknown field "extra"/ },
    { name: 'wrong type: latencyMs as a string', json: p({ latencyMs: 'fast' }), path: 'latencyMs', message: /expected a number, received the string "fast"/ },
    { name: 'wrong type: model as a string', json: p({ model: modelId }), path: 'model', message: /expected object/ },
    { name: 'malformed id (space)', json: p({ id: 'has space' }), path: 'id', message: /printable ASCII/ },
    { name: 'malformed timestamp', json: p({ timestamp: '26/11/2026' }), path: 'timestamp', message: /not an RFC 3339 timestamp/ },
    { name: 'Infinity (1e999) score', json: p({ output: { score: 0.123456 } }).replace('0.123456', '1e999'), path: 'output.score', message: /finite/ },
    { name: 'Infinity (-1e999) feature', json: p({ features: { age: 0.654321 } }).replace('0.654321', '-1e999'), path: 'features.age', message: /finite|Infinity/ },
    { name: 'timestamp before 2000', json: p({ timestamp: '1999-06-01T00:00:00Z' }), path: 'timestamp', message: /before 2000-01-01/ },
    { name: 'timestamp in seconds', json: p({ timestamp: Math.floor(Date.now() / 1000) }), path: 'timestamp', message: /before 2000-01-01/ },
    { name: 'timestamp 11 minutes ahead', json: p({ timestamp: Date.now() + 11 * 60_000 }), path: 'timestamp', message: /more than 10 minutes in the future/ },
    { name: 'string feature over 256', json: p({ features: { region: long } }), path: 'features.region', message: /at most 256 characters/ },
    { name: 'id over 128', json: p({ id: 'i'.repeat(129) }), path: 'id', message: /at most 128/ },
    { name: 'feature name over 128', json: p({ features: { ['n'.repeat(129)]: 1 } }), path: `features.${'n'.repeat(129)}`, message: /at most 128 characters/ },
    { name: '201 features', json: p({ features: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`f${i}`, i])) }), path: 'features', message: /at most 200 features/ },
    { name: '33 attributes', json: p({ attributes: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`a${i}`, 'x'])) }), path: 'attributes', message: /at most 32 attributes/ },
    { name: 'empty string feature', json: p({ features: { region: '' } }), path: 'features.region', message: /must not be empty/ },
    { name: 'bad feature name', json: p({ features: { 'monthly income': 1 } }), path: 'features.monthly income', message: /names start with a letter/ },
    { name: 'feature value null', json: p({ features: { age: null } }), path: 'features.age', message: /expected a number, string or boolean, received null/ },
    { name: 'outcome without label or value', json: JSON.stringify({ type: 'outcome', predictionId: 'x-1', timestamp: minuteAgo(), model: { id: modelId } }), path: 'label', message: /needs a label or a value/ },
    { name: 'not an object', json: '42', path: '', message: /object/ },
  ]
}

async function metricsText(): Promise<string> {
  const res = await c.get('/metrics', { key: null })
  expect(res.status).toBe(200)
  return res.text
}

/** The value of a Prometheus sample with (at least) these labels; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue
    const labelText = line.slice(name.length).match(/^\{([^}]*)\}/)?.[1] ?? ''
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(line.split(' ').pop())
  }
  return 0
}

describe('POST /v1/events: each bad event is reported, the good ones are kept', () => {
  it('a mixed batch: 207 with index, reason, path and message for each bad event; the valid ones are counted', async () => {
    const modelId = 'mixed-bag'
    const cases = badCases(modelId)
    const items: string[] = []
    const expectedRejected: Array<{ index: number; reason: string; errors: Array<{ path: string; message: unknown }> }> = []
    let validPredictions = 0
    let validOutcomes = 0
    cases.forEach((bad, i) => {
      items.push(JSON.stringify(validPrediction(modelId, `good-${i}`)))
      validPredictions++
      expectedRejected.push({ index: items.length, reason: 'invalid', errors: [{ path: bad.path, message: expect.stringMatching(bad.message) }] })
      items.push(bad.json)
    })
    // A valid outcome, then a duplicate prediction: the second is rejected at `id`, the first kept.
    items.push(JSON.stringify({ type: 'outcome', predictionId: 'good-0', timestamp: minuteAgo(), model: { id: modelId }, label: 'approved' }))
    validOutcomes++
    items.push(JSON.stringify(validPrediction(modelId, 'good-0')))
    expectedRejected.push({ index: items.length - 1, reason: 'duplicate', errors: [{ path: 'id', message: expect.stringMatching(/duplicate of the event at index 0/) }] })

    const res = await c.post('/v1/events', `{"events":[${items.join(',')}]}`)
    expect(res.status, res.text).toBe(207)
    expect(res.json.accepted).toBe(validPredictions + validOutcomes)
    expect(res.json.rejected).toHaveLength(expectedRejected.length)
    res.json.rejected.forEach((r: unknown, i: number) => expect(r, `rejected[${i}] (${cases[i]?.name ?? 'duplicate'})`).toEqual(expectedRejected[i]))

    const models = await c.getModels()
    expect(model(models, modelId).predictionCount).toBe(validPredictions)
    expect(model(models, modelId).outcomeCount).toBe(validOutcomes)
  })

  it('a batch of only bad events: 400 with the same per-event report, nothing stored', async () => {
    const modelId = 'all-bad'
    const cases = badCases(modelId)
    const res = await c.post('/v1/events', `{"events":[${cases.map((b) => b.json).join(',')}]}`)
    expect(res.status, res.text).toBe(400)
    expect(res.json.accepted).toBe(0)
    expect(res.json.rejected).toEqual(cases.map((b, index) => ({ index, reason: 'invalid', errors: [{ path: b.path, message: expect.stringMatching(b.message) }] })))
    const models = await c.getModels()
    expect(models.models.find((m) => m.id === modelId)).toBeUndefined()
  })
})

describe('POST /v1/events: requests that are not a batch', () => {
  const valid = () => validPrediction('not-a-batch', randomUUID())
  const notBatches: Array<[string, unknown, RegExp]> = [
    ['an array body', [valid()], /expected an object \{ "events"/],
    ['{}', {}, /events/],
    ['{"events": "x"}', { events: 'x' }, /events.*array/],
    ['{"events": []}', { events: [] }, /at least one event/],
    ['{"events": null}', { events: null }, /events/],
    ['an extra top-level field', { events: [valid()], meta: {} }, /meta/],
    ['a JSON string', '"just text"', /expected an object/],
    ['10,001 events', { events: Array.from({ length: 10_001 }, () => 0) }, /at most 10000 events/],
  ]
  for (const [name, body, message] of notBatches) {
    it(`${name}: 400 invalid_batch with a message`, async () => {
      const res = await c.post('/v1/events', typeof body === 'string' ? body : JSON.stringify(body))
      expect(res.status, res.text).toBe(400)
      expect(res.json.error).toEqual({ code: 'invalid_batch', message: expect.stringMatching(message) })
    })
  }

  it('malformed JSON: 400 malformed_json', async () => {
    // NaN is not JSON: a batch carrying it cannot be parsed at all, so it is refused whole.
    for (const text of ['{"events": [', '{events: []}', '{"events": [1,]}', '\u0000', '{"events":[{"type":"prediction","output":{"score":NaN}}]}']) {
      const res = await c.post('/v1/events', text)
      expect(res.status, text).toBe(400)
      expect(res.json.error).toEqual({ code: 'malformed_json', message: expect.stringMatching(/not valid JSON/) })
    }
  })

  it('an empty body: 400', async () => {
    const res = await c.post('/v1/events', '')
    expect(res.status).toBe(400)
    expect(res.json.error).toEqual({ code: 'empty_body', message: expect.stringMatching(/empty/) })
  })

  it('a Content-Type other than JSON: 415 naming what is accepted', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/x-protobuf']) {
      const res = await c.post('/v1/events', { events: [valid()] }, { headers: { 'content-type': type } })
      expect(res.status, type).toBe(415)
      expect(res.json.error).toEqual({ code: 'unsupported_media_type', message: expect.stringMatching(/application\/json/) })
    }
    const withCharset = await c.post('/v1/events', { events: [valid()] }, { headers: { 'content-type': 'application/json; charset=utf-8' } })
    expect(withCharset.status).toBe(200)
  })

  it('a body over maxBodyBytes: 413', async () => {
    const big = Buffer.from(JSON.stringify({ events: [valid()], pad: 'x'.repeat(MAX_BODY_BYTES) }))
    const res = await c.post('/v1/events', big)
    expect(res.status).toBe(413)
    expect(res.json.error).toEqual({ code: 'payload_too_large', message: expect.stringMatching(new RegExp(`${MAX_BODY_BYTES} bytes`)) })
  })

  it('a gzip body that inflates past maxBodyBytes: 413', async () => {
    const inflated = Buffer.from(`{"events":[${JSON.stringify(valid())}],"pad":"${' '.repeat(4 * MAX_BODY_BYTES)}"}`)
    const bomb = gzipSync(inflated)
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES / 50)
    const res = await c.post('/v1/events', bomb, { headers: { 'content-encoding': 'gzip' } })
    expect(res.status).toBe(413)
    expect(res.json.error.code).toBe('payload_too_large')
  })

  it('a gzip body: accepted and stored', async () => {
    const events = Array.from({ length: 50 }, (_, i) => validPrediction('gzipped', `gz-${i}`))
    const res = await c.post('/v1/events', { events }, { gzip: true })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toEqual({ accepted: 50, rejected: [] })
    expect(model(await c.getModels(), 'gzipped').predictionCount).toBe(50)
  })

  it('a body that says gzip but is not: 400; an unknown Content-Encoding: 415', async () => {
    const notGzip = await c.post('/v1/events', { events: [valid()] }, { headers: { 'content-encoding': 'gzip' } })
    expect(notGzip.status).toBe(400)
    expect(notGzip.json.error).toEqual({ code: 'bad_body', message: expect.stringMatching(/could not be read/) })
    for (const encoding of ['zstd', 'compress']) {
      const res = await c.post('/v1/events', { events: [valid()] }, { headers: { 'content-encoding': encoding } })
      expect(res.status, encoding).toBe(415)
      expect(res.json.error).toEqual({ code: 'unsupported_encoding', message: expect.stringMatching(/gzip/) })
    }
  })

  it('an unknown route: 404 JSON', async () => {
    for (const [method, path] of [['GET', '/v1/nothing'], ['POST', '/v2/events'], ['GET', '/v1/events']] as const) {
      const res = method === 'GET' ? await c.get(path) : await c.post(path, { events: [] })
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(res.headers.get('content-type')).toMatch(/application\/json/)
      expect(res.json.error).toEqual({ code: 'not_found', message: expect.stringContaining(`${method} ${path}`) })
    }
  })
})

describe('a model whose features change between versions', () => {
  it('stores both versions, with f:age:num and f:age:str side by side and missing values as NaN / empty', async () => {
    const modelId = 'evolving'
    const v1 = [41, 29, 63].map((age, i) => validPrediction(modelId, `evo-v1-${i}`, { model: { id: modelId, version: '1' }, features: { age, region: ['north', 'south', 'east'][i] } }))
    const v2 = ['40-49', '20-29', '60-69'].map((age, i) => validPrediction(modelId, `evo-v2-${i}`, { model: { id: modelId, version: '2' }, features: { age, score_band: ['high', 'low', 'mid'][i] } }))
    expect((await c.post('/v1/events', { events: v1 })).status).toBe(200)
    expect((await c.post('/v1/events', { events: v2 })).status).toBe(200)

    const summary = model(await c.getModels(), modelId)
    expect(summary.predictionCount).toBe(6)
    expect(summary.versions.map((v) => [v.version, v.predictionCount]).sort()).toEqual([
      ['1', 3],
      ['2', 3],
    ])

    const store = c.collector.store
    const tables = await (
      await store.client.query({
        query: `SELECT predictions_table FROM ${store.table('models')} FINAL WHERE project = {project:String} AND model_id = {model:String}`,
        query_params: { project: 'default', model: modelId },
        format: 'JSONEachRow',
      })
    ).json<{ predictions_table: string }>()
    expect(tables).toHaveLength(1)
    const table = tables[0]!.predictions_table
    const columns = await (
      await store.client.query({
        query: `SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String} AND name LIKE 'f:%'`,
        query_params: { db: store.config.database, table },
        format: 'JSONEachRow',
      })
    ).json<{ name: string; type: string }>()
    expect(Object.fromEntries(columns.map((col) => [col.name, col.type]))).toEqual({
      'f:age:num': 'Float64',
      'f:age:str': 'LowCardinality(String)',
      'f:region:str': 'LowCardinality(String)',
      'f:score_band:str': 'LowCardinality(String)',
    })
    const rows = await (
      await store.client.query({
        query: `SELECT model_version, isNaN(\`f:age:num\`) AS age_missing, if(isNaN(\`f:age:num\`), -1, \`f:age:num\`) AS age_num,
                       \`f:age:str\` AS age_str, \`f:region:str\` AS region, \`f:score_band:str\` AS score_band
                FROM ${store.table(table)} FINAL ORDER BY model_version, age_str, age_num`,
        format: 'JSONEachRow',
      })
    ).json<Json>()
    expect(rows).toEqual([
      { model_version: '1', age_missing: 0, age_num: 29, age_str: '', region: 'south', score_band: '' },
      { model_version: '1', age_missing: 0, age_num: 41, age_str: '', region: 'north', score_band: '' },
      { model_version: '1', age_missing: 0, age_num: 63, age_str: '', region: 'east', score_band: '' },
      { model_version: '2', age_missing: 1, age_num: -1, age_str: '20-29', region: '', score_band: 'low' },
      { model_version: '2', age_missing: 1, age_num: -1, age_str: '40-49', region: '', score_band: 'high' },
      { model_version: '2', age_missing: 1, age_num: -1, age_str: '60-69', region: '', score_band: 'mid' },
    ])
  })
})

describe('health, readiness and metrics', () => {
  it('/healthz 200 and /readyz 200 ready, without a key', async () => {
    const health = await c.get('/healthz', { key: null })
    expect(health.status).toBe(200)
    expect(health.json).toEqual({ status: 'ok' })
    const ready = await c.get('/readyz', { key: null })
    expect(ready.status).toBe(200)
    expect(ready.json.status).toBe('ready')
  })

  it('/metrics counts exactly the accepted and rejected events this test sends', async () => {
    const accepted = (type: string, t: string) => sample(t, 'aims_events_accepted_total', { type, interface: 'native' })
    const rejected = (reason: string, t: string) => sample(t, 'aims_events_rejected_total', { reason, interface: 'native' })
    const before = await metricsText()
    const modelId = 'metered'
    const events = [
      validPrediction(modelId, 'm-1'),
      validPrediction(modelId, 'm-2'),
      validPrediction(modelId, 'm-3', { latencyMs: -1 }), // invalid
      { type: 'outcome', predictionId: 'm-1', timestamp: minuteAgo(), model: { id: modelId }, label: 'ok' },
      validPrediction(modelId, 'm-4', { features: { age: '' } }), // invalid
      validPrediction(modelId, 'm-1'), // duplicate
      validPrediction(modelId, 'm-5'),
    ]
    const res = await c.post('/v1/events', { events })
    expect(res.status).toBe(207)
    expect(res.json.accepted).toBe(4)
    expect((await c.post('/v1/events', { events: 'x' })).status).toBe(400)
    const after = await metricsText()
    expect(after).toMatch(/^# TYPE aims_events_accepted_total counter$/m)
    expect(after).toMatch(/^aims_events_rejected_total\{reason="invalid_event",interface="native"\} \d+$/m)
    expect(accepted('prediction', after) - accepted('prediction', before)).toBe(3)
    expect(accepted('outcome', after) - accepted('outcome', before)).toBe(1)
    expect(rejected('invalid_event', after) - rejected('invalid_event', before)).toBe(2)
    expect(rejected('duplicate_in_batch', after) - rejected('duplicate_in_batch', before)).toBe(1)
    expect(rejected('not_a_batch', after) - rejected('not_a_batch', before)).toBe(1)
  })
})
