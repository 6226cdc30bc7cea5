import { nonconformityAgeing } from '../governance/nonconformity-ageing.js'
import type { NonconformityRepository } from '../nonconformity-repository.js'
import type { ReportNonconformities, ReportNonconformity } from './report-data.js'

/**
 * Nonconformities and corrective actions relevant to the period: raised by one of its evaluations
 * (whenever that evaluation ran: a window can be evaluated after the fact), or open during part of
 * it (opened before its end, not closed before its start); in their current state, with ageing at
 * `now` (the report's generation time). With a model, those of its controls only (a manual record
 * without a control names no model, so it is left out).
 */
export async function nonconformitiesSection(repository: NonconformityRepository, project: string, period: { from: number; to: number; now: number }, evaluationIds: ReadonlySet<string>, keep: (controlId: string) => boolean): Promise<ReportNonconformities> {
  const { from, to, now } = period
  const all = await repository.list({ project })
  const raised = (n: { evaluationId: string }) => evaluationIds.has(n.evaluationId)
  const records: ReportNonconformity[] = all
    .filter((n) => keep(n.controlId) && (raised(n) || (Date.parse(n.openedAt) < to && (n.closed === null || Date.parse(n.closed.at) >= from))))
    .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id))
    .map((n) => ({ ...n, ageing: nonconformityAgeing(n, now) }))
  const inPeriod = (at: string | undefined) => at !== undefined && Date.parse(at) >= from && Date.parse(at) < to
  return {
    open: records.filter((n) => n.status !== 'closed').length,
    closed: records.filter((n) => n.status === 'closed').length,
    overdue: records.filter((n) => n.ageing.overdue).length,
    openedInPeriod: records.filter((n) => raised(n) || inPeriod(n.openedAt)).length,
    closedInPeriod: records.filter((n) => inPeriod(n.closed?.at)).length,
    records,
  }
}
