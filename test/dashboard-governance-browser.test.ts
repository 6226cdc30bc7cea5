// The dashboard's governance pages in real headless Chromium against a real collector on the
// example policy (examples/policies/credit-risk.yaml, notifiers pointed at 127.0.0.1): the model
// register, the coverage matrix, and nonconformities (list with ageing, detail with history, the
// update and close forms, opening one by hand), each reached from the main navigation.
// Screenshots go to test-artifacts/dashboard/.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'
import { localExamplePolicy } from './support/local-example-policy.js'
import { signIn } from './support/dashboard-sign-in.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'dashboard')
const CHROMIUM = '/usr/bin/chromium'
const VOLUME = 'credit-risk.data-quality.volume'
const D1 = Date.parse('2026-11-10T00:00:00Z')
const PERIOD = 'from=2026-11-01T00:00:00.000Z&to=2026-12-01T00:00:00.000Z'

const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-governance-browser-'))
let c: CollectorFixture
let browser: Browser
let page: Page
const consoleErrors: string[] = []

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true })
const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })

beforeAll(async () => {
  expect(existsSync(path.join(ROOT, 'dashboards/web/dist/index.html')), 'the dashboard is built (pnpm build)').toBe(true)
  expect(existsSync(CHROMIUM), `${CHROMIUM}: apt-get install -y chromium`).toBe(true)
  await mkdir(ARTIFACTS, { recursive: true })
  c = await startCollectorFixture({ policyFile: localExamplePolicy(dir) })
  const prediction = (id: string, ts: number, model = 'credit-risk') => ({ type: 'prediction', id, timestamp: ts, model: { id: model, version: '1.0.0' }, features: { age: 40 }, output: { label: 'approve' } })
  const events = await c.post('/v1/events', { events: [prediction('p1', D1 + 1000), prediction('p2', D1 + 2000), prediction('s1', D1 + 3000, 'shadow-model')] })
  expect(events.status, events.text).toBe(200)
  await c.getModels()
  // Three decisions in a day: the volume control breaches and opens a nonconformity.
  const evaluated = await c.post('/v1/controls/evaluate', { controls: [VOLUME], at: D1 + 86_400_000 })
  expect(evaluated.json.results[0].outcome).toBe('breach')
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()) })
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`))
  await page.goto(`${c.url}/`)
  await signIn(page, c.initKey)
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await c?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('governance pages in headless Chromium', () => {
  it('shows the model register: intended use and owner of the registered model, the unregistered one flagged', async () => {
    await nav('Register').click()
    await page.getByRole('heading', { name: 'Model register', level: 1 }).waitFor()
    const credit = page.locator('[data-model="credit-risk"]')
    await credit.waitFor()
    expect(await credit.getByTestId('intended-use').textContent()).toMatch(/^Scores consumer credit applications/)
    expect(await credit.textContent()).toContain('Head of credit risk (accountable)')
    expect(await credit.locator(`tr[data-control="${VOLUME}"]`).textContent()).toContain('Breach')
    expect(await page.locator('[data-model="shadow-model"]').getAttribute('data-flags')).toBe('unregistered uncontrolled')
    await shot('10-register')
  })

  it('shows the coverage matrix: A.6.2.6 and A.5.4 covered, A.10.3 excluded, uncovered Annex A controls, evidence counts', async () => {
    await nav('Coverage').click()
    await page.getByRole('heading', { name: 'Coverage', level: 1 }).waitFor()
    await page.goto(`${c.url}/coverage?${PERIOD}&framework=iso42001`)
    const iso = page.getByTestId('coverage-iso42001')
    await iso.waitFor()
    expect(await page.getByTestId('coverage-summary-iso42001').textContent()).toBe('8 covered1 excluded62 not coveredof 71 references')
    expect(await iso.locator('tr[data-reference="A.6.2.6"]').getAttribute('data-status')).toBe('covered')
    expect(await iso.locator('tr[data-reference="A.5.4"]').getAttribute('data-status')).toBe('covered')
    expect(await iso.locator('tr[data-reference="A.10.3"]').textContent()).toContain('Excluded: The credit-risk model')
    expect(await iso.locator('tr[data-reference="A.2.2"]').getAttribute('data-status')).toBe('not_covered')
    expect(await iso.locator('tr[data-reference="A.6.2.8"] td.num').first().textContent()).toBe('1')
    await shot('11-coverage')
    await page.getByTestId('filter-coverage-status').selectOption('not_covered')
    await iso.locator('tr[data-reference="A.6.2.6"]').waitFor({ state: 'detached' })
    expect(await iso.locator('tbody tr').count()).toBe(62)
  })

  it('lists nonconformities with their ageing, and records root cause and corrective action from the detail page', async () => {
    await nav('Nonconformities').click()
    const row = page.getByTestId('nc-table').locator('tbody tr').filter({ hasText: VOLUME })
    await row.waitFor()
    expect(await row.textContent()).toMatch(/0 d.* · 29 d left/)
    await row.getByRole('link').first().click()
    await page.getByTestId('nc-facts').waitFor()
    expect(await page.getByTestId('nc-state').textContent()).toBe('open')
    await page.getByRole('button', { name: 'Update', exact: true }).click()
    await page.getByLabel('Root cause').fill('The event exporter was disabled in a deploy')
    await page.getByLabel(/^Corrective action/).fill('The deploy checklist now checks the exporter')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByTestId('nc-status').filter({ hasText: 'Saved: version 2, action taken.' }).waitFor()
    // The page reloads the record after saving: wait for the new version.
    await page.getByTestId('nc-state').filter({ hasText: /^action taken$/ }).waitFor()
    expect(await page.getByTestId('nc-history').locator('li').count()).toBe(2)
    // No passing evaluation of the control since the action: the collector refuses, the form says why.
    await page.getByRole('button', { name: 'Close', exact: true }).click()
    await page.getByLabel(/^Note/).fill('Exporter back on')
    await page.getByRole('button', { name: 'Close nonconformity' }).click()
    expect(await page.getByRole('alert').textContent()).toContain(`a passing evaluation of ${VOLUME} after the corrective action`)
    await shot('12-nonconformity')
  })

  it('opens a nonconformity by hand, shown overdue when its due date has passed, and closes it with a review', async () => {
    await nav('Nonconformities').click()
    await page.getByRole('button', { name: 'Open a nonconformity' }).click()
    await page.getByLabel(/^Description/).fill('Internal audit IA-7: model card not reviewed since launch')
    await page.getByLabel('Owner of the corrective action').fill('Model risk team')
    await page.getByLabel(/^Due date/).fill('2020-01-31')
    await page.getByRole('button', { name: 'Open nonconformity' }).click()
    await page.getByTestId('nc-status').filter({ hasText: 'Opened nonconformity' }).waitFor()
    const row = page.locator('tr[data-overdue="true"]').filter({ hasText: 'Internal audit IA-7' })
    await row.waitFor()
    expect(await row.getByTestId('overdue').textContent()).toMatch(/^2020-01-31 · overdue \d+ d$/)
    await shot('13-nonconformities')
    await row.getByRole('link').first().click()
    await page.getByRole('button', { name: 'Update', exact: true }).click()
    await page.getByLabel('Root cause').fill('No owner for model card reviews')
    await page.getByLabel(/^Corrective action/).fill('A quarterly review is on the committee calendar')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByTestId('nc-status').filter({ hasText: 'Saved' }).waitFor()
    await page.getByRole('button', { name: 'Close', exact: true }).click()
    await page.getByLabel(/^Note/).fill('Reviewed at the November committee')
    await page.getByLabel(/^Effectiveness review/).fill('The card was reviewed; the next review is booked for February.')
    await page.getByRole('button', { name: 'Close nonconformity' }).click()
    await page.getByTestId('nc-status').filter({ hasText: 'Closed.' }).waitFor()
    await page.getByTestId('nc-state').filter({ hasText: /^closed$/ }).waitFor()
    expect(await page.getByTestId('nc-history').locator('li').count()).toBe(3)
  })

  it('logged no console errors beyond the expected answers (401 before sign-in, the refused close)', async () => {
    expect(consoleErrors.filter((e) => !/status of (401|409)/.test(e))).toEqual([])
  })
})
