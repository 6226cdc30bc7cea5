import type { Control } from '@aims-monitor/controls'
import { AuditLog, type Store } from '@aims-monitor/store'
import { AlertRepository } from '../alert-repository.js'
import type { LoadedPolicy } from '../evaluate-control.js'
import { EvaluationRepository } from '../evaluation-repository.js'
import { buildCoverage } from '../governance/coverage.js'
import { addCounts } from '../governance/evidence-counts.js'
import { NonconformityRepository } from '../nonconformity-repository.js'
import { PolicyHistory } from '../policy-history.js'
import { ReferenceDatasets } from '../reference-datasets.js'
import { alertsSection } from './alerts-section.js'
import { reportContentHash } from './content-hash.js'
import { integrityAnnex } from './integrity-section.js'
import { nonconformitiesSection } from './nonconformities-section.js'
import { controlChanges, controlRegister, policyVersionsInPeriod } from './policy-section.js'
import type { ManagementReview, ReportData, ReportProgress } from './report-data.js'
import { resultsSection } from './results-section.js'
import { policySegments } from './policies-in-force.js'
import { scheduleSection } from './schedule-section.js'

/** Evaluation records read for one report (the repository's page bound). */
const MAX_RECORDS = 10_000

export interface EvidenceReportOptions {
  readonly project: string
  /** Period start, epoch ms (inclusive): evaluations whose window ends at or after it. */
  readonly from: number
  /** Period end, epoch ms (exclusive). */
  readonly to: number
  /** Only this model's controls and evaluations. */
  readonly model?: string | undefined
  readonly policy: LoadedPolicy
  readonly onProgress?: ReportProgress | undefined
  /** The generation time (ageing, windows not yet due). Default: now. */
  readonly now?: number | undefined
}

/** A period the report cannot cover: names the parameter (HTTP 400, CLI exit 2). */
export class ReportPeriodError extends Error {
  constructor(readonly parameter: 'from' | 'to', message: string) {
    super(`${parameter}: ${message}`)
    this.name = 'ReportPeriodError'
  }
}

const STEPS = ['policy', 'evaluations', 'schedule', 'results', 'alerts', 'nonconformities', 'coverage', 'integrity'] as const

/**
 * The evidence report for a period, from the store's records and ClickHouse aggregates only (no raw
 * event is read): scope and policy versions in force, the control register and its changes, the
 * schedule held against the evaluations, results and trends, alerts with deliveries and
 * acknowledgements, nonconformities with ageing, the coverage matrix, the management-review inputs
 * (ISO/IEC 42001 9.3.2) and the integrity annex, with its content hash.
 *
 * @example
 * const report = await buildEvidenceReport(store, { project: 'default', from: Date.parse('2026-11-01'), to: Date.parse('2026-12-01'), policy: loaded })
 * report.schedule.totals // { scheduled: 30, executed: 29, missed: 1, … }
 * renderMarkdown(report)
 */
export async function buildEvidenceReport(store: Store, options: EvidenceReportOptions): Promise<ReportData> {
  const { project, from, to, policy } = options
  if (!Number.isFinite(from)) throw new ReportPeriodError('from', 'expected a date')
  if (!Number.isFinite(to)) throw new ReportPeriodError('to', 'expected a date')
  if (from >= to) throw new ReportPeriodError('to', `must be after from (${new Date(from).toISOString()})`)
  const now = options.now ?? Date.now()
  const model = options.model ?? null
  let step = 0
  const progress = (name: (typeof STEPS)[number]) => options.onProgress?.(name, step++, STEPS.length)

  progress('policy')
  const inScope = (c: Control) => c.scope.project === project && (model === null || c.scope.model === model)
  const controlIds = new Set(policy.policy.controls.filter(inScope).map((c) => c.id))
  const keep = (id: string) => model === null || controlIds.has(id)
  const history = new PolicyHistory(store)
  const versions = await history.versions(policy.policy.metadata.name)

  progress('evaluations')
  const evaluations = new EvaluationRepository(store)
  const stored = await evaluations.list({ project, modelId: model ?? undefined, from, to, limit: MAX_RECORDS })
  const records = stored.map((s) => s.record)

  progress('schedule')
  const segments = await policySegments(history, policy, versions, from, to, inScope)
  const schedule = scheduleSection(segments, records, now)
  progress('results')
  const results = resultsSection(records)
  progress('alerts')
  const alerts = await alertsSection(new AlertRepository(store), records)
  progress('nonconformities')
  const nonconformities = await nonconformitiesSection(new NonconformityRepository(store), project, { from, to, now }, new Set(records.map((r) => r.id)), keep)
  progress('coverage')
  const coverage = await buildCoverage(store, policy, { project, from, to })
  progress('integrity')
  const integrity = await integrityAnnex({ store, evaluations, references: new ReferenceDatasets(store) }, { project, model }, records, schedule, stored.length >= MAX_RECORDS)
  const audited = await new AuditLog(store).list({ project, from, to, limit: MAX_RECORDS })
  const auditActions: Record<string, number> = {}
  for (const entry of audited) auditActions[entry.action] = (auditActions[entry.action] ?? 0) + 1

  const usedBy = new Map<string, number>()
  for (const r of records) usedBy.set(r.policy.sha256, (usedBy.get(r.policy.sha256) ?? 0) + 1)
  const policyVersions = policyVersionsInPeriod(versions, from, to, usedBy)
  const changes = controlChanges(versions, from, to, keep)
  const open = nonconformities.records.filter((n) => n.status !== 'closed')
  const managementReview: ManagementReview = {
    nonconformities: {
      openedInPeriod: nonconformities.openedInPeriod, closedInPeriod: nonconformities.closedInPeriod, openAtEnd: nonconformities.open, overdue: nonconformities.overdue,
      meanAgeDaysOpen: open.length ? Math.round((open.reduce((n, r) => n + r.ageing.ageDays, 0) / open.length) * 10) / 10 : null,
    },
    monitoring: {
      evaluations: addCounts(results.map((r) => r.counts)), missedEvaluations: schedule.totals.missed,
      controlsWithBreaches: results.filter((r) => r.counts.breach > 0).map((r) => r.controlId),
    },
    audit: { chainsIntact: integrity.chains.every((c) => c.ok), auditActions },
    contextChanges: { policyVersionsLoaded: policyVersions.filter((v) => v.loadedInPeriod).length, controlChanges: changes.length },
  }
  const content: Omit<ReportData, 'contentHash'> = {
    schema: 'aims.evidence-report/v1',
    generatedAt: new Date(now).toISOString(),
    scope: {
      project, model, from: new Date(from).toISOString(), to: new Date(to).toISOString(),
      policy: { name: policy.policy.metadata.name, version: String(policy.policy.metadata.version), sha256: policy.sha256 },
    },
    policyVersions, controls: controlRegister(policy.policy, project, model), controlChanges: changes,
    schedule, results, alerts, nonconformities, coverage, managementReview, integrity,
  }
  options.onProgress?.('done', STEPS.length, STEPS.length)
  return { ...content, contentHash: reportContentHash(content) }
}
