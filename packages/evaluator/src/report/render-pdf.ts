import type { ReportData } from './report-data.js'
import { renderHtml } from './render-html.js'

/** Debian's Chromium; AIMS_CHROMIUM overrides it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium'

/**
 * The report as PDF: its HTML printed by headless Chromium (playwright-core, imported only here so
 * that nothing else loads it), A4 with page numbers. The same HTML, so the same content hash on the
 * first page.
 *
 * @example
 * await writeFile('evidence.pdf', await renderPdf(report))
 */
export async function renderPdf(report: ReportData, options: { executablePath?: string | undefined } = {}): Promise<Buffer> {
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: options.executablePath ?? process.env.AIMS_CHROMIUM ?? DEFAULT_CHROMIUM, args: ['--no-sandbox'] })
  try {
    const page = await browser.newPage()
    await page.setContent(renderHtml(report), { waitUntil: 'load' })
    return await page.pdf({
      format: 'A4', printBackground: true, margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
      displayHeaderFooter: true, headerTemplate: '<span></span>',
      footerTemplate: `<div style="font-size:7px;width:100%;text-align:center;color:#607d8b">sha256:${report.contentHash} · page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`,
    })
  } finally {
    await browser.close()
  }
}
