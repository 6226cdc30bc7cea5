import type { ReportData } from './report-data.js'
import { outcomesChart, trendChart } from './report-charts.js'
import { reportDocument, type ReportBlock } from './report-document.js'
import { visibleText } from './visible-text.js'

const STYLE = `
body { font: 11px/1.45 system-ui, sans-serif; color: #1c2733; margin: 24px; max-width: 1100px; overflow-wrap: anywhere; }
h1 { font-size: 20px; margin: 0 0 6px; } h2 { font-size: 15px; margin: 22px 0 6px; border-bottom: 1px solid #cfd8dc; padding-bottom: 3px; }
h3 { font-size: 12.5px; margin: 14px 0 4px; }
p.hash { font-family: ui-monospace, monospace; background: #eceff1; padding: 6px 8px; word-break: break-all; }
table { border-collapse: collapse; margin: 4px 0 10px; width: 100%; }
th, td { border: 1px solid #cfd8dc; padding: 2px 5px; text-align: left; vertical-align: top; word-break: break-word; }
th { background: #eceff1; overflow-wrap: normal; word-break: normal; }
td { min-width: 3.5em; }
pre { background: #f5f5f5; padding: 6px; font-size: 9.5px; white-space: pre-wrap; word-break: break-all; }
figure { margin: 6px 0; } figure svg { max-width: 100%; height: auto; }
h2, h3 { break-after: avoid; } tr, figure { break-inside: avoid; }
.first-page { break-after: page; }
`

/**
 * The report as one self-contained HTML file: inline CSS, charts as inline SVG rendered on the
 * server, no script and no external resource (it opens offline, and prints to PDF as it shows).
 * The scope, the content hash and the summary form the first page.
 *
 * @example
 * await writeFile('evidence.html', renderHtml(report))
 */
export function renderHtml(report: ReportData): string {
  const blocks = reportDocument(report)
  // The first page: everything up to the first numbered section.
  const split = blocks.findIndex((b) => b.kind === 'heading' && b.level === 2 && b.text.startsWith('1.'))
  const render = (b: ReportBlock) => block(b, report)
  const body = `<section class="first-page">${blocks.slice(0, split).map(render).join('\n')}</section>\n${blocks.slice(split).map(render).join('\n')}`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(`Evidence report ${report.scope.project} ${report.scope.from.slice(0, 10)} to ${report.scope.to.slice(0, 10)}`)}</title>
<meta name="aims-content-hash" content="sha256:${report.contentHash}">
<style>${STYLE}</style></head>
<body>
${body}
</body></html>
`
}

function block(b: ReportBlock, report: ReportData): string {
  switch (b.kind) {
    case 'heading': return `<h${b.level}>${escape(b.text)}</h${b.level}>`
    case 'paragraph': return b.text.startsWith('Content hash:') ? `<p class="hash">${escape(b.text)}</p>` : `<p>${escape(b.text)}</p>`
    case 'code': return `<pre>${escape(b.text)}</pre>`
    case 'table': return `<table><thead><tr>${b.head.map((c) => `<th>${escape(c)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
    case 'chart': {
      const svg = b.chart === 'outcomes' ? outcomesChart(report) : trendChart(report.results.find((r) => r.controlId === b.controlId)!)
      return svg ? `<figure>${svg}</figure>` : ''
    }
  }
}

/** Report data as HTML text: markup escaped, controls and bidi overrides made visible (visible-text.ts). */
function escape(text: string): string {
  return visibleText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
