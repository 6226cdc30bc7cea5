import type { Control } from '@aims-monitor/controls'
import type { PredictionScope } from '@aims-monitor/metrics'
import type { Store } from '@aims-monitor/store'
import type { BatchScope } from './query-cache.js'
import type { ReferenceDataset } from './reference-dataset.js'
import type { Window } from './windows.js'

/** The reference a drift or data-quality metric compares with, resolved for one evaluation. */
export type ResolvedReference =
  | { readonly kind: 'dataset'; readonly dataset: ReferenceDataset; readonly scope: PredictionScope; readonly columns: ReadonlySet<string> }
  | { readonly kind: 'window'; readonly window: Window; readonly scope: PredictionScope; readonly columns: ReadonlySet<string> }

/** Everything a metric runner needs for one (control, window). */
export interface MetricContext {
  readonly store: Store
  readonly control: Control
  readonly project: string
  readonly modelId: string
  /** The current window's predictions (table, window, versions, environment, segment). */
  readonly scope: PredictionScope
  /** Column names of the model's predictions table (`f:<name>:<kind>`, `a:<name>`, base columns). */
  readonly columns: ReadonlySet<string>
  readonly reference: ResolvedReference | null
  /** Runs a read query (once per evaluation batch: see QueryCache). */
  readonly rows: <T = Record<string, unknown>>(query: { query: string; params?: Record<string, unknown> }) => Promise<T[]>
  /** The controls evaluated in the same batch (this one included) and the evaluation time. */
  readonly batch: BatchScope
  /** A computation shared by the controls of the batch, run once per `key` (see QueryCache.shared). */
  readonly shared: <T>(key: string, compute: () => Promise<T>) => Promise<T>
}

/** One item of a metric over several features (or one value of a metric over groups). */
export interface MetricItem {
  readonly name: string
  /** The value held against the thresholds; null when this item could not be computed. */
  readonly value: number | null
  readonly pValue?: number | null | undefined
  /** Why value is null, or why the item is insufficient. */
  readonly insufficient?: string | undefined
  readonly detail: Record<string, unknown>
}

/** What a runner returns: one item per feature for feature metrics, a single item otherwise. */
export interface MetricComputation {
  readonly items: readonly MetricItem[]
  /** Rows in the current window (labelled rows for outcome metrics are in `labelled`). */
  readonly currentSize: number
  readonly referenceSize: number | null
  readonly labelled: number | null
  readonly labelCoverage: number | null
  readonly excludedGroups: readonly { group: string; size: number; reason: string }[]
  /** The statistics and method used, e.g. "ks exact (scipy 'auto')" or "4096-bin histogram, |D error| ≤ 3e-5". */
  readonly implementation: string
  /** Metric-wide detail (the fairness report's groups, the confusion matrix, …). */
  readonly detail?: Record<string, unknown> | undefined
}

/** Thrown by a runner when the data cannot support the metric: recorded as insufficient_data, never a pass. */
export class InsufficientData extends Error {
  constructor(message: string, readonly sizes: { current: number; reference?: number | null; labelled?: number | null } = { current: 0 }) {
    super(message)
    this.name = 'InsufficientData'
  }
}

/** A numeric metric parameter with its default, refused when of another type. */
export function numberParam(control: Control, name: string, fallback: number): number {
  const value = control.metric.params[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw new TypeError(`control ${control.id}: metric.params.${name} must be a number`)
  return value
}

/** A string metric parameter (numbers and booleans are accepted as their text, for labels like 1 or true). */
export function stringParam(control: Control, name: string, fallback: string): string
export function stringParam(control: Control, name: string): string | undefined
export function stringParam(control: Control, name: string, fallback?: string): string | undefined {
  const value = control.metric.params[name]
  return value === undefined ? fallback : String(value)
}
