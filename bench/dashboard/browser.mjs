// bench/dashboard, the browser side: the page-ready probe and one timed page load in headless
// Chromium (playwright-core, Debian's /usr/bin/chromium), with the resource timing of its API calls.

/**
 * Installed in every document before its scripts run: records `performance.now()` (milliseconds since
 * the navigation started) the first time the dashboard says the page is ready (dashboards/web/README.md,
 * "Ready signal"): at least one `data-ready="true"` in <main>, none `"false"`, every chart drawn.
 * A MutationObserver, so the time is that of the DOM change itself, not of a later poll.
 */
export function readyProbe() {
  const ready = () => {
    const main = document.getElementById('main')
    if (!main) return false
    const flags = main.querySelectorAll('[data-ready]')
    if (flags.length === 0) return false
    for (const flag of flags) if (flag.getAttribute('data-ready') !== 'true') return false
    for (const chart of main.querySelectorAll('[data-chart]')) if (chart.getAttribute('data-drawn') !== 'true') return false
    return true
  }
  const observer = new MutationObserver(() => {
    if (window.__aimsReadyAt === undefined && ready()) {
      window.__aimsReadyAt = performance.now()
      observer.disconnect()
    }
  })
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready', 'data-drawn'] })
}

/** Signs in through the form, as a user does; the session cookie then serves every page load. */
export async function signIn(page, url, key) {
  await page.goto(`${url}/`)
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor({ timeout: 120_000 })
}

/**
 * The dashboard's files could not be served during a load (another process rebuilding dist/ on a
 * shared machine): the load measures nothing and is retried by the caller.
 */
export class DashboardUnavailable extends Error {}

/**
 * Navigates to `url` and waits for the ready signal. Returns the time from navigation start to ready,
 * what the page shows (error boxes, charts, `expect` selectors found), and each /v1 request with its
 * timing: `serverMs` = responseStart − requestStart (the collector's time to first byte on loopback,
 * queueing behind the page's other requests included), `ms` its whole duration, `at` its start.
 */
export async function loadPage(page, url, { expect = [], timeoutMs = 120_000 } = {}) {
  let unavailable
  const failed = new Promise((resolve) => { unavailable = resolve })
  const onResponse = (response) => {
    const path = new URL(response.url()).pathname
    if (response.status() >= 400 && (path.startsWith('/assets/') || response.request().isNavigationRequest())) unavailable(`${response.status()} for ${path}`)
  }
  page.on('response', onResponse)
  let readyMs
  try {
    await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs })
    const ready = page.waitForFunction(() => window.__aimsReadyAt, undefined, { polling: 50, timeout: timeoutMs }).then((h) => h.jsonValue())
    const outcome = await Promise.race([ready.then((ms) => ({ ms })), failed.then((why) => ({ why }))])
    if (outcome.why !== undefined) {
      ready.catch(() => {}) // abandoned with the page's next navigation; its rejection is expected
      throw new DashboardUnavailable(outcome.why)
    }
    readyMs = outcome.ms
  } finally {
    page.off('response', onResponse)
  }
  const shown = await page.evaluate((selectors) => ({
    errors: [...document.querySelectorAll('#main .state-error')].map((e) => e.textContent),
    charts: document.querySelectorAll('#main [data-chart]').length,
    missing: selectors.filter((s) => document.querySelector(s) === null),
    requests: performance.getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname.startsWith('/v1/'))
      .map((e) => ({ url: new URL(e.name).pathname + new URL(e.name).search, at: e.startTime, serverMs: e.responseStart - e.requestStart, ms: e.responseEnd - e.startTime })),
    assetsMs: Math.max(0, ...performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith('/assets/')).map((e) => e.responseEnd)),
  }), expect)
  return { readyMs, ...shown }
}
