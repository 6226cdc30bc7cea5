import type { ReportData } from './report-data.js'
import { formatValue, shortTime, summaryRows } from './report-summary.js'

/** A format-neutral block: Markdown and HTML render the same blocks, so they always agree. */
export type ReportBlock =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'table'; readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] }
  | { readonly kind: 'code'; readonly text: string }
  /** A chart (HTML and PDF only): the outcome bars, or one control's trend. */
  | { readonly kind: 'chart'; readonly chart: 'outcomes' } | { readonly kind: 'chart'; readonly chart: 'trend'; readonly controlId: string }

/** Rows of a long list shown in the document (the JSON keeps every one). */
const MAX_ROWS = 200
const MAX_DIFF_CHARS = 6000

/** The report as blocks, in the order DESIGN.md lists its sections. */
export function reportDocument(r: ReportData): ReportBlock[] {
  const b: ReportBlock[] = []
  const h = (level: 1 | 2 | 3, text: string) => b.push({ kind: 'heading', level, text })
  const p = (text: string) => b.push({ kind: 'paragraph', text })
  const table = (head: string[], rows: string[][]) => {
    b.push({ kind: 'table', head, rows: rows.slice(0, MAX_ROWS) })
    if (rows.length > MAX_ROWS) p(`${rows.length - MAX_ROWS} more rows in the JSON report.`)
  }
  const s = r.scope
  h(1, `AI management system evidence report: ${s.project}${s.model ? ` / ${s.model}` : ''}`)
  p(`Content hash: sha256:${r.contentHash}`)
  p(`Period: ${shortTime(s.from)} to ${shortTime(s.to)} (evaluation windows ending in it). Generated ${shortTime(r.generatedAt)}. Policy ${s.policy.name} version ${s.policy.version}, sha256 ${s.policy.sha256}.`)
  h(2, 'Summary')
  table(['Measure', 'Value'], summaryRows(r))
  b.push({ kind: 'chart', chart: 'outcomes' })

  h(2, '1. Scope and policy versions in force')
  p(`Project ${s.project}; ${s.model ? `model ${s.model}` : 'every model of the project'}; ${r.controls.length} control${r.controls.length === 1 ? '' : 's'} in the policy.`)
  table(['Version', 'sha256', 'Loaded', 'By', 'In force', 'Loaded in period', 'Evaluations under it'], r.policyVersions.map((v) => [v.version, v.sha256.slice(0, 16), shortTime(v.loadedAt), v.loadedBy, yes(v.inForce), yes(v.loadedInPeriod), String(v.usedByEvaluations)]))
  if (r.policyVersions.length === 0) p('No policy load is recorded in the policy history.')

  h(2, '2. Control register')
  table(['Control', 'v', 'Status', 'Severity', 'Model', 'Metric', 'Schedule', 'Window', 'Warn / breach', 'Approved'],
    r.controls.map((c) => [`${c.id}: ${c.title}`, String(c.version), c.status, c.severity, c.model, c.metric, c.schedule, c.window, `${c.thresholds.direction} ${formatValue(c.thresholds.warn)} / ${formatValue(c.thresholds.breach)}`, `${c.approval.by}, ${c.approval.at}, ${c.approval.reference}`]))
  h(3, 'Changes in the period (who, when, why)')
  if (r.controlChanges.length === 0) p('No control changed in the period.')
  else {
    table(['When', 'Loaded by', 'Control', 'Change', 'Approval (why)'], r.controlChanges.map((c) => [shortTime(c.at), c.loadedBy, c.controlId, `${c.change} ${c.fromVersion ?? '—'} → ${c.toVersion ?? '—'}`, c.approval ? `${c.approval.by}, ${c.approval.at}, ${c.approval.reference}` : '—']))
    for (const sha of new Set(r.controlChanges.map((c) => c.policySha256))) {
      const diff = r.controlChanges.find((c) => c.policySha256 === sha)!.diff
      if (diff) b.push({ kind: 'code', text: diff.length > MAX_DIFF_CHARS ? `${diff.slice(0, MAX_DIFF_CHARS)}\n… (diff cut; the policy history keeps it whole)` : diff })
    }
  }

  h(2, '3. Scheduled, executed and missed evaluations')
  p('Scheduled: the windows each active control\'s schedule produced with their end in the period, under the policy version in force when the window ended. Executed: those with an evaluation record (insufficient data and errors included, listed below). Missed: those without.')
  const basisNote = { recorded: 'recorded version', no_recorded_versions: 'policy given to the report (no recorded version)', before_first_recorded_load: 'policy given to the report (before the first recorded version)', recorded_text_unreadable: 'policy given to the report (recorded text unreadable)' }
  table(['From', 'To', 'Policy version', 'sha256', 'Schedules of'], r.schedule.basis.map((b) => [shortTime(b.from), shortTime(b.to), b.version, `${b.sha256.slice(0, 12)}…`, basisNote[b.reason]]))
  table(['Control', 'Scheduled', 'Executed', 'Missed', 'Not judged', 'Unscheduled'], r.schedule.controls.map((c) => [c.controlId, String(c.scheduled), String(c.executed), String(c.missed), String(c.notJudged), String(c.unscheduled)]))
  const exceptions = r.schedule.controls.flatMap((c) => c.exceptions.map((e) => [c.controlId, `${shortTime(e.from)} – ${shortTime(e.to)}`, e.status, e.outcome ?? '—']))
  if (exceptions.length) table(['Control', 'Window', 'Status', 'Outcome'], exceptions)

  h(2, '4. Results and trends per control')
  for (const c of r.results) {
    h(3, `${c.controlId}: ${c.title}`)
    p(`${c.metric} on ${c.model}; thresholds ${c.thresholds.direction} warn ${formatValue(c.thresholds.warn)}, breach ${formatValue(c.thresholds.breach)}. ${c.counts.total} evaluations: ${c.counts.pass} pass, ${c.counts.warn} warn, ${c.counts.breach} breach, ${c.counts.insufficient_data} insufficient data, ${c.counts.error} error.`)
    b.push({ kind: 'chart', chart: 'trend', controlId: c.controlId })
    table(['Window end', 'Value', 'Outcome'], c.trend.slice(-30).map((t) => [shortTime(t.windowTo), formatValue(t.value), t.outcome]))
    if (c.breakdown.length) table(['Feature or group', 'Evaluations', 'Warn', 'Breach', 'Last', 'Min', 'Max'], c.breakdown.map((x) => [x.name, String(x.evaluations), String(x.warn), String(x.breach), formatValue(x.lastValue), formatValue(x.minValue), formatValue(x.maxValue)]))
  }
  if (r.results.length === 0) p('No evaluation recorded in the period.')

  h(2, '5. Warnings and breaches, deliveries and acknowledgements')
  table(['Window end', 'Control', 'Outcome', 'Value', 'Reason'], r.alerts.events.map((e) => [shortTime(e.windowTo), e.controlId, e.outcome, formatValue(e.value), e.reason]))
  if (r.alerts.events.length === 0) p('No warning or breach in the period.')
  for (const a of r.alerts.alerts) {
    p(`Alert ${a.id} (${a.controlId}${a.segment ? ` [${a.segment}]` : ''}, ${a.level}, ${a.severity}) opened ${shortTime(a.openedAt)}, now ${a.state}. Acknowledged: ${a.acknowledged ? `${shortTime(a.acknowledged.at)} by ${a.acknowledged.by}${a.acknowledged.note ? ` ("${a.acknowledged.note}")` : ''}` : 'no'}. Resolved: ${a.resolved ? `${shortTime(a.resolved.at)} by ${a.resolved.by}` : 'no'}.${a.escalated ? ` Escalated ${shortTime(a.escalated.at)}: ${a.escalated.reason}.` : ''}${a.nonconformityId ? ` Nonconformity ${a.nonconformityId}.` : ''}`)
    if (a.deliveries.length) table(['Notifier', 'Event', 'At', 'Attempt', 'Delivered', 'Error'], a.deliveries.map((d) => [d.notifier, d.event, shortTime(d.at), String(d.attempt), yes(d.ok), d.error ?? '']))
  }

  h(2, '6. Nonconformities and corrective actions')
  const n = r.nonconformities
  p(`${n.open} open, ${n.closed} closed, ${n.overdue} overdue; ${n.openedInPeriod} opened and ${n.closedInPeriod} closed in the period. Ageing as of ${shortTime(r.generatedAt)}.`)
  table(['Id', 'Control', 'Status', 'Opened', 'Due', 'Age (days)', 'Owner', 'Root cause', 'Corrective action', 'Effectiveness', 'Closed'],
    n.records.map((x) => [x.id.slice(0, 8), x.controlId || '—', x.status, shortTime(x.openedAt), x.dueDate, `${x.ageing.ageDays}${x.ageing.overdue ? ' (overdue)' : ''}`, x.owner, x.rootCause ?? '—', x.correctiveAction ?? '—',
      x.effectivenessCheck ? `${shortTime(x.effectivenessCheck.at)}${x.effectivenessCheck.evaluationId.startsWith('00000000') ? ' (review)' : ` evaluation ${x.effectivenessCheck.evaluationId.slice(0, 8)}`}` : '—',
      x.closed ? `${shortTime(x.closed.at)} by ${x.closed.by}` : '—']))

  h(2, '7. Coverage (Statement of Applicability)')
  for (const f of r.coverage.frameworks) {
    h(3, `${f.label} (${f.edition})`)
    p(`${f.summary.covered} covered, ${f.summary.excluded} excluded, ${f.summary.notCovered} not covered of ${f.summary.references} references.`)
    const served = f.rows.filter((row) => row.status !== 'not_covered')
    if (served.length) table(['Reference', 'Status', 'Controls', 'Evaluations', 'Breaches'], served.map((row) => [row.reference, row.status === 'excluded' ? `excluded: ${row.justification}` : row.status, row.controls.map((c) => c.id).join(', ') || '—', String(row.evidence.total), String(row.evidence.breach)]))
    const uncovered = f.rows.filter((row) => row.status === 'not_covered').map((row) => row.reference)
    if (uncovered.length) p(`Not covered: ${uncovered.join(', ')}.`)
  }

  h(2, '8. Management review inputs (ISO/IEC 42001 9.3.2)')
  const m = r.managementReview
  table(['Input', 'This period'], [
    ['Nonconformities and corrective actions', `${m.nonconformities.openedInPeriod} opened, ${m.nonconformities.closedInPeriod} closed, ${m.nonconformities.openAtEnd} open, ${m.nonconformities.overdue} overdue, mean age of open ${m.nonconformities.meanAgeDaysOpen ?? '—'} days`],
    ['Monitoring and measurement results', `${m.monitoring.evaluations.total} evaluations (${m.monitoring.evaluations.pass} pass, ${m.monitoring.evaluations.warn} warn, ${m.monitoring.evaluations.breach} breach), ${m.monitoring.missedEvaluations} missed; breaches in ${m.monitoring.controlsWithBreaches.join(', ') || 'no control'}`],
    ['Audit results', `hash chains ${m.audit.chainsIntact ? 'intact' : 'BROKEN'}; administrative actions: ${Object.entries(m.audit.auditActions).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`],
    ['Changes in external and internal issues', `${m.contextChanges.policyVersionsLoaded} policy versions loaded, ${m.contextChanges.controlChanges} control changes`],
  ])

  h(2, 'Annex: integrity')
  table(['Chain', 'Intact', 'Records', 'Head', 'Head hash', 'First broken'], r.integrity.chains.map((c) => [c.table, yes(c.ok), String(c.checked), c.headSeq === null ? '—' : `#${c.headSeq}`, c.headHash, c.firstBroken === null ? '—' : `#${c.firstBroken}`]))
  p(`Retention in force: ${r.integrity.retention.days} days of events${r.integrity.retention.outcomesTtl ? ` (TTL ${r.integrity.retention.outcomesTtl})` : ''}. Evaluation records, alerts, nonconformities and the audit log are kept without TTL.`)
  h(3, 'Reference-data lineage')
  if (r.integrity.references.length === 0) p('No reference dataset imported.')
  else table(['Model', 'Dataset', 'sha256', 'Rows', 'Source', 'Imported', 'Used by evaluations'], r.integrity.references.map((d) => [d.modelId, d.id, d.sha256, String(d.rows), d.sourceName, `${shortTime(d.createdAt)} by ${d.createdBy}`, String(d.usedByEvaluations)]))
  h(3, 'Known limitations')
  table(['Limitation'], r.integrity.limitations.map((l) => [l]))
  p(`Content hash: sha256:${r.contentHash} (sha256 of the canonical JSON of this report without the hash).`)
  return b
}

function yes(value: boolean): string {
  return value ? 'yes' : 'no'
}
