// Response shapes of the collector's APIs the dashboard reads: docs/dashboard-api.md (dashboard
// aggregates, session) and docs/api.md (controls, evaluations, alerts). Types only: the server is
// the source of truth, the dashboard renders what it gets and tolerates missing optional parts.

export type Outcome = 'pass' | 'warn' | 'breach' | 'insufficient_data' | 'error'

export interface Session { project: string; keyName: string; scopes: string[] }

export interface References { iso42001: string[]; euAiAct?: string[]; nistAiRmf?: string[] }

export interface Window { from: string; to: string }

export interface LatencyPercentiles { p50: number | null; p95: number | null; p99: number | null }

export interface OverviewModel {
  id: string
  versions: string[]
  predictions: number
  errors: number
  errorRate: number | null
  latencyMs: LatencyPercentiles | null
  lastEventAt: string | null
  series: { t: string; predictions: number; errors: number }[]
}

export interface OverviewControl {
  id: string
  title: string
  model: string
  kind: string
  metric: string
  severity: string
  status: string
  references: References
  latest: { outcome: Outcome; value: number | null; evaluatedAt: string; evaluationId: string; window: Window } | null
}

export interface Overview {
  from: string
  to: string
  models: OverviewModel[]
  controls: OverviewControl[]
  alerts: { open: number; acknowledged: number }
}

export interface TimeseriesBucket {
  t: string
  predictions: number
  errors: number
  latencyMs: LatencyPercentiles | null
  outputLabels: Record<string, number>
  meanScore: number | null
}

export interface Timeseries {
  model: string
  bucketMs: number
  buckets: TimeseriesBucket[]
  features: { name: string; kind: 'num' | 'str' | 'bool' | string }[]
  attributes: string[]
}

export interface DriftCell {
  feature: string
  windowTo: string
  controlId: string
  metric: string
  value: number | null
  outcome: Outcome
  evaluationId: string
}

export interface Drift { features: string[]; windows: Window[]; cells: DriftCell[] }

export interface DistributionBin { label: string; lower?: number | null; upper?: number | null; reference: number | null; current: number | null }

export interface Distribution {
  feature: string
  kind: string
  reference: { id: string; rows: number } | null
  /** `approximate`: the current shares come from the hourly histogram, each within `maxError`. */
  current?: { count: number; missing: number; approximate: boolean; maxError: number }
  bins: DistributionBin[]
}

export type GroupRate = 'selectionRate' | 'tpr' | 'fpr' | 'fnr' | 'precision'

export interface FairnessGroup {
  group: string
  count: number
  selectionRate: number | null
  tpr: number | null
  fpr: number | null
  fnr: number | null
  precision: number | null
  intervals?: Partial<Record<GroupRate, { lower: number; upper: number } | null>>
  insufficient: boolean
}

export interface FairnessSeries {
  controlId: string
  metric: string
  direction: 'above' | 'below'
  warn: number | null
  breach: number
  points: { windowTo: string; value: number | null; outcome: Outcome; evaluationId: string }[]
}

export interface Fairness {
  attribute: string
  latest: { evaluationId: string; controlId: string; window: Window; groups: FairnessGroup[] } | null
  series: FairnessSeries[]
}

/** A control as the policy declares it (GET /v1/controls), with its latest evaluation and open alerts. */
export interface PolicyControl {
  id: string
  version: number
  title: string
  description?: string
  status: string
  approval: { by: string; at: string; reference: string }
  references: References
  owner: { accountable: string; responsible: string }
  scope: { project: string; model: string; versions?: string[]; environment?: string }
  metric: { kind: string; name: string; params: Record<string, string | number | boolean> }
  selector: { features?: string[]; attribute?: string; segment?: Record<string, string>; minGroupShare?: number }
  window: { current: { type: string; size: number; step?: number }; reference?: { dataset?: string; window?: { offset: number; size: number } }; labelDelay?: number }
  thresholds: { direction?: 'above' | 'below'; warn?: number; breach: number; rationale: string }
  guard?: { minSample: number; minPerGroup: number; significance?: number; multipleComparisons?: string }
  schedule: { every?: number; cron?: string; timezone?: string }
  severity: string
  response?: { runbook?: string }
  latest: { evaluationId: string; seq: number; outcome: Outcome; value: number | null; window: Window; evaluatedAt: string; reason: string } | null
  openAlerts: { id: string; state: string; level: string; segment: string; openedAt: string }[]
}

export interface ControlsResponse { policy: { name: string; version: string | number; sha256: string }; controls: PolicyControl[] }

/** An evaluation record with its place in the hash chain (GET /v1/evaluations/:id). */
export interface Evaluation {
  seq: number
  hash: string
  prevHash: string
  id: string
  key: string
  project: string
  model: { id: string; versions: string[] | null; environment: string | null }
  control: { id: string; version: number; title: string; severity: string; sha256: string; references: References }
  policy: { name: string; version: string | number; sha256: string }
  window: { type: string; from: string; to: string; labelDelayMs: number }
  reference: { kind: 'dataset'; id: string; sha256: string; rows: number } | { kind: 'window'; from: string; to: string } | { kind: 'none' }
  segment: Record<string, string>
  metric: { kind: string; name: string; params: Record<string, unknown>; implementation: string }
  value: number | null
  pValue: number | null
  thresholds: { direction: 'above' | 'below'; warn: number | null; breach: number; rationale: string }
  outcome: Outcome
  reason: string
  breakdown: unknown
  samples: { current: number; reference: number | null; labelled: number | null; labelCoverage: number | null }
  excludedGroups: { group: string; size: number; reason: string }[]
  guard: { minSample: number; minPerGroup: number; significance: number | null; multipleComparisons: string }
  alerts: string[]
  nonconformity: string | null
  evaluatedAt: string
  evaluatedBy: string
  durationMs: number
}

export interface EvaluationsResponse { evaluations: Evaluation[]; next: { before: number } | null }

export type AlertState = 'open' | 'acknowledged' | 'resolved'

export interface Alert {
  id: string
  version: number
  controlId: string
  modelId: string
  segment: string
  state: AlertState
  level: 'warn' | 'breach' | 'insufficient_data'
  severity: string
  openedAt: string
  updatedAt: string
  /** What this version changed: opened, updated, escalated, acknowledged, resolved, cleared. */
  change: string
  actor: string
  note: string
  firstEvaluationId: string
  lastEvaluationId: string
  evaluationCount: number
  escalated: { at: string; reason: string } | null
  acknowledged: { at: string; by: string; note: string } | null
  resolved: { at: string; by: string; note: string } | null
  nonconformityId: string | null
}
