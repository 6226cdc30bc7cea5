import type { ReportData } from './report-data.js'
import { reportDocument, type ReportBlock } from './report-document.js'

/**
 * The report as Markdown (GitHub tables; charts are left to HTML and PDF, their data is in the
 * trend tables).
 *
 * @example
 * await writeFile('evidence.md', renderMarkdown(report))
 */
export function renderMarkdown(report: ReportData): string {
  return reportDocument(report).map(block).filter((text) => text !== '').join('\n\n') + '\n'
}

function block(b: ReportBlock): string {
  switch (b.kind) {
    case 'heading': return `${'#'.repeat(b.level)} ${b.text}`
    case 'paragraph': return b.text
    case 'code': return '```diff\n' + b.text.replace(/```/g, '`\u200b``') + '\n```'
    case 'chart': return ''
    case 'table': return [row(b.head), row(b.head.map(() => '---')), ...b.rows.map(row)].join('\n')
  }
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')).join(' | ')} |`
}
