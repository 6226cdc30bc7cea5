// The evidence report (issue 7's check): after a scripted period with known breaches, an
// acknowledgement and a closed nonconformity, the report's counts (scheduled, executed and missed
// evaluations; breaches; open and closed nonconformities) equal what was scripted, in HTML and
// Markdown from GET /v1/reports/evidence and in the PDF `aims report` prints through the collector
// (read back with pdftotext, its first page rendered with pdftoppm). Same data, same content hash.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderHtml, renderMarkdown, reportContentHash } from '@aims-monitor/evaluator'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'
import { killAllChildren, runCli } from './support/spawn-collector.js'

const DAY = 86_400_000
const D0 = Date.parse('2026-11-01T00:00:00Z')
/** Six daily windows end in [D0, D0 + 6d): D0, D0+1d … D0+5d. */
const PERIOD = `from=2026-11-01T00:00:00Z&to=2026-11-07T00:00:00Z`
const CONTROL = 'REPORT-VOLUME'

const POLICY = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: report-test, version: 1 }
controls:
  - id: ${CONTROL}
    version: 1
    title: Daily decision volume
    status: active
    approval: { by: Risk committee, at: 2026-10-01, reference: RC-7 }
    references: { iso42001: [A.6.2.6] }
    owner: { accountable: Head of ML, responsible: ML ops }
    scope: { model: report-model }
    severity: high
    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { direction: below, warn: 5, breach: 3, rationale: Fewer than three decisions a day means the service is down. }
    guard: { minSample: 1 }
    schedule: { every: 1d }
`

let c: CollectorFixture
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-evidence-report-'))
let alertId = ''
let nonconformityId = ''

/** `n` predictions during the day starting at `dayStart`. */
function day(dayStart: number, n: number, tag: string) {
  return Array.from({ length: n }, (_, i) => ({ type: 'prediction', id: `${tag}-${i}`, timestamp: dayStart + 3_600_000 + i * 1000, model: { id: 'report-model', version: '1' }, features: { x: i }, output: { label: 'yes' } }))
}

async function evaluate(at: number): Promise<{ outcome: string; evaluation: { alerts: string[]; nonconformity: string | null } }> {
  const res = await c.post('/v1/controls/evaluate', { controls: [CONTROL], at })
  expect(res.status, res.text).toBe(200)
  return res.json.results[0]
}

/** The summary's "Label: value" or "| Label | value |" in any of the three formats. */
function count(text: string, label: string): number {
  const match = new RegExp(`${label}\\s*\\|?\\s*(\\d+)`).exec(text.replace(/<\/t[dh]><t[dh]>/g, ' | '))
  if (!match) throw new Error(`no "${label}" in the report`)
  return Number(match[1])
}

const SCRIPTED = {
  'Scheduled evaluations': 6, 'Executed evaluations': 4, 'Missed evaluations': 2, Breaches: 2, Passes: 2,
  'Alerts acknowledged': 1, 'Open nonconformities': 0, 'Closed nonconformities': 1,
}

beforeAll(async () => {
  const policyFile = path.join(root, 'policy.yaml')
  writeFileSync(policyFile, POLICY)
  c = await startCollectorFixture({ policyFile })
  // Days 1 and 2 below the breach threshold (2 and 1 decisions), days 3 and 4 healthy (6 and 7).
  const events = [...day(D0, 2, 'd1'), ...day(D0 + DAY, 1, 'd2'), ...day(D0 + 2 * DAY, 6, 'd3'), ...day(D0 + 3 * DAY, 7, 'd4')]
  expect((await c.post('/v1/events', { events })).status).toBe(200)
  await c.getModels()
  // The window ending at D0 and the one ending at D0 + 5d are deliberately never evaluated: missed.
  const first = await evaluate(D0 + DAY)
  expect(first.outcome).toBe('breach')
  alertId = first.evaluation.alerts[0]!
  nonconformityId = first.evaluation.nonconformity!
  const ack = await c.post(`/v1/alerts/${alertId}/acknowledge`, { note: 'Looking into the logging gap', by: 'on-call' })
  expect(ack.status, ack.text).toBe(200)
  expect((await evaluate(D0 + 2 * DAY)).outcome).toBe('breach')
  const update = await c.post(`/v1/nonconformities/${nonconformityId}`, { rootCause: 'Log shipper stopped after a deploy', correctiveAction: 'Health check on the shipper added' })
  expect(update.status, update.text).toBe(200)
  expect((await evaluate(D0 + 3 * DAY)).outcome).toBe('pass')
  expect((await evaluate(D0 + 4 * DAY)).outcome).toBe('pass')
  const closed = await c.post(`/v1/nonconformities/${nonconformityId}/close`, { note: 'Volume back to normal for two days' })
  expect(closed.status, closed.text).toBe(200)
}, 180_000)

afterAll(async () => {
  await killAllChildren()
  await c?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('the evidence report', () => {
  it('as JSON: the scripted counts, the missed windows named, the acknowledgement and the closed nonconformity', async () => {
    const res = await c.get(`/v1/reports/evidence?${PERIOD}`)
    expect(res.status, res.text).toBe(200)
    const report = res.json
    expect(report.schedule.totals).toMatchObject({ scheduled: 6, executed: 4, missed: 2, notJudged: 0, unscheduled: 0 })
    expect(report.schedule.controls[0].exceptions.map((e: { to: string; status: string }) => `${e.status} ${e.to}`)).toEqual(['missed 2026-11-01T00:00:00.000Z', 'missed 2026-11-06T00:00:00.000Z'])
    expect(report.alerts).toMatchObject({ breaches: 2, warnings: 0, acknowledged: 1 })
    expect(report.alerts.alerts[0]).toMatchObject({ id: alertId, acknowledged: { by: 'on-call' }, state: 'resolved', nonconformityId })
    expect(report.nonconformities).toMatchObject({ open: 0, closed: 1, openedInPeriod: 1 })
    expect(report.nonconformities.records[0]).toMatchObject({ id: nonconformityId, status: 'closed', rootCause: 'Log shipper stopped after a deploy' })
    expect(report.results[0].trend.map((t: { value: number }) => t.value)).toEqual([2, 1, 6, 7])
    expect(report.managementReview.audit.chainsIntact).toBe(true)
    expect(report.coverage.frameworks[0].rows.find((r: { reference: string }) => r.reference === 'A.6.2.6').status).toBe('covered')
    expect(report.integrity.chains.map((x: { table: string; ok: boolean }) => x.ok)).toEqual([true, true])
    expect(res.headers.get('x-aims-content-hash')).toBe(`sha256:${report.contentHash}`)
  })

  it('as Markdown and HTML: the same counts and the same content hash on the first page', async () => {
    const md = await c.get(`/v1/reports/evidence?${PERIOD}&format=md`)
    const html = await c.get(`/v1/reports/evidence?${PERIOD}&format=html`)
    expect(md.status, md.text).toBe(200)
    expect(html.status, html.text).toBe(200)
    for (const [label, n] of Object.entries(SCRIPTED)) {
      expect(count(md.text, label), `markdown: ${label}`).toBe(n)
      expect(count(html.text, label), `html: ${label}`).toBe(n)
    }
    // Each build is dated (ageing is as of its generation): the hash is the one of that build's data.
    expect(md.text.slice(0, 400)).toContain(`Content hash: sha256:${md.headers.get('x-aims-content-hash')!.slice(7)}`)
    expect(html.text).toContain(`Content hash: sha256:${html.headers.get('x-aims-content-hash')!.slice(7)}`)
    // One build's data rendered in both formats shows one hash, the one recomputed from the JSON.
    const report = (await c.get(`/v1/reports/evidence?${PERIOD}`)).json
    expect(reportContentHash(report)).toBe(report.contentHash)
    expect(renderMarkdown(report)).toContain(`Content hash: sha256:${report.contentHash}`)
    expect(renderHtml(report)).toContain(`Content hash: sha256:${report.contentHash}`)
    expect(html.text).toMatch(/<svg[^>]*>[\s\S]*<\/svg>/) // charts inline
    expect(html.text).not.toMatch(/<script|<link |src="http/) // self-contained
  })

  it('as PDF through `aims report`: the same counts and hash in pdftotext, a first page that renders', async () => {
    const out = path.join(root, 'evidence.pdf')
    const run = await runCli(['report', '--from', '2026-11-01', '--to', '2026-11-07', '--out', out, '--url', c.url, '--api-key', c.initKey], { timeoutMs: 120_000 })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/rendering pdf/)
    const text = execFileSync('pdftotext', ['-layout', out, '-'], { encoding: 'utf8' })
    for (const [label, n] of Object.entries(SCRIPTED)) expect(count(text, label), `pdf: ${label}`).toBe(n)
    const hash = /sha256:([0-9a-f]{64})/.exec(run.stdout)![1]!
    const firstPage = execFileSync('pdftotext', ['-f', '1', '-l', '1', out, '-'], { encoding: 'utf8' }).replace(/\s+/g, '')
    expect(firstPage).toContain(`Contenthash:sha256:${hash}`)
    execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', out, path.join(root, 'page')])
    const png = readdirSync(root).find((f) => f.startsWith('page') && f.endsWith('.png'))!
    expect(readFileSync(path.join(root, png)).subarray(1, 4).toString()).toBe('PNG')
    expect(statSync(path.join(root, png)).size).toBeGreaterThan(5000)
  }, 150_000)

  it('directly on a store without a collector (--policy): every scheduled window of an empty store is missed', async () => {
    const out = path.join(root, 'direct.md')
    const run = await runCli(['report', '--from', '2026-11-01', '--to', '2026-11-07', '--out', out, '--data', path.join(root, 'empty-store'), '--policy', path.join(root, 'policy.yaml')], { timeoutMs: 120_000, env: { AIMS_API_KEY: undefined } })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/\[#{20}\] 8\/8 done/)
    const md = readFileSync(out, 'utf8')
    expect(count(md, 'Scheduled evaluations')).toBe(6)
    expect(count(md, 'Missed evaluations')).toBe(6)
    expect(md).toContain(`Content hash: sha256:${/sha256:([0-9a-f]{64})/.exec(run.stdout)![1]}`)
  }, 150_000)

  it('refuses bad dates: 400 naming the parameter, CLI exit 2', async () => {
    const bad = await c.get('/v1/reports/evidence?from=yesterday&to=2026-11-07')
    expect(bad.status).toBe(400)
    expect(bad.json.error.message).toMatch(/^from: /)
    const missing = await c.get('/v1/reports/evidence?from=2026-11-01')
    expect(missing.status).toBe(400)
    expect(missing.json.error.message).toMatch(/to: required/)
    const reversed = await c.get('/v1/reports/evidence?from=2026-11-07&to=2026-11-01')
    expect(reversed.status).toBe(400)
    expect(reversed.json.error.message).toMatch(/^to: must be after from/)
    const cli = await runCli(['report', '--from', 'soon', '--to', '2026-11-07', '--out', path.join(root, 'x.md'), '--url', c.url, '--api-key', c.initKey])
    expect(cli.code).toBe(2)
    expect(cli.stderr).toMatch(/--from soon: expected an ISO 8601 date/)
  })
})
