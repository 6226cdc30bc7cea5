import type { ReportData } from './report-data.js'

/**
 * The headline counts, labelled identically in every format (the first page of the HTML and PDF,
 * the top of the Markdown), so a reader, or a test reading `pdftotext` output, finds them the same
 * way everywhere.
 */
export function summaryRows(report: ReportData): [label: string, value: string][] {
  const t = report.schedule.totals
  const e = report.managementReview.monitoring.evaluations
  return [
    ['Scheduled evaluations', String(t.scheduled)],
    ['Executed evaluations', String(t.executed)],
    ['Missed evaluations', String(t.missed)],
    ['Executed without a judgement', String(t.notJudged)],
    ['Unscheduled evaluations', String(t.unscheduled)],
    ['Evaluations recorded', String(e.total)],
    ['Passes', String(e.pass)],
    ['Warnings', String(report.alerts.warnings)],
    ['Breaches', String(report.alerts.breaches)],
    ['Alerts acknowledged', String(report.alerts.acknowledged)],
    ['Open nonconformities', String(report.nonconformities.open)],
    ['Closed nonconformities', String(report.nonconformities.closed)],
    ['Overdue nonconformities', String(report.nonconformities.overdue)],
    ['Hash chains', report.managementReview.audit.chainsIntact ? 'intact' : 'BROKEN'],
  ]
}

/** `2026-11-01T00:00:00.000Z` → `2026-11-01 00:00Z` (seconds shown only when not zero). */
export function shortTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(?:\.\d+)?Z$/.exec(iso)
  if (!m) return iso
  return `${m[1]} ${m[2]}${m[3] && m[3] !== ':00' ? m[3] : ''}Z`
}

/** A metric value for a table: 4 significant digits, '—' for none. */
export function formatValue(value: number | null): string {
  if (value === null) return '—'
  return Number.isInteger(value) ? String(value) : value.toPrecision(4)
}
