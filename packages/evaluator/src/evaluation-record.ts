import { createHash } from 'node:crypto'
import type { ControlOutcome, MetricKind, ThresholdDirection } from '@aims-monitor/controls'

/**
 * The evidence that a control ran: what DESIGN.md's "evaluation record" lists, as one JSON document.
 * Stored as canonical JSON (RFC 8785, through `canonicalize`: key order and number formatting are
 * fixed, so anyone can recompute the hash from the stored text with any JCS implementation).
 */
export interface EvaluationRecord {
  readonly schema: 'aims.evaluation/v1'
  /** Deterministic from `key`: every replica that evaluates the same (control, window) names it alike. */
  readonly id: string
  /** project/control/version/window: what makes an evaluation unique. */
  readonly key: string
  readonly project: string
  readonly model: { readonly id: string; readonly versions: readonly string[] | null; readonly environment: string | null }
  readonly control: {
    readonly id: string
    readonly version: number
    readonly title: string
    readonly severity: string
    /** sha256 of the control's canonical parsed form: changes whenever any of its fields change. */
    readonly sha256: string
    readonly references: { readonly iso42001: readonly string[]; readonly euAiAct: readonly string[]; readonly nistAiRmf: readonly string[] }
  }
  readonly policy: { readonly name: string; readonly version: string | number; readonly sha256: string }
  readonly window: { readonly type: 'tumbling' | 'rolling'; readonly from: string; readonly to: string; readonly labelDelayMs: number }
  readonly reference:
    | { readonly kind: 'dataset'; readonly id: string; readonly sha256: string; readonly rows: number }
    | { readonly kind: 'window'; readonly from: string; readonly to: string }
    | { readonly kind: 'none' }
  readonly segment: Readonly<Record<string, string>>
  readonly metric: {
    readonly kind: MetricKind
    readonly name: string
    readonly params: Readonly<Record<string, string | number | boolean>>
    /** Package and version of the statistics, and the method (e.g. exact KS, 4096-bin histogram). */
    readonly implementation: string
  }
  /** The value held against the thresholds (null when it could not be computed). */
  readonly value: number | null
  readonly pValue: number | null
  readonly thresholds: { readonly direction: ThresholdDirection; readonly warn: number | null; readonly breach: number; readonly rationale: string }
  readonly outcome: ControlOutcome
  /** Why the outcome, in one sentence. */
  readonly reason: string
  /** Per-feature or per-group detail (shape depends on the metric kind). */
  readonly breakdown: unknown
  readonly samples: { readonly current: number; readonly reference: number | null; readonly labelled: number | null; readonly labelCoverage: number | null }
  readonly excludedGroups: readonly { readonly group: string; readonly size: number; readonly reason: string }[]
  readonly guard: { readonly minSample: number; readonly minPerGroup: number; readonly significance: number | null; readonly multipleComparisons: string }
  /** Alerts this evaluation opened, updated or cleared, and the nonconformity it opened. */
  readonly alerts: readonly string[]
  readonly nonconformity: string | null
  readonly evaluatedAt: string
  /** Which evaluator instance computed it (host and process). */
  readonly evaluatedBy: string
  readonly durationMs: number
}

// The chain's hash, genesis and canonical JSON are the store's (shared with the audit log).
export { canonicalJson, chainHash, GENESIS_HASH } from '@aims-monitor/store'

/**
 * A UUID derived from a key (the layout of an RFC 9562 version-8 UUID over sha256 of the key), so
 * that an evaluation, an alert or a claim gets the same id on every replica.
 *
 * @example
 * uuidFromKey('default/FAIR-001/v1/2026-11-01T00:00:00.000Z/2026-11-02T00:00:00.000Z')
 */
export function uuidFromKey(key: string): string {
  const bytes = createHash('sha256').update(key).digest().subarray(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x80
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
