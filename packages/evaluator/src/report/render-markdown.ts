import type { ReportData } from './report-data.js'
import { reportDocument, type ReportBlock } from './report-document.js'
import { visibleText } from './visible-text.js'

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
    case 'heading': return `${'#'.repeat(b.level)} ${inline(b.text)}`
    // At the start of a line "#", ">", "-", "+" or "=" would make a heading, a quote or a list.
    case 'paragraph': return inline(b.text).replace(/^(\s*)([#>+=-])/, '$1\\$2')
    case 'code': return fenced(b.text)
    case 'chart': return ''
    case 'table': return [row(b.head), `|${b.head.map(() => ' --- ').join('|')}|`, ...b.rows.map(row)].join('\n')
  }
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => inline(c).replace(/\|/g, '\\|')).join(' | ')} |`
}

/**
 * Report text (titles, owners, notes, group values: policy and ingested data) as one line of
 * Markdown that shows as written: no link (`[x](javascript:…)`), no raw HTML (`<img onerror>`), no
 * code span, emphasis or heading made of it, and no line break that would end the block.
 */
function inline(text: string): string {
  return visibleText(text)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\\`*[\]<>&~]/g, (ch) => `\\${ch}`)
    // "_" between letters or digits (metric names) never makes emphasis; elsewhere it could.
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
}

/** A code block whose fence is longer than any backtick run in the text, so the text cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}diff\n${visibleText(text)}\n${fence}`
}
