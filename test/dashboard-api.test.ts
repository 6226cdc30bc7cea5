// The dashboard backend (docs/dashboard-api.md) end to end on a real collector and embedded chDB:
// sign-in sessions (cookie flags, CSRF, revocation), and each aggregate endpoint checked against
// numbers computed here from the generated events it sent (two days of a credit model whose
// `age` shifts on the second day, and a small model with twelve labels and no controls).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'
import { spawnCollector, type SpawnedCollector } from './support/spawn-collector.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const D = Date.parse('2026-11-23T00:00:00Z')
const RANGE = `from=${new Date(D).toISOString()}&to=${D + 2 * DAY}`
const REGIONS = ['north', 'south', 'east', 'west']

interface Credit {
  i: number; ts: number; age: number; region: string; hasDefault: boolean; sex: string
  error: boolean; latency: number; score: number; label: string; truth: '1' | '0' | null
}

/** 1000 predictions a day over two days; age moves up by 12 years on the second day. */
const credit: Credit[] = Array.from({ length: 2000 }, (_, i) => {
  const error = i % 97 === 0
  const score = ((i * 31) % 100) / 100
  return {
    i, ts: D + i * 86_400,
    age: (i < 1000 ? 18 : 30) + ((i * 37) % 50),
    region: REGIONS[(i * 7 + (i % 3)) % 4]!,
    hasDefault: i % 5 === 0,
    sex: i % 3 === 0 ? 'female' : 'male',
    error,
    latency: 1 + ((i * 13) % 40) + (i % 7) / 10,
    score,
    label: score >= 0.5 ? 'approve' : 'deny',
    truth: error || i % 2 === 1 ? null : (i * 17) % 10 < (i % 3 === 0 ? 4 : 6) ? '1' : '0',
  }
})
const referenceAges = Array.from({ length: 500 }, (_, j) => 18 + ((j * 37) % 50))
const referenceRegions = Array.from({ length: 500 }, (_, j) => REGIONS[j % 4]!)
/** Model `tiny`: label Lk sent k+1 times, one feature x = n. */
const tiny = Array.from({ length: 12 }, (_, k) => Array.from({ length: k + 1 }, () => `L${k}`)).flat().map((label, n) => ({ n, label, ts: D + 2 * HOUR + n * 1000 }))

const policy = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: dashboard-test, version: 1 }
controls:
  - id: DRIFT-AGE
    version: 1
    title: Input drift of age and region
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-1 }
    references: { iso42001: ['9.1', A.6.2.6] }
    owner: { accountable: CRO, responsible: Model Risk }
    scope: { model: credit }
    metric: { kind: drift, name: psi }
    selector: { features: [age, region] }
    window: { current: { type: tumbling, size: 1d }, reference: { dataset: ref-credit } }
    thresholds: { warn: 0.1, breach: 0.25, rationale: The usual PSI rule of thumb for a material shift. }
    guard: { minSample: 100 }
    schedule: { every: 1d }
    severity: medium
  - id: FAIR-FPR
    version: 1
    title: False positive rate parity across sex
    status: active
    approval: { by: Head of Model Risk, at: 2026-10-01, reference: MRC-1 }
    references: { iso42001: [A.5.4], euAiAct: [Art. 10(2)(f)] }
    owner: { accountable: CRO, responsible: Model Risk }
    scope: { model: credit }
    metric: { kind: fairness, name: false_positive_rate_difference, params: { positiveLabel: approve, positiveOutcomeLabel: '1' } }
    selector: { attribute: sex }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { warn: 0.05, breach: 0.1, rationale: Error rates more than ten points apart are disparate treatment. }
    guard: { minSample: 100, minPerGroup: 30 }
    schedule: { every: 1d }
    severity: high
`

/** numpy's default (linear, R7) quantile of sorted values: what ClickHouse's exact-inclusive and small-sample `quantiles` give. */
function quantile(sorted: number[], p: number): number {
  const h = p * (sorted.length - 1)
  const lo = Math.floor(h)
  return lo + 1 < sorted.length ? sorted[lo]! + (h - lo) * (sorted[lo + 1]! - sorted[lo]!) : sorted[lo]!
}
/**
 * The dashboard's latency percentiles are DDSketch estimates (docs/dashboard-api.md): within 1 % of
 * the exact value, the exact value being between the two sorted values around rank p·(n − 1).
 */
function expectWithinSketch(actual: number | null, sorted: number[], p: number): void {
  expect(actual).not.toBeNull()
  const h = p * (sorted.length - 1)
  expect(actual!).toBeGreaterThanOrEqual(sorted[Math.floor(h)]! * (1 - 0.01) - 1e-9)
  expect(actual!).toBeLessThanOrEqual(sorted[Math.ceil(h)]! * (1 + 0.01) + 1e-9)
}
const ascending = (values: number[]) => [...values].sort((a, b) => a - b)
const countBy = <T>(items: T[], key: (t: T) => string) => items.reduce<Record<string, number>>((acc, t) => ((acc[key(t)] = (acc[key(t)] ?? 0) + 1), acc), {})

let c: CollectorFixture
let dir: string
let evaluations: { control: string; evaluation: { id: string; window: { to: string }; outcome: string; value: number | null; breakdown: { items: { name: string; value: number | null; outcome: string }[] } } }[] = []

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aims-dashboard-'))
  const policyFile = path.join(dir, 'policy.yaml')
  await writeFile(policyFile, policy)
  c = await startCollectorFixture({ policyFile })
  const events: unknown[] = credit.map((e) => ({
    type: 'prediction', id: `credit-${e.i}`, timestamp: e.ts,
    model: { id: 'credit', version: e.i < 1000 ? '1.0.0' : '1.1.0' },
    features: { age: e.age, region: e.region, has_default: e.hasDefault },
    attributes: { sex: e.sex },
    ...(e.error ? { error: { type: 'Timeout' } } : { output: { label: e.label, score: e.score } }),
    latencyMs: e.latency,
  }))
  for (const e of credit) if (e.truth !== null) events.push({ type: 'outcome', predictionId: `credit-${e.i}`, timestamp: e.ts + HOUR, model: { id: 'credit' }, label: e.truth })
  for (const t of tiny) events.push({ type: 'prediction', id: `tiny-${t.n}`, timestamp: t.ts, model: { id: 'tiny', version: '1' }, features: { x: t.n }, attributes: { sex: t.n % 2 ? 'f' : 'm' }, output: { label: t.label } })
  for (let i = 0; i < events.length; i += 5000) {
    const res = await c.post('/v1/events', { events: events.slice(i, i + 5000) })
    expect(res.status, res.text).toBe(200)
  }
  await c.getModels()
  const csv = ['age,region', ...referenceAges.map((a, j) => `${a},${referenceRegions[j]}`)].join('\n')
  const imported = await c.post('/v1/models/credit/references?id=ref-credit&features=age,region', csv, { headers: { 'content-type': 'text/csv' } })
  expect(imported.status, imported.text).toBe(201)
  for (const at of [D + DAY, D + 2 * DAY]) {
    const res = await c.post('/v1/controls/evaluate', { at })
    expect(res.status, res.text).toBe(200)
    evaluations.push(...res.json.results)
  }
})

afterAll(async () => {
  await c?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const cookieOf = (res: { headers: Headers }) => /aims_session=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1]

describe('sessions', () => {
  it('signs in with a read key into an HttpOnly, SameSite=Strict cookie, and out again', async () => {
    const signIn = await c.post('/v1/session', { apiKey: c.initKey }, { key: null })
    expect(signIn.status, signIn.text).toBe(200)
    expect(signIn.json).toEqual({ project: 'default', keyName: 'AIMS_INIT_API_KEY', scopes: ['admin', 'ingest', 'read'] })
    const setCookie = signIn.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^aims_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/) // no Secure over plain HTTP
    // X-Forwarded-Proto is not believed without AIMS_TRUST_PROXY.
    const forwarded = await c.post('/v1/session', { apiKey: c.initKey }, { key: null, headers: { 'x-forwarded-proto': 'https' } })
    expect(forwarded.headers.get('set-cookie')).not.toMatch(/Secure/)
    const cookie = `aims_session=${cookieOf(signIn)}`

    const who = await c.get('/v1/session', { key: null, headers: { cookie } })
    expect(who.status).toBe(200)
    expect(who.json.keyName).toBe('AIMS_INIT_API_KEY')
    expect((await c.get(`/v1/dashboard/overview?${RANGE}`, { key: null, headers: { cookie } })).status).toBe(200)

    // A state-changing request on the cookie needs the CSRF header.
    const noCsrf = await c.post('/v1/keys', { name: 'from-dashboard', scopes: ['read'] }, { key: null, headers: { cookie } })
    expect(noCsrf.status).toBe(403)
    expect(noCsrf.json.error).toEqual({ code: 'csrf_header_missing', message: expect.stringContaining('X-AIMS-CSRF: 1') })
    const withCsrf = await c.post('/v1/keys', { name: 'from-dashboard', scopes: ['read'] }, { key: null, headers: { cookie, 'x-aims-csrf': '1' } })
    expect(withCsrf.status, withCsrf.text).toBe(201)
    expect((await c.delete('/v1/session', { key: null, headers: { cookie } })).status).toBe(403)

    const signOut = await c.delete('/v1/session', { key: null, headers: { cookie, 'x-aims-csrf': '1' } })
    expect(signOut.status).toBe(204)
    expect(signOut.headers.get('set-cookie')).toMatch(/^aims_session=; Max-Age=0;.*HttpOnly; SameSite=Strict$/)
    expect((await c.get('/v1/session', { key: null, headers: { cookie } })).json.error.code).toBe('no_session')
    const after = await c.get(`/v1/dashboard/overview?${RANGE}`, { key: null, headers: { cookie } })
    expect(after.status).toBe(401)
    expect(after.json.error.code).toBe('session_expired')
  })

  it('refuses a wrong key with a message, a key without read scope, and ends sessions of revoked keys', async () => {
    const wrong = await c.post('/v1/session', { apiKey: 'aims_not-a-key' }, { key: null })
    expect(wrong.status).toBe(401)
    expect(wrong.json.error).toEqual({ code: 'invalid_key', message: expect.stringMatching(/unknown or revoked/) })
    expect(wrong.headers.get('set-cookie')).toBeNull()
    expect((await c.post('/v1/session', {}, { key: null })).json.error.message).toMatch(/^apiKey: /)

    const ingestOnly = (await c.post('/v1/keys', { name: 'ingest-only', scopes: ['ingest'] })).json.key
    const refused = await c.post('/v1/session', { apiKey: ingestOnly }, { key: null })
    expect(refused.status).toBe(403)
    expect(refused.json.error.message).toMatch(/read/)

    const reader = (await c.post('/v1/keys', { name: 'reader', scopes: ['read'] })).json
    const cookie = `aims_session=${cookieOf(await c.post('/v1/session', { apiKey: reader.key }, { key: null }))}`
    expect((await c.get('/v1/session', { key: null, headers: { cookie } })).status).toBe(200)
    // The bearer header wins over the cookie: an ingest-only bearer cannot read the dashboard.
    expect((await c.get(`/v1/dashboard/overview?${RANGE}`, { key: ingestOnly, headers: { cookie } })).status).toBe(403)
    expect((await c.delete(`/v1/keys/${reader.record.id}`)).status).toBe(200)
    expect((await c.get('/v1/session', { key: null, headers: { cookie } })).status).toBe(401)
    expect((await c.get(`/v1/dashboard/overview?${RANGE}`, { key: null })).json.error.message).toMatch(/missing API key/)
  })
})

describe('aggregates', () => {
  it('overview: volume, errors, latency, versions and series per model; controls with their latest outcome; alerts', async () => {
    const res = await c.get(`/v1/dashboard/overview?${RANGE}`)
    expect(res.status, res.text).toBe(200)
    const body = res.json
    expect(body.from).toBe(new Date(D).toISOString())
    expect(body.models.map((m: { id: string }) => m.id)).toEqual(['credit', 'tiny'])
    const m = body.models[0]
    const errors = credit.filter((e) => e.error).length
    const latencies = ascending(credit.map((e) => e.latency))
    expect(m).toMatchObject({ versions: ['1.0.0', '1.1.0'], predictions: 2000, errors, lastEventAt: new Date(credit[1999]!.ts).toISOString() })
    expect(m.errorRate).toBeCloseTo(errors / 2000, 12)
    expectWithinSketch(m.latencyMs.p50, latencies, 0.5)
    expectWithinSketch(m.latencyMs.p95, latencies, 0.95)
    expectWithinSketch(m.latencyMs.p99, latencies, 0.99)
    expect(m.series).toHaveLength(48)
    const perHour = countBy(credit, (e) => String(Math.floor((e.ts - D) / HOUR)))
    expect(m.series.map((b: { predictions: number }) => b.predictions)).toEqual(Array.from({ length: 48 }, (_, h) => perHour[h] ?? 0))
    expect(m.series[5]).toEqual({ t: new Date(D + 5 * HOUR).toISOString(), predictions: perHour[5], errors: credit.filter((e) => e.error && Math.floor((e.ts - D) / HOUR) === 5).length })

    const drift = evaluations.filter((e) => e.control === 'DRIFT-AGE').at(-1)!.evaluation
    const control = body.controls.find((x: { id: string }) => x.id === 'DRIFT-AGE')
    expect(control).toMatchObject({ title: 'Input drift of age and region', model: 'credit', kind: 'drift', metric: 'psi', severity: 'medium', status: 'active', references: { iso42001: ['9.1', 'A.6.2.6'] } })
    expect(control.latest).toMatchObject({ outcome: drift.outcome, evaluationId: drift.id, window: { to: drift.window.to } })
    const alerts = (await c.get('/v1/alerts?limit=1000')).json.alerts as { state: string }[]
    expect(body.alerts).toEqual({ open: alerts.filter((a) => a.state === 'open').length, acknowledged: 0 })
    expect(body.alerts.open).toBeGreaterThan(0)

    // Off-minute boundaries (the rollup holds whole minutes; the cut minutes are read raw): still exact.
    const from = D + 90_500
    const to = D + DAY + 61_234
    const odd = (await c.get(`/v1/dashboard/overview?from=${from}&to=${to}`)).json.models[0]
    const inOdd = credit.filter((e) => e.ts >= from && e.ts < to)
    const bucketMs = Math.ceil((to - from) / 48 / 60_000) * 60_000
    expect(odd).toMatchObject({ predictions: inOdd.length, errors: inOdd.filter((e) => e.error).length })
    const perOddBucket = countBy(inOdd, (e) => String(Math.floor((e.ts - from) / bucketMs)))
    expect(odd.series.map((b: { predictions: number }) => b.predictions)).toEqual(odd.series.map((_: unknown, k: number) => perOddBucket[k] ?? 0))
    expectWithinSketch(odd.latencyMs.p95, ascending(inOdd.map((e) => e.latency)), 0.95)

    // A range with no events: zeros and nulls, the last event still known.
    const empty = (await c.get(`/v1/dashboard/overview?from=${D - 7 * DAY}&to=${D - 6 * DAY}`)).json.models[0]
    expect(empty).toMatchObject({ predictions: 0, errors: 0, errorRate: null, versions: [], latencyMs: { p50: null, p95: null, p99: null }, lastEventAt: m.lastEventAt })
  })

  it('timeseries: per-bucket volume, latency percentiles, top labels with (other), mean score', async () => {
    const res = await c.get(`/v1/dashboard/models/credit/timeseries?${RANGE}&buckets=48`)
    expect(res.status, res.text).toBe(200)
    const body = res.json
    expect(body.bucketMs).toBe(HOUR)
    expect(body.features).toEqual([{ name: 'age', kind: 'num' }, { name: 'has_default', kind: 'bool' }, { name: 'region', kind: 'str' }])
    expect(body.attributes).toEqual(['sex'])
    for (const hour of [0, 17, 47]) {
      const inBucket = credit.filter((e) => Math.floor((e.ts - D) / HOUR) === hour)
      const ok = inBucket.filter((e) => !e.error)
      const bucket = body.buckets[hour]
      const latencies = ascending(inBucket.map((e) => e.latency))
      expect(bucket).toMatchObject({ t: new Date(D + hour * HOUR).toISOString(), predictions: inBucket.length, errors: inBucket.length - ok.length, outputLabels: countBy(ok, (e) => e.label) })
      expectWithinSketch(bucket.latencyMs.p50, latencies, 0.5)
      expectWithinSketch(bucket.latencyMs.p99, latencies, 0.99)
      expect(bucket.meanScore).toBeCloseTo(ok.reduce((s, e) => s + e.score, 0) / ok.length, 9)
    }

    const small = (await c.get(`/v1/dashboard/models/tiny/timeseries?${RANGE}&buckets=2`)).json
    expect(small.bucketMs).toBe(DAY)
    const labels = small.buckets[0].outputLabels
    expect(Object.keys(labels)).toHaveLength(11)
    expect(labels['(other)']).toBe(1 + 2) // L0 and L1 fall outside the ten most frequent
    expect(labels.L11).toBe(12)
    expect(small.buckets[1]).toMatchObject({ predictions: 0, outputLabels: {}, meanScore: null, latencyMs: { p50: null } })
  })

  it('drift: one cell per feature and evaluation window, as the drift records hold them', async () => {
    const res = await c.get(`/v1/dashboard/models/credit/drift?from=${D}&to=${D + 3 * DAY}`)
    expect(res.status, res.text).toBe(200)
    const body = res.json
    expect(body.features).toEqual(['age', 'region'])
    expect(body.windows).toEqual([
      { from: new Date(D).toISOString(), to: new Date(D + DAY).toISOString() },
      { from: new Date(D + DAY).toISOString(), to: new Date(D + 2 * DAY).toISOString() },
    ])
    expect(body.cells).toHaveLength(4)
    for (const { evaluation } of evaluations.filter((e) => e.control === 'DRIFT-AGE')) {
      for (const item of evaluation.breakdown.items) {
        expect(body.cells).toContainEqual({ feature: item.name, windowTo: evaluation.window.to, controlId: 'DRIFT-AGE', metric: 'psi', value: item.value, outcome: item.outcome, evaluationId: evaluation.id })
      }
    }
    // Age moved by twelve years on the second day.
    expect(body.cells.find((x: { feature: string; windowTo: string }) => x.feature === 'age' && x.windowTo === new Date(D + 2 * DAY).toISOString()).outcome).toBe('breach')
    // A model without drift controls, and a range without evaluations: empty, not errors.
    expect((await c.get(`/v1/dashboard/models/tiny/drift?${RANGE}`)).json).toMatchObject({ features: [], windows: [], cells: [] })
    expect((await c.get(`/v1/dashboard/models/credit/drift?from=${D - 7 * DAY}&to=${D - 6 * DAY}`)).json.cells).toEqual([])
  })

  it('distribution: reference deciles against the range, categories, booleans, and no reference', async () => {
    const day2 = credit.filter((e) => e.ts >= D + DAY)
    const res = await c.get(`/v1/dashboard/models/credit/distribution?feature=age&from=${D + DAY}&to=${D + 2 * DAY}`)
    expect(res.status, res.text).toBe(200)
    const body = res.json
    expect(body).toMatchObject({ feature: 'age', kind: 'num', reference: { id: 'ref-credit', rows: 500 }, current: { count: 1000, missing: 0, approximate: false, maxError: 0 } })
    const sortedRef = ascending(referenceAges)
    const inner: number[] = []
    for (let k = 1; k <= 9; k++) {
      const q = quantile(sortedRef, k / 10)
      if (inner.length === 0 || q > inner.at(-1)!) inner.push(q)
    }
    const edges = [-Infinity, ...inner, Infinity]
    const share = (values: number[], i: number) => values.filter((v) => v >= edges[i]! && v < edges[i + 1]!).length / values.length
    expect(body.bins).toHaveLength(edges.length - 1)
    body.bins.forEach((bin: { lower: number | null; upper: number | null; reference: number; current: number }, i: number) => {
      expect(bin.lower).toBe(i === 0 ? null : edges[i])
      expect(bin.upper).toBe(i === edges.length - 2 ? null : edges[i + 1])
      expect(bin.reference).toBeCloseTo(share(referenceAges, i), 12)
      expect(bin.current).toBeCloseTo(share(day2.map((e) => e.age), i), 12)
    })
    expect(body.bins[1].label).toBe(`[${+edges[1]!.toPrecision(6)}, ${+edges[2]!.toPrecision(6)})`) // labels round to 6 digits

    const region = (await c.get(`/v1/dashboard/models/credit/distribution?feature=region&from=${D + DAY}&to=${D + 2 * DAY}`)).json
    expect(region.kind).toBe('str')
    const regionShares = Object.fromEntries(region.bins.map((b: { label: string; reference: number; current: number }) => [b.label, [b.reference, b.current]]))
    const curRegions = countBy(day2, (e) => e.region)
    for (const r of REGIONS) {
      expect(regionShares[r][0]).toBeCloseTo(125 / 500, 12)
      expect(regionShares[r][1]).toBeCloseTo((curRegions[r] ?? 0) / 1000, 12)
    }

    // A boolean feature the reference lacks: false/true shares, no reference.
    const flag = (await c.get(`/v1/dashboard/models/credit/distribution?feature=has_default&${RANGE}`)).json
    expect(flag).toMatchObject({ kind: 'bool', reference: null })
    expect(flag.bins.map((b: { label: string; current: number }) => [b.label, b.current])).toEqual([['false', 1600 / 2000], ['true', 400 / 2000]])
    expect(flag.bins[0]).not.toHaveProperty('reference')

    // No reference at all: the range's own deciles.
    const x = (await c.get(`/v1/dashboard/models/tiny/distribution?feature=x&${RANGE}`)).json
    expect(x.reference).toBeNull()
    const xs = tiny.map((t) => t.n)
    expect(x.bins.map((b: { upper: number | null }) => b.upper).slice(0, -1)).toEqual(Array.from({ length: 9 }, (_, k) => quantile(xs, (k + 1) / 10)))
    expect(x.bins.reduce((s: number, b: { current: number }) => s + b.current, 0)).toBeCloseTo(1, 12)

    // A range without events: the reference is still drawn, the current side is empty.
    const none = (await c.get(`/v1/dashboard/models/credit/distribution?feature=age&from=${D - 7 * DAY}&to=${D - 6 * DAY}`)).json
    expect(none.current).toEqual({ count: 0, missing: 0, approximate: false, maxError: 0 })
    expect(none.bins.every((b: { current: number | null; reference: number }) => b.current === null && b.reference > 0)).toBe(true)
  })

  it('fairness: per-group rates of the latest evaluation and the control series against its thresholds', async () => {
    const res = await c.get(`/v1/dashboard/models/credit/fairness?attribute=sex&from=${D}&to=${D + 3 * DAY}`)
    expect(res.status, res.text).toBe(200)
    const body = res.json
    const fair = evaluations.filter((e) => e.control === 'FAIR-FPR')
    expect(body.latest).toMatchObject({ controlId: 'FAIR-FPR', evaluationId: fair[1]!.evaluation.id, window: { to: new Date(D + 2 * DAY).toISOString() } })
    const labelled = credit.filter((e) => e.ts >= D + DAY && e.truth !== null)
    const fprs: number[] = []
    for (const sex of ['female', 'male']) {
      const g = labelled.filter((e) => e.sex === sex)
      const tp = g.filter((e) => e.label === 'approve' && e.truth === '1').length
      const fp = g.filter((e) => e.label === 'approve' && e.truth === '0').length
      const tn = g.filter((e) => e.label !== 'approve' && e.truth === '0').length
      const fn = g.filter((e) => e.label !== 'approve' && e.truth === '1').length
      const group = body.latest.groups.find((x: { group: string }) => x.group === sex)
      expect(group).toMatchObject({ count: g.length, insufficient: false })
      expect(group.fpr).toBeCloseTo(fp / (fp + tn), 12)
      fprs.push(fp / (fp + tn))
      expect(group.tpr).toBeCloseTo(tp / (tp + fn), 12)
      expect(group.selectionRate).toBeCloseTo((tp + fp) / g.length, 12)
      expect(group.intervals.fpr.lower).toBeLessThan(group.fpr)
      expect(group.intervals.fpr.upper).toBeGreaterThan(group.fpr)
    }
    expect(body.series).toEqual([{
      controlId: 'FAIR-FPR', metric: 'false_positive_rate_difference', direction: 'above', warn: 0.05, breach: 0.1,
      points: fair.map(({ evaluation: e }) => ({ windowTo: e.window.to, value: e.value, outcome: e.outcome, evaluationId: e.id })),
    }])
    expect(body.series[0].points[1].value).toBeCloseTo(Math.abs(fprs[0]! - fprs[1]!), 12)
    // A model without fairness evaluations.
    expect((await c.get(`/v1/dashboard/models/tiny/fairness?attribute=sex&${RANGE}`)).json).toMatchObject({ attribute: 'sex', latest: null, series: [] })
  })

  it('answers 400 naming the bad parameter, 404 for unknown models, features, references, attributes', async () => {
    const bad = async (url: string, parameter: string) => {
      const res = await c.get(url)
      expect(res.status, url).toBe(400)
      expect(res.json.error.message, url).toMatch(new RegExp(`^${parameter}: `))
    }
    await bad('/v1/dashboard/overview?from=yesterday', 'from')
    await bad(`/v1/dashboard/overview?from=${D}&to=${D - 1}`, 'to')
    await bad('/v1/dashboard/models/credit/timeseries?buckets=0', 'buckets')
    await bad('/v1/dashboard/models/credit/distribution', 'feature')
    await bad('/v1/dashboard/models/credit/fairness?attribute=sex&limit=5', 'limit')
    const notFound = async (url: string, code: string) => {
      const res = await c.get(url)
      expect(res.status, url).toBe(404)
      expect(res.json.error.code, url).toBe(code)
    }
    await notFound('/v1/dashboard/models/nope/timeseries', 'unknown_model')
    await notFound('/v1/dashboard/models/credit/distribution?feature=nope', 'unknown_feature')
    await notFound('/v1/dashboard/models/credit/distribution?feature=age&reference=nope', 'unknown_reference')
    await notFound('/v1/dashboard/models/credit/fairness?attribute=race', 'unknown_attribute')
  })
})

describe('without a policy', () => {
  let child: SpawnedCollector | undefined
  let childDir: string
  afterAll(async () => {
    await child?.stop()
    if (childDir) await rm(childDir, { recursive: true, force: true })
  })

  it('leaves controls, alerts, drift and fairness empty instead of failing', async () => {
    childDir = await mkdtemp(path.join(tmpdir(), 'aims-dashboard-nopolicy-'))
    const key = 'dashboard-nopolicy-key-01'
    child = await spawnCollector({ dataDir: childDir, env: { AIMS_INIT_API_KEY: key, AIMS_SEAL_AFTER_MS: '50' } })
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(child!.url + url, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) })
      return { status: res.status, json: (await res.json()) as any }
    }
    const now = Date.now()
    const sent = await call('POST', '/v1/events', { events: [{ type: 'prediction', id: 'p1', timestamp: now - 1000, model: { id: 'm', version: '1' }, attributes: { sex: 'f' }, output: { label: 'yes' } }] })
    expect(sent.status).toBe(200)
    expect((await call('GET', '/v1/models?wait=30000')).json.pendingEvents).toBe(0)
    const overview = await call('GET', '/v1/dashboard/overview')
    expect(overview.status).toBe(200)
    expect(overview.json).toMatchObject({ controls: [], alerts: { open: 0, acknowledged: 0 } })
    expect(overview.json.models[0]).toMatchObject({ id: 'm', predictions: 1 })
    expect((await call('GET', '/v1/dashboard/models/m/drift')).json).toMatchObject({ features: [], windows: [], cells: [] })
    expect((await call('GET', '/v1/dashboard/models/m/fairness?attribute=sex')).json).toMatchObject({ latest: null, series: [] })
  })
})
