// Issue 5's drift check on UCI Bike Sharing (data/README.md): January 2011 is imported as the
// reference data set of model `bike`, February 2011 is ingested as predictions over HTTP (timestamps
// from dteday + hr), and two drift controls over temp, atemp, hr and weekday are evaluated for the
// rolling 28-day window ending 2011-03-01 (exactly February). The seasonal warming shifts temp and
// atemp; the hour of day and the weekday stay as they were.
//
// Why these metrics:
// - drift/ks: the two-sample Kolmogorov-Smirnov test is distribution-free and scale-free, so one
//   threshold serves temperatures in [0, 1] and hours in 0..23; with four features the p-values are
//   Holm-corrected (the policy default). hr and weekday are discrete: KS with ties is conservative
//   (p-values too large), which errs towards "no drift" exactly where none is expected.
//   scipy 1.17 ks_2samp on this data: temp p = 8.5e-41, atemp p = 7.8e-41, hr p ≈ 1, weekday p = 0.31.
// - drift/wasserstein_normed: a test alone flags tiny shifts once samples are large; the normed
//   Wasserstein distance is the size of the shift in reference standard deviations, with Evidently's
//   0.1 as the breach. scipy: temp 1.11, atemp 1.06, hr 0.014, weekday 0.077 (January 2011 has five
//   Saturdays, Sundays and Mondays; February four of each weekday).
// PSI is not used: 10 reference-quantile bins collapse on a 7-valued weekday, so its value depends
// on how ties fall on the bin edges rather than on the data.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectorConfigFromEnv, createLogger, startCollector, type RunningCollector } from '@aims-monitor/collector'

const CSV = fileURLToPath(new URL('../data/bike-sharing/hour.csv', import.meta.url))
const FEATURES = ['temp', 'atemp', 'hr', 'weekday'] as const
const AT = '2011-03-01T00:00:00.000Z'

function control(id: string, metric: string, thresholds: string, rationale: string): string {
  return `  - id: ${id}
    version: 1
    title: Input drift of ${metric} against January 2011
    status: active
    approval: { by: Head of Operations, at: 2011-01-31, reference: OPS-2011-02 }
    references: { iso42001: ['9.1', A.6.2.6] }
    owner: { accountable: Head of Operations, responsible: Data team }
    scope: { model: bike }
    metric: { kind: drift, name: ${metric} }
    selector: { features: [${FEATURES.join(', ')}] }
    window: { current: { type: rolling, size: 28d, step: 1d }, reference: { dataset: jan-2011 } }
    thresholds: { ${thresholds}, rationale: ${JSON.stringify(rationale)} }
    guard: { minSample: 500 }
    schedule: { every: 1d }
    severity: medium
`
}

const POLICY = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: bike-drift, version: 1 }
controls:
${control('DRIFT-KS', 'ks', 'breach: 0.01', 'A Holm-corrected KS p-value below 1 % is a distribution change that chance explains once in a hundred months.')}
${control('DRIFT-WN', 'wasserstein_normed', 'breach: 0.1', "Evidently's default: a shift of more than a tenth of the reference standard deviation.")}`

const KEY = 'bike-drift-init-key-0123456789'
let collector: RunningCollector
let dataDir: string
let febRows = 0

/**
 * Not the shared collector fixture: events older than the retention are dropped by the tables' TTL,
 * and 2011 is older than the default 365 days. This collector keeps 9000 days (~24.6 years: from
 * 2011 past today, while staying below DateTime's 2106 limit).
 */
async function request(method: 'GET' | 'POST', urlPath: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(collector.url + urlPath, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(90_000),
  })
  const text = await res.text()
  return { status: res.status, text, json: text.startsWith('{') ? JSON.parse(text) : undefined }
}

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'aims-bike-policy-'))
  const policyFile = path.join(dir, 'policy.yaml')
  await writeFile(policyFile, POLICY)
  dataDir = await mkdtemp(path.join(tmpdir(), 'aims-bike-data-'))
  const config = collectorConfigFromEnv(
    { AIMS_RETENTION_DAYS: '9000' },
    { port: 0, host: '127.0.0.1', sealAfterMs: 50, initApiKey: KEY, shutdownDrainMs: 5000, store: { dataDir }, policyFile, evaluatorSchedule: false },
  )
  collector = await startCollector(config, { logger: createLogger(process.env.AIMS_LOG_LEVEL ?? 'silent') })

  const text = readFileSync(CSV, 'utf8')
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[]
  const header = text.slice(0, text.indexOf('\n'))
  const jan = rows.filter((r) => r.dteday!.startsWith('2011-01'))
  const feb = rows.filter((r) => r.dteday!.startsWith('2011-02'))
  expect([jan.length, feb.length]).toEqual([688, 649])
  febRows = feb.length

  // January, as hour.csv's own lines (header + rows), imported as the reference data set.
  const columns = header.split(',')
  const janCsv = [header, ...jan.map((r) => columns.map((k) => r[k]).join(','))].join('\n') + '\n'
  const imported = await request('POST', `/v1/models/bike/references?id=jan-2011&features=${FEATURES.join(',')}`, janCsv, 'text/csv')
  expect(imported.status, imported.text).toBe(201)
  expect(imported.json.reference).toMatchObject({ id: 'jan-2011', rowCount: 688 })

  const events = feb.map((r) => ({
    type: 'prediction', id: `bike-${r.instant}`, timestamp: Date.parse(`${r.dteday}T00:00:00Z`) + Number(r.hr) * 3_600_000,
    model: { id: 'bike', version: '1' },
    features: Object.fromEntries(FEATURES.map((f) => [f, Number(r[f])])),
    output: { value: Number(r.cnt) },
  }))
  const res = await request('POST', '/v1/events', { events })
  expect(res.status, res.text).toBe(200)
  const models = await request('GET', '/v1/models?wait=60000')
  expect(models.json.models).toEqual([expect.objectContaining({ id: 'bike', predictionCount: feb.length })])
}, 180_000)

afterAll(async () => {
  await collector?.close()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

interface Item { name: string; outcome: string; value: number | null; adjustedPValue?: number }

function byFeature(items: Item[]): Record<string, Item> {
  return Object.fromEntries(items.map((i) => [i.name, i]))
}

describe('drift of February 2011 against January 2011 (bike sharing)', () => {
  it('evaluates the rolling 28-day window that is February, against the imported reference', async () => {
    const res = await request('POST', '/v1/controls/evaluate', { controls: ['DRIFT-KS', 'DRIFT-WN'], at: AT })
    expect(res.status, res.text).toBe(200)
    for (const result of res.json.results) {
      expect(result.status).toBe('evaluated')
      expect(result.evaluation.window).toMatchObject({ type: 'rolling', from: '2011-02-01T00:00:00.000Z', to: '2011-03-01T00:00:00.000Z' })
      expect(result.evaluation.reference).toMatchObject({ kind: 'dataset', id: 'jan-2011', rows: 688 })
      expect(result.evaluation.samples).toMatchObject({ current: febRows, reference: 688 })
    }
  })

  it('KS (Holm over four features) breaches on temp and atemp and passes on hr and weekday', async () => {
    const res = await request('GET', '/v1/evaluations?control=DRIFT-KS')
    const [record] = res.json.evaluations
    expect(record.outcome).toBe('breach')
    const items = byFeature(record.breakdown.items)
    expect(Object.keys(items).sort()).toEqual(['atemp', 'hr', 'temp', 'weekday'])
    expect(items.temp!.outcome).toBe('breach')
    expect(items.atemp!.outcome).toBe('breach')
    expect(items.hr!.outcome).toBe('pass')
    expect(items.weekday!.outcome).toBe('pass')
    // Raw p-values as scipy 1.17 ks_2samp gives them (exact method on these sizes).
    expect(items.weekday!.value!).toBeCloseTo(0.31267, 3)
    expect(items.temp!.value!).toBeLessThan(1e-30)
    // Holm: the smallest of four is multiplied by 4, and adjusted values never fall below an earlier one.
    expect(items.weekday!.adjustedPValue!).toBeGreaterThanOrEqual(items.weekday!.value!)
    expect(items.temp!.adjustedPValue!).toBeLessThan(1e-30)
    expect(record.value).toBeLessThan(0.01)
    expect(record.reason).toMatch(/holm-adjusted over 4/)
  })

  it('normed Wasserstein breaches on temp and atemp and passes on hr and weekday', async () => {
    const res = await request('GET', '/v1/evaluations?control=DRIFT-WN')
    const [record] = res.json.evaluations
    expect(record.outcome).toBe('breach')
    const items = byFeature(record.breakdown.items)
    expect(items.temp).toMatchObject({ outcome: 'breach' })
    expect(items.atemp).toMatchObject({ outcome: 'breach' })
    expect(items.hr).toMatchObject({ outcome: 'pass' })
    expect(items.weekday).toMatchObject({ outcome: 'pass' })
    // scipy wasserstein_distance / numpy std(ddof=1) of the reference: 1.1087, 1.0557, 0.0136, 0.0768.
    expect(items.temp!.value!).toBeGreaterThan(1)
    expect(items.atemp!.value!).toBeGreaterThan(1)
    expect(items.hr!.value!).toBeLessThan(0.05)
    expect(items.weekday!.value!).toBeLessThan(0.1)
    expect(record.value).toBe(Math.max(items.temp!.value!, items.atemp!.value!))
  })

  it('records both evaluations in a chain that verifies', async () => {
    const verify = await request('GET', '/v1/evaluations/verify')
    expect(verify.json).toMatchObject({ ok: true, checked: 2, problems: [] })
  })
})
