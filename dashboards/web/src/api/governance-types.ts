// Response shapes of the governance APIs (docs/api.md): the model register, the coverage matrix and
// nonconformities with their ageing. Types only: the collector is the source of truth.
import type { Outcome, References, Window } from './types.js'

export interface PolicyRef { name: string; version: string | number; sha256: string }

export interface RegisterControl {
  id: string
  version: number
  title: string
  status: string
  severity: string
  metric: { kind: string; name: string }
  versions: string[] | null
  environment: string | null
  references: References
  latest: { evaluationId: string; outcome: Outcome; value: number | null; evaluatedAt: string; window: Window } | null
}

export type RegisterFlag = 'unregistered' | 'never_seen' | 'uncontrolled'

export interface RegisterEntry {
  id: string
  registered: boolean
  seen: boolean
  flags: RegisterFlag[]
  owner: { accountable: string; responsible: string } | null
  intendedUse: string | null
  description: string | null
  riskClass: string | null
  lifecycle: string | null
  versions: { version: string; predictionCount: number; firstEventAt: string; lastEventAt: string }[]
  predictionCount: number
  outcomeCount: number
  firstEventAt: string | null
  lastEventAt: string | null
  controls: RegisterControl[]
}

export interface ModelRegister { project: string; policy: PolicyRef | null; models: RegisterEntry[]; pendingEvents?: number }

export interface OutcomeCounts { total: number; pass: number; warn: number; breach: number; insufficient_data: number; error: number }

export type CoverageStatus = 'covered' | 'excluded' | 'not_covered'

export interface CoverageRow {
  reference: string
  title: string
  kind: 'clause' | 'annex_a' | 'article' | 'category' | 'subcategory'
  status: CoverageStatus
  justification: string | null
  controls: { id: string; version: number; title: string; status: string; model: string; cites: string[]; evidence: OutcomeCounts }[]
  evidence: OutcomeCounts
}

export interface FrameworkCoverage {
  framework: 'iso42001' | 'euAiAct' | 'nistAiRmf'
  label: string
  edition: string
  source: string
  summary: { references: number; covered: number; excluded: number; notCovered: number }
  rows: CoverageRow[]
}

export interface CoverageMatrix { project: string; period: Window; policy: PolicyRef | null; frameworks: FrameworkCoverage[] }

export type NonconformityStatus = 'open' | 'action_taken' | 'closed'

export interface Nonconformity {
  id: string
  version: number
  project: string
  /** '' for one opened by hand without a control. */
  controlId: string
  /** The nil UUID for one opened by hand. */
  alertId: string
  evaluationId: string
  status: NonconformityStatus
  description: string
  owner: string
  openedAt: string
  dueDate: string
  containment: string | null
  rootCause: string | null
  correctiveAction: string | null
  effectivenessCheck: { evaluationId: string; at: string; by?: string; note?: string } | null
  closed: { at: string; by: string; note: string } | null
  changedAt: string
  changedBy: string
}

export interface NonconformityAgeing { ageDays: number; dueInDays: number | null; overdue: boolean; closedLate: boolean | null }

export type AgedNonconformity = Nonconformity & { ageing: NonconformityAgeing }

export const NIL_UUID = '00000000-0000-0000-0000-000000000000'
