// Hostile strings from the policy (titles, owners, approvals, rationale) and from ingested data
// (protected-attribute group values), plus alert notes and nonconformity descriptions, rendered by the
// web dashboard (real collector, headless Chromium), the evidence report (HTML in Chromium, Markdown,
// PDF through pdftotext) and the email notifier's HTML. Each surface must show them as text: no script
// runs (a window.__pwned trap and a dialog listener), no element is made of them, links stay http(s),
// Markdown tables keep their columns, and long unbroken strings do not widen the page.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderMarkdown, renderPdf, type ReportData } from '@aims-monitor/evaluator'
import { emailHtml, slackPayload } from '@aims-monitor/notify'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'
import { signIn } from './support/dashboard-sign-in.js'

// The page functions below run in Chromium. This compile has no DOM types (adding lib "dom" would change
// the types of Node's fetch for every test), so the few browser globals they use are declared here.
declare const window: any
declare const document: any
type HTMLElement = any

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CHROMIUM = '/usr/bin/chromium'
const D1 = Date.parse('2026-11-10T00:00:00Z')
const PERIOD = 'from=2026-11-01T00:00:00.000Z&to=2026-12-01T00:00:00.000Z'
const MODEL = 'hostile-model'
const VOLUME = 'HOSTILE-VOL'
const FAIR = 'HOSTILE-FAIR'

/** Each payload sets window.__pwned if it ever runs; the marker words let a test find the text. */
const XSS = `<script>window.__pwned='script'</script><img src=x onerror="window.__pwned='img'">"><svg onload="window.__pwned='svg'">`
const MD = `](javascript:window.__pwned='md') | col | # head \`code\` *em* [link](javascript:alert(1)) <b>bold</b>`
const RTL = 'Alice \u202Eresolved\u202C ok'
const LONG = `LONG${'W'.repeat(240)}END`
const TITLE = `Volume ${XSS} ${MD}`
const GROUP_A = `grpA<img src=x onerror="window.__pwned='group'">`
const GROUP_B = `grpB"><svg onload="window.__pwned='group2'">${'Z'.repeat(200)}`
const NOTE = `ack ${XSS} ${RTL}\nsecond line | x`
const DESCRIPTION = `Nonconformity ${XSS} ${MD}\u0000nul ${LONG}`

const POLICY = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: hostile, version: 1 }
controls:
  - id: ${VOLUME}
    version: 1
    title: ${JSON.stringify(TITLE)}
    status: active
    approval: { by: ${JSON.stringify(`Board ${XSS}`)}, at: 2026-10-01, reference: ${JSON.stringify(`REF | ${MD}`)} }
    references: { iso42001: [A.6.2.6] }
    owner: { accountable: ${JSON.stringify(`Owner ${XSS} ${RTL}`)}, responsible: ${JSON.stringify(LONG)} }
    scope: { model: ${MODEL} }
    severity: high
    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { direction: below, warn: 5, breach: 3, rationale: ${JSON.stringify(`Rationale ${XSS}`)} }
    guard: { minSample: 1 }
    schedule: { every: 1d }
    response: { runbook: 'https://runbooks.example.org/vol?q="><script>window.__pwned=1</script>' }
  - id: ${FAIR}
    version: 1
    title: ${JSON.stringify(`Parity ${XSS}`)}
    status: active
    approval: { by: Board, at: 2026-10-01, reference: R-1 }
    references: { iso42001: [A.5.4] }
    owner: { accountable: A, responsible: B }
    scope: { model: ${MODEL} }
    severity: medium
    metric: { kind: fairness, name: demographic_parity_difference, params: { positiveLabel: 'yes' } }
    selector: { attribute: grp }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { warn: 0.05, breach: 0.1, rationale: Ten points between groups is disparate. }
    guard: { minSample: 1, minPerGroup: 1 }
    schedule: { every: 1d }
`

const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-hostile-render-'))
let c: CollectorFixture
let browser: Browser
let page: Page
const incidents: string[] = []
let alertId = ''
let ncId = ''
let evaluationId = ''

/** Fails with what ran: the trap, any dialog, and elements the payloads would have made. */
async function expectInert(p: Page, where: string): Promise<void> {
  const found = await p.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
    injected: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], a[href^="javascript:" i]').length
      + [...document.querySelectorAll('b')].filter((e) => e.textContent === 'bold').length,
    scripts: [...document.querySelectorAll('script')].filter((s) => !s.src).map((s) => s.textContent ?? '').filter((t) => t.includes('__pwned')).length,
  }))
  expect({ where, ...found, incidents }).toEqual({ where, pwned: null, injected: 0, scripts: 0, incidents: [] })
}

/** The page is no wider than its viewport: long unbroken strings wrap. */
async function expectNoHorizontalOverflow(p: Page, where: string): Promise<void> {
  const [scroll, inner, widest] = await p.evaluate(() => {
    const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    // The innermost overflowing elements name the culprit.
    const leaves = wide.filter((e) => !wide.some((o) => o !== e && e.contains(o))).slice(0, 3)
    return [document.documentElement.scrollWidth, window.innerWidth, leaves.map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${(e.textContent ?? '').slice(0, 40)}`).join('; ')]
  })
  expect(scroll, `${where}: page ${scroll}px wide in a ${inner}px viewport (${widest})`).toBeLessThanOrEqual(Number(inner) + 1)
}

function watch(p: Page): void {
  p.on('dialog', (d) => { incidents.push(`dialog: ${d.message()}`); void d.dismiss() })
  p.on('pageerror', (e) => incidents.push(`page error: ${e.message}`))
}

beforeAll(async () => {
  expect(existsSync(path.join(ROOT, 'dashboards/web/dist/index.html')), 'the dashboard is built (pnpm build)').toBe(true)
  const policyFile = path.join(dir, 'hostile.yaml')
  writeFileSync(policyFile, POLICY)
  c = await startCollectorFixture({ policyFile })
  const events = Array.from({ length: 8 }, (_, i) => ({
    type: 'prediction', id: `h${i}`, timestamp: D1 + 1000 * (i + 1), model: { id: MODEL, version: '1' },
    features: { x: i }, attributes: { grp: i % 2 === 0 ? GROUP_A : GROUP_B }, output: { label: i < 3 ? 'yes' : 'no' },
  }))
  // Volume 8 in the day would pass: the breach comes from a second model-day with 1 decision.
  const posted = await c.post('/v1/events', { events: [...events, { type: 'prediction', id: 'h-late', timestamp: D1 + 86_400_000 + 5000, model: { id: MODEL, version: '1' }, features: { x: 1 }, attributes: { grp: GROUP_A }, output: { label: 'yes' } }] })
  expect(posted.status, posted.text).toBe(200)
  await c.getModels()
  const fair = await c.post('/v1/controls/evaluate', { controls: [FAIR], at: D1 + 86_400_000 })
  expect(fair.status, fair.text).toBe(200)
  expect(fair.json.results[0].outcome).not.toBe('error')
  const vol = await c.post('/v1/controls/evaluate', { controls: [VOLUME], at: D1 + 2 * 86_400_000 })
  expect(vol.status, vol.text).toBe(200)
  expect(vol.json.results[0].outcome).toBe('breach')
  evaluationId = vol.json.results[0].evaluation.id
  alertId = vol.json.results[0].evaluation.alerts[0]
  const ack = await c.post(`/v1/alerts/${alertId}/acknowledge`, { by: `Reviewer ${XSS}`, note: NOTE })
  expect(ack.status, ack.text).toBe(200)
  const nc = await c.post('/v1/nonconformities', { description: DESCRIPTION, owner: `Owner ${XSS} ${RTL}`, dueDate: '2026-12-31' })
  expect(nc.status, nc.text).toBe(201)
  ncId = nc.json.nonconformity.id
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await c?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the web dashboard shows hostile policy and data strings as text', () => {
  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    watch(page)
    await page.goto(`${c.url}/`)
    await signIn(page, c.initKey)
  }, 60_000)

  const pages: Array<[string, () => string, string]> = [
    ['overview', () => `/?${PERIOD}`, TITLE],
    ['control', () => `/controls/${VOLUME}`, `Owner ${XSS}`],
    ['controls', () => '/controls', TITLE],
    ['evaluation', () => `/evaluations/${evaluationId}`, TITLE],
    ['alerts', () => '/alerts?state=', `Reviewer ${XSS}`],
    ['nonconformities', () => '/nonconformities', 'Nonconformity <script>'],
    ['nonconformity', () => `/nonconformities/${ncId}`, `Nonconformity ${XSS}`],
    ['register', () => '/register', TITLE],
  ]
  for (const [name, url, text] of pages) {
    it(`${name}: shows the strings, runs nothing, does not overflow`, async () => {
      await page.goto(`${c.url}${url()}`)
      await page.getByText(text.slice(0, 40), { exact: false }).first().waitFor({ timeout: 30_000 })
      expect(await page.locator('main').textContent()).toContain(text)
      await expectInert(page, name)
      await expectNoHorizontalOverflow(page, name)
    })
  }

  it('control page: the runbook is an https link and its quote does not break out of the attribute', async () => {
    await page.goto(`${c.url}/controls/${VOLUME}`)
    const link = page.getByRole('link', { name: /runbooks\.example\.org/ })
    await link.waitFor()
    expect(await link.getAttribute('href')).toMatch(/^https:\/\/runbooks\.example\.org\//)
    await expectInert(page, 'runbook')
  })

  it('fairness page: hostile group values in the chart and its tooltips stay text', async () => {
    await page.goto(`${c.url}/models/${MODEL}/fairness?${PERIOD}`)
    await page.locator('#fairness-chart svg').waitFor()
    expect(await page.getByTestId('fairness-groups').textContent()).toContain(GROUP_A)
    // Hover every drawn mark (bars and whiskers) so that ECharts builds each tooltip.
    const boxes = await page.locator('#fairness-chart svg path').evaluateAll((els) => els.map((e) => {
      const r = e.getBoundingClientRect()
      return r.width * r.height > 0 || r.width > 0 || r.height > 0 ? { x: r.x + r.width / 2, y: r.y + Math.min(2, r.height / 2) } : null
    }).filter((b) => b !== null))
    expect(boxes.length).toBeGreaterThan(0)
    let tooltips = 0
    for (const b of boxes.slice(0, 40)) {
      await page.mouse.move(b!.x, b!.y)
      const tip = await page.evaluate(() => [...document.querySelectorAll('#fairness-chart div')].filter((d) => (d as HTMLElement).style.position === 'absolute' && d.textContent?.includes('grp')).map((d) => d.innerHTML))
      if (tip.length) tooltips++
      await expectInert(page, `fairness tooltip at ${b!.x},${b!.y}`)
    }
    expect(tooltips, 'a tooltip naming a group showed').toBeGreaterThan(0)
    await expectNoHorizontalOverflow(page, 'fairness')
  })
})

describe('the evidence report shows hostile strings as text', () => {
  let report: ReportData

  beforeAll(async () => {
    const res = await c.get(`/v1/reports/evidence?${PERIOD}&format=json`)
    expect(res.status, res.text).toBe(200)
    report = res.json
  })

  it('HTML in Chromium: nothing runs, the strings read as written, controls made visible, no overflow', async () => {
    const res = await c.get(`/v1/reports/evidence?${PERIOD}&format=html`)
    expect(res.status).toBe(200)
    const p = await browser.newPage({ viewport: { width: 1100, height: 900 } })
    watch(p)
    try {
      await p.setContent(res.text, { waitUntil: 'load' })
      await expectInert(p, 'report html')
      const text = await p.evaluate(() => document.body.innerText)
      expect(text).toContain(TITLE)
      expect(text).toContain(`Reviewer ${XSS}`)
      // The RTL override is shown as a code point, not obeyed.
      expect(text).toContain('Alice <U+202E>resolved<U+202C> ok')
      expect(text).not.toContain('\u202E')
      await expectNoHorizontalOverflow(p, 'report html')
    } finally {
      await p.close()
    }
  })

  it('Markdown: no link, HTML or heading is made of the data, and every table row keeps its columns', async () => {
    const res = await c.get(`/v1/reports/evidence?${PERIOD}&format=md`)
    expect(res.status).toBe(200)
    expectInertMarkdown(res.text)
    expectInertMarkdown(renderMarkdown(hostileEverywhere(report)))
  })

  it('PDF: prints, with the hostile strings as text (pdftotext)', async () => {
    const pdf = await renderPdf(report, { executablePath: CHROMIUM })
    const file = path.join(dir, 'hostile.pdf')
    writeFileSync(file, pdf)
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8', timeout: 60_000 })
    const squeezed = text.replace(/\s+/g, '')
    expect(squeezed).toContain("<script>window.__pwned='script'</script>")
    expect(squeezed).toContain('<U+202E>')
    // The long owner string is there whole, wrapped rather than cut at the page edge.
    expect(squeezed).toContain(LONG)
  }, 120_000)
})

describe('the email HTML body', () => {
  it('shows hostile control, owner and segment strings as text and links only http(s)', async () => {
    const { sampleNotification } = await import('../packages/notify/src/test-support/sample-notification.js')
    const n = sampleNotification({ segment: `grp=${GROUP_A}`, summary: `breach ${XSS}` })
    const html = emailHtml({
      ...n,
      control: { ...n.control, title: TITLE, owner: { accountable: `A ${XSS}`, responsible: LONG }, runbook: "javascript:window.__pwned='runbook'" },
      links: { alert: 'data:text/html,<script>alert(1)</script>', evaluation: 'https://aims.example.org/evaluations/1' },
    })
    const p = await browser.newPage({ viewport: { width: 800, height: 900 } })
    watch(p)
    try {
      await p.setContent(html, { waitUntil: 'load' })
      await expectInert(p, 'email')
      const hrefs = await p.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
      expect(hrefs).toEqual(['https://aims.example.org/evaluations/1'])
      const text = await p.evaluate(() => document.body.innerText)
      expect(text).toContain(TITLE)
      expect(text).toContain(GROUP_A)
      expect(text).toContain("javascript:window.__pwned='runbook'")
      await expectNoHorizontalOverflow(p, 'email')
    } finally {
      await p.close()
    }
  })
})

describe('the Slack message', () => {
  it('escapes the mrkdwn control characters of titles, owners, segments and summaries', async () => {
    const { sampleNotification } = await import('../packages/notify/src/test-support/sample-notification.js')
    const n = sampleNotification({ segment: `grp=<!channel> ${GROUP_A}`, summary: `breach <https://evil.example|click> ${XSS}` })
    const payload = slackPayload({ ...n, control: { ...n.control, title: TITLE, owner: { accountable: `<!here> ${XSS}`, responsible: LONG } } })
    const texts: string[] = [payload.text]
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk)
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>
        if (o.type === 'mrkdwn' && typeof o.text === 'string') texts.push(o.text)
        Object.values(o).forEach(walk)
      }
    }
    walk(payload.blocks)
    expect(texts.length).toBeGreaterThan(5)
    // Slack reads "<…>" as a mention or a link: none may come from the data.
    for (const t of texts) expect(t, t).not.toMatch(/[<>]/)
    expect(texts.join('\n')).toContain('&lt;!channel&gt;')
  })
})

/** The report with a hostile string appended to every free-text field a policy or data can reach. */
function hostileEverywhere(r: ReportData): ReportData {
  const bad = `x | y\n# h ${MD} ${XSS} \u0000 ${RTL}\n\`\`\`\n# h after a fence\n\`\`\`\`\``
  const walk = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') {
      return /^(title|by|loadedBy|owner|note|reference|description|rootCause|correctiveAction|name|justification|sourceName|accountable|responsible|segment|error|diff|project)$/.test(key) ? `${value}${bad}` : value
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, key))
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]))
    return value
  }
  return walk(r, '') as ReportData
}

/** Structure checks a Markdown renderer would otherwise fail silently. */
function expectInertMarkdown(md: string): void {
  const lines = md.split('\n')
  let inFence: string | null = null
  let columns = 0
  for (const [i, line] of lines.entries()) {
    const fence = /^(`{3,})/.exec(line)?.[1]
    if (inFence) { if (fence && fence.length >= inFence.length && line.trim() === fence) inFence = null; continue }
    if (fence) { inFence = fence; continue }
    const where = `line ${i + 1}: ${line.slice(0, 160)}`
    // No raw HTML, link, image or code span made of data: each of those characters is escaped.
    expect(/(?<!\\)(?:\\\\)*[<[`]/.test(line), where).toBe(false)
    expect(line, where).not.toMatch(/(?<!\\)(?:\\\\)*\]\(/)
    // Headings are only the report's own: never one started by data ("# h" of the payload).
    if (line.startsWith('#')) expect(line, where).not.toMatch(/^#{1,6} h\b/)
    if (line.startsWith('|')) {
      const cells = line.replace(/\\./g, 'E').split('|').length - 2
      if (/^\| --- \|/.test(line) || /^\|( --- \|)+$/.test(line)) columns = cells
      else if (columns === 0) columns = cells
      else expect(cells, where).toBe(columns)
    } else columns = 0
  }
  expect(inFence, 'every fence closes').toBeNull()
}
