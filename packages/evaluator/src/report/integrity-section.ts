import { AuditLog, tableTtl, type Store } from '@aims-monitor/store'
import type { EvaluationRecord } from '../evaluation-record.js'
import type { EvaluationRepository } from '../evaluation-repository.js'
import type { ReferenceDatasets } from '../reference-datasets.js'
import { formatDuration } from './policy-section.js'
import type { IntegrityAnnex, ReportSchedule } from './report-data.js'

/**
 * The integrity annex: both hash chains verified from their genesis (with the head hash an auditor
 * can write down and compare later), the retention in force, the reference datasets (with the
 * sha256 of the imported file) and how many evaluations of the period used each, and the known
 * limitations the records themselves show (label delay, partial label coverage, groups too small
 * to judge, windows without a judgement, bounds the report hit).
 */
export async function integrityAnnex(
  deps: { store: Store; evaluations: EvaluationRepository; references: ReferenceDatasets },
  scope: { project: string; model: string | null },
  records: readonly EvaluationRecord[],
  schedule: ReportSchedule,
  recordsTruncated: boolean,
): Promise<IntegrityAnnex> {
  const chains = [await deps.evaluations.verifyChain(), await new AuditLog(deps.store).verify()]
  const outcomesTtl = (await tableTtl(deps.store, 'outcomes')) ?? null
  const datasets = await deps.references.list(scope.project, scope.model ?? undefined)
  const uses = new Map<string, number>()
  for (const r of records) if (r.reference.kind === 'dataset') uses.set(`${r.model.id}/${r.reference.id}/${r.reference.sha256}`, (uses.get(`${r.model.id}/${r.reference.id}/${r.reference.sha256}`) ?? 0) + 1)
  const references = datasets
    .map((d) => ({ modelId: d.modelId, id: d.id, sha256: d.sha256, rows: d.rowCount, sourceName: d.sourceName, createdAt: d.createdAt, createdBy: d.createdBy, usedByEvaluations: uses.get(`${d.modelId}/${d.id}/${d.sha256}`) ?? 0 }))
    .sort((a, b) => a.modelId.localeCompare(b.modelId) || a.id.localeCompare(b.id))
  return { chains, retention: { days: deps.store.config.retentionDays, outcomesTtl }, references, limitations: limitations(records, schedule, recordsTruncated) }
}

function limitations(records: readonly EvaluationRecord[], schedule: ReportSchedule, recordsTruncated: boolean): string[] {
  const notes: string[] = []
  const delays = new Map<string, number>()
  const coverage = new Map<string, number>()
  const small = new Map<string, Set<string>>()
  const notJudged = new Map<string, number>()
  for (const r of records) {
    if (r.window.labelDelayMs > 0) delays.set(r.control.id, r.window.labelDelayMs)
    if (r.samples.labelCoverage !== null && r.samples.labelCoverage < 1) coverage.set(r.control.id, Math.min(coverage.get(r.control.id) ?? 1, r.samples.labelCoverage))
    for (const g of r.excludedGroups) small.set(r.control.id, (small.get(r.control.id) ?? new Set()).add(`${g.group} (${g.reason})`))
    if (r.outcome === 'insufficient_data' || r.outcome === 'error') notJudged.set(r.control.id, (notJudged.get(r.control.id) ?? 0) + 1)
  }
  for (const [id, ms] of delays) notes.push(`Label delay: ${id} waits ${formatDuration(ms)} for outcomes; its latest windows end that long before each evaluation.`)
  for (const [id, min] of coverage) notes.push(`Partial labels: ${id} judged windows with as little as ${(min * 100).toFixed(1)}% of predictions labelled.`)
  for (const [id, groups] of small) notes.push(`Small groups: ${id} left out ${[...groups].slice(0, 10).join(', ')}${groups.size > 10 ? ` and ${groups.size - 10} more` : ''} (below the minimum group size).`)
  for (const [id, n] of notJudged) notes.push(`Not judged: ${id} has ${n} evaluation${n === 1 ? '' : 's'} with insufficient data or an error in the period.`)
  for (const c of schedule.controls) if (c.truncated) notes.push(`Bounded: the schedule of ${c.controlId} produced more windows than the report enumerates; its counts are lower bounds.`)
  if (recordsTruncated) notes.push('Bounded: the period holds more evaluation records than the report reads; narrow the period for exact counts.')
  for (const b of schedule.basis) {
    if (b.reason === 'recorded') continue
    const why = { no_recorded_versions: 'the policy history holds no version of it', before_first_recorded_load: 'it is before the first version the policy history recorded', recorded_text_unreadable: 'the text recorded for the version then in force no longer parses' }[b.reason]
    notes.push(`Schedules from ${b.from} to ${b.to} are those of the policy given to the report (version ${b.version}, sha256 ${b.sha256.slice(0, 12)}…): ${why}.`)
  }
  return notes
}
