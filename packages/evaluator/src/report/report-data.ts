import type { ChainVerification } from '@aims-monitor/store'
import type { ControlOutcome } from '@aims-monitor/controls'
import type { CoverageMatrix } from '../governance/coverage.js'
import type { OutcomeCounts } from '../governance/evidence-counts.js'
import type { NonconformityAgeing } from '../governance/nonconformity-ageing.js'
import type { Nonconformity } from '../nonconformity-repository.js'

/**
 * The evidence report for a period (DESIGN.md "An evidence report for a period"), as data: every
 * renderer (Markdown, HTML, PDF) prints this and only this, and `contentHash` is the sha256 of its
 * canonical JSON without the hash itself, so two renderings of the same data show the same hash.
 * Times are ISO 8601 (UTC); the period is [from, to) over evaluation window ends.
 */
export interface ReportData {
  readonly schema: 'aims.evidence-report/v1'
  readonly generatedAt: string
  readonly scope: ReportScope
  readonly policyVersions: readonly ReportPolicyVersion[]
  readonly controls: readonly ReportControl[]
  readonly controlChanges: readonly ReportControlChange[]
  readonly schedule: ReportSchedule
  readonly results: readonly ControlResults[]
  readonly alerts: ReportAlerts
  readonly nonconformities: ReportNonconformities
  readonly coverage: CoverageMatrix
  readonly managementReview: ManagementReview
  readonly integrity: IntegrityAnnex
  /** sha256 (hex) of canonicalJson(this report without contentHash). */
  readonly contentHash: string
}

export interface ReportScope {
  readonly project: string
  /** null: every model of the project. */
  readonly model: string | null
  readonly from: string
  readonly to: string
  readonly policy: { readonly name: string; readonly version: string; readonly sha256: string }
}

export interface ReportPolicyVersion {
  readonly version: string
  readonly sha256: string
  readonly loadedAt: string
  readonly loadedBy: string
  /** In force during part of the period (loaded before its end, not replaced before its start). */
  readonly inForce: boolean
  /** Loaded within the period: a change of the context the report covers. */
  readonly loadedInPeriod: boolean
  /** Evaluation records of the period that name this version's sha256 (the policy they ran under). */
  readonly usedByEvaluations: number
}

export interface ReportControl {
  readonly id: string
  readonly version: number
  readonly title: string
  readonly status: string
  readonly severity: string
  readonly model: string
  readonly metric: string
  /** `every 1d` or `cron 0 1 * * * (UTC)`. */
  readonly schedule: string
  /** e.g. `tumbling 1d, label delay 0s`. */
  readonly window: string
  readonly thresholds: { readonly direction: string; readonly warn: number | null; readonly breach: number; readonly rationale: string }
  readonly approval: { readonly by: string; readonly at: string; readonly reference: string }
  readonly owner: string
  readonly references: readonly string[]
}

/** A control added, removed or changed by a policy version loaded in the period: who, when, why. */
export interface ReportControlChange {
  readonly at: string
  readonly loadedBy: string
  readonly policyVersion: string
  readonly policySha256: string
  readonly controlId: string
  readonly change: 'added' | 'removed' | 'changed'
  readonly fromVersion: number | null
  readonly toVersion: number | null
  /** The approval the new version carries (why, by whom): absent for a removal. */
  readonly approval: { readonly by: string; readonly at: string; readonly reference: string } | null
  /** The unified diff of the whole policy file for that load (shared by its changes). */
  readonly diff: string
}

export interface ScheduledWindow {
  readonly from: string
  readonly to: string
  /** executed: an evaluation record exists; missed: none. */
  readonly status: 'executed' | 'missed'
  /** The outcome of the record (insufficient_data and error count as executed, and are listed). */
  readonly outcome: ControlOutcome | null
}

export interface ControlSchedule {
  readonly controlId: string
  readonly scheduled: number
  readonly executed: number
  readonly missed: number
  /** Executed windows whose evaluation could not judge (insufficient_data or error). */
  readonly notJudged: number
  /** Evaluations in the period for windows the schedule did not produce (on-demand runs). */
  readonly unscheduled: number
  /** Missed windows and windows executed without a judgement (bounded list). */
  readonly exceptions: readonly ScheduledWindow[]
  /** The enumeration stopped at the bound (MAX_WINDOWS_PER_CONTROL): counts are a lower bound. */
  readonly truncated: boolean
}

export interface ReportSchedule {
  readonly totals: { readonly scheduled: number; readonly executed: number; readonly missed: number; readonly notJudged: number; readonly unscheduled: number }
  readonly controls: readonly ControlSchedule[]
  /** Whose schedules applied to which part of the period (see policySegments). */
  readonly basis: readonly ScheduleBasis[]
}

/**
 * The policy version whose schedules the report applied to part of the period: `recorded` (the
 * version loaded then, from the policy history), or the policy given to the report where the
 * history has no version (`no_recorded_versions`, `before_first_recorded_load`) or the recorded
 * text no longer parses (`recorded_text_unreadable`).
 */
export interface ScheduleBasis {
  readonly from: string
  readonly to: string
  readonly sha256: string
  readonly version: string
  readonly reason: 'recorded' | 'no_recorded_versions' | 'before_first_recorded_load' | 'recorded_text_unreadable'
}

export interface TrendPoint {
  readonly windowTo: string
  readonly value: number | null
  readonly outcome: ControlOutcome
}

/** One feature or group of a control's breakdown over the period. */
export interface BreakdownRow {
  readonly name: string
  readonly evaluations: number
  readonly warn: number
  readonly breach: number
  readonly lastValue: number | null
  readonly minValue: number | null
  readonly maxValue: number | null
}

export interface ControlResults {
  readonly controlId: string
  readonly title: string
  readonly model: string
  readonly metric: string
  readonly counts: OutcomeCounts
  readonly thresholds: { readonly direction: string; readonly warn: number | null; readonly breach: number }
  readonly trend: readonly TrendPoint[]
  readonly breakdown: readonly BreakdownRow[]
}

export interface ReportAlertEvent {
  readonly evaluationId: string
  readonly controlId: string
  readonly windowFrom: string
  readonly windowTo: string
  readonly outcome: 'warn' | 'breach'
  readonly value: number | null
  readonly reason: string
  readonly alertId: string | null
}

export interface ReportAlert {
  readonly id: string
  readonly controlId: string
  readonly segment: string
  readonly level: string
  readonly severity: string
  readonly state: string
  readonly openedAt: string
  readonly acknowledged: { readonly at: string; readonly by: string; readonly note: string } | null
  readonly resolved: { readonly at: string; readonly by: string; readonly note: string } | null
  readonly escalated: { readonly at: string; readonly reason: string } | null
  readonly nonconformityId: string | null
  readonly deliveries: readonly { readonly notifier: string; readonly event: string; readonly at: string; readonly attempt: number; readonly ok: boolean; readonly error: string | null }[]
}

export interface ReportAlerts {
  readonly warnings: number
  readonly breaches: number
  readonly acknowledged: number
  /** Every warn and breach evaluation in the period. */
  readonly events: readonly ReportAlertEvent[]
  /** The alerts those evaluations opened or updated, with acknowledgement and deliveries. */
  readonly alerts: readonly ReportAlert[]
}

export type ReportNonconformity = Nonconformity & { readonly ageing: NonconformityAgeing }

export interface ReportNonconformities {
  readonly open: number
  readonly closed: number
  readonly overdue: number
  /** Raised by an evaluation of the period, or opened in it. */
  readonly openedInPeriod: number
  /** Closed (by the clock) within the period. */
  readonly closedInPeriod: number
  readonly records: readonly ReportNonconformity[]
}

/** ISO/IEC 42001 9.3.2: what management review must consider, for this period. */
export interface ManagementReview {
  readonly nonconformities: { readonly openedInPeriod: number; readonly closedInPeriod: number; readonly openAtEnd: number; readonly overdue: number; readonly meanAgeDaysOpen: number | null }
  readonly monitoring: { readonly evaluations: OutcomeCounts; readonly missedEvaluations: number; readonly controlsWithBreaches: readonly string[] }
  readonly audit: { readonly chainsIntact: boolean; readonly auditActions: Readonly<Record<string, number>> }
  readonly contextChanges: { readonly policyVersionsLoaded: number; readonly controlChanges: number }
}

export interface IntegrityAnnex {
  readonly chains: readonly ChainVerification[]
  readonly retention: { readonly days: number; readonly outcomesTtl: string | null }
  readonly references: readonly { readonly modelId: string; readonly id: string; readonly sha256: string; readonly rows: number; readonly sourceName: string; readonly createdAt: string; readonly createdBy: string; readonly usedByEvaluations: number }[]
  readonly limitations: readonly string[]
}

/** Reports progress while the report is built (CLI: a line per step on stderr). */
export type ReportProgress = (step: string, done: number, total: number) => void
