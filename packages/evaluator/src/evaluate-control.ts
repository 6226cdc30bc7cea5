import type { Control, Policy } from '@aims-monitor/controls'
import type { PredictionScope } from '@aims-monitor/metrics'
import type { AlertNotification } from '@aims-monitor/notify'
import type { Store } from '@aims-monitor/store'
import { randomUUID } from 'node:crypto'
import type { AlertRepository } from './alert-repository.js'
import { planAlertTransition } from './alert-transition.js'
import type { EvaluationClaims } from './evaluation-claims.js'
import { uuidFromKey, type EvaluationRecord } from './evaluation-record.js'
import type { EvaluationRepository, StoredEvaluation } from './evaluation-repository.js'
import { InsufficientData, type MetricComputation, type MetricContext, type ResolvedReference } from './metric-context.js'
import { modelTable, tableColumns } from './model-columns.js'
import { DEFAULT_NONCONFORMITY_DUE_DAYS, type NonconformityRepository } from './nonconformity-repository.js'
import { judgeItems, type ControlJudgement } from './outcome-of-items.js'
import { REFERENCE_ALL_TIME } from './reference-dataset.js'
import type { ReferenceDatasets } from './reference-datasets.js'
import { METRIC_RUNNERS } from './runners/index.js'
import { QueryCache } from './query-cache.js'
import { buildNotification } from './notification-of.js'
import { currentWindow, isoWindow, referenceWindow, type Window } from './windows.js'
import { finiteOrNull, nonFiniteAsText } from './finite-json.js'

/** A policy as loaded: the parsed file, the hash of its bytes and of each control. */
export interface LoadedPolicy {
  readonly policy: Policy
  readonly sha256: string
  readonly controlHashes: Readonly<Record<string, string>>
}

export interface EvaluationDependencies {
  readonly store: Store
  readonly evaluations: EvaluationRepository
  readonly claims: EvaluationClaims
  readonly alerts: AlertRepository
  readonly nonconformities: NonconformityRepository
  readonly references: ReferenceDatasets
  /** Hands a notification to the dispatcher; returns at once (delivery never blocks evaluation). */
  readonly notify: (notification: AlertNotification, routes: readonly string[]) => void
  /** This evaluator instance (host/pid/random): recorded with each evaluation and claim. */
  readonly identity: string
  /** Read predictions with FINAL (retried events collapsed before counting). */
  readonly exactDedup: boolean
}

export type EvaluationResult =
  | { readonly status: 'evaluated'; readonly stored: StoredEvaluation }
  | { readonly status: 'already_evaluated'; readonly stored: StoredEvaluation }
  | { readonly status: 'claimed_elsewhere'; readonly key: string }

export interface EvaluateControlOptions {
  /**
   * Awaited just before the record is appended to the chain: a batch evaluating controls
   * concurrently appends them in its own order (the chain's order is the policy's, as when
   * evaluated one by one).
   */
  readonly beforeAppend?: (() => Promise<void>) | undefined
  /** Called once the record is queued for the chain (the next control's `beforeAppend` may pass then). */
  readonly appendQueued?: (() => void) | undefined
  /** This evaluation's claim, taken ahead by the batch (Evaluator.evaluate); without it, claimed here. */
  readonly claim?: Promise<boolean> | undefined
  /**
   * Called once the metric is computed, before the alert lookup and the append: a batch starts the
   * next control's computation then, not after this one's bookkeeping (see Evaluator.evaluate).
   */
  readonly computed?: (() => void) | undefined
}

/** The idempotency key of a control's evaluation for the window `at` falls after. */
export function evaluationKey(control: Control, at: number): string {
  const iso = isoWindow(currentWindow(control, at))
  return `${control.scope.project}/${control.id}/v${control.version}/${iso.from}/${iso.to}`
}

/**
 * Evaluates one control for the window that `at` falls after, once: an evaluation already recorded
 * for the (control, version, window) is returned as it is; one another evaluator has claimed is left
 * to it. The metric is computed in ClickHouse, judged, chained into the evidence, and the alert of
 * the (control, segment) moves accordingly; notifications are queued, never awaited.
 */
export async function evaluateControl(deps: EvaluationDependencies, loaded: LoadedPolicy, control: Control, at: number, cache = new QueryCache(deps.store), options: EvaluateControlOptions = {}): Promise<EvaluationResult> {
  const window = currentWindow(control, at)
  const project = control.scope.project
  const iso = isoWindow(window)
  const key = evaluationKey(control, at)
  // A batch looks its keys up in one statement (each small statement costs ~5 ms here, and a
  // control ran eleven); a key evaluated meanwhile by another evaluator is still caught below, by
  // the claim and by the chain's own check before appending.
  const batch = cache.batch
  const batchKeys = () => batch!.controls.map((c) => evaluationKey(c, batch!.at))
  const existing = batch
    ? ((await cache.shared('existing-evaluations', () => deps.evaluations.findByKeys(batchKeys()))).get(key) ?? null)
    : await deps.evaluations.findByKey(key)
  if (existing) return { status: 'already_evaluated', stored: existing }
  let claimed: boolean
  if (options.claim) claimed = await options.claim
  else {
    const knownClaim = batch ? ((await cache.shared('claim-attempts', () => deps.claims.latestAttempts(batchKeys()))).get(key) ?? null) : undefined
    claimed = await deps.claims.claim(key, Date.now(), knownClaim)
  }
  if (!claimed) return { status: 'claimed_elsewhere', key }
  const started = Date.now()
  const segment = segmentKey(control.selector.segment)
  const evaluationId = uuidFromKey(key)
  let computation: MetricComputation | null = null
  let judgement: ControlJudgement
  let referenceEvidence: EvaluationRecord['reference'] = { kind: 'none' }
  let sizes: { current: number; reference: number | null; labelled: number | null } = { current: 0, reference: null, labelled: null }
  try {
    // Once per model and batch (its columns as the batch found them).
    const model = await cache.shared(`model-table\u0000${project}\u0000${control.scope.model}`, () => modelTable(deps.store, project, control.scope.model))
    if (model === null) throw new InsufficientData(`model ${control.scope.model} has no prediction recorded in project ${project}`)
    const scope: PredictionScope = {
      table: deps.store.table(model.table),
      window,
      modelVersions: control.scope.versions,
      environment: control.scope.environment,
      attributes: control.selector.segment,
      final: deps.exactDedup,
    }
    const resolved = await resolveReference(deps, control, window, scope, model)
    referenceEvidence = resolved.evidence
    const context: MetricContext = {
      store: deps.store, control, project, modelId: control.scope.model, scope, columns: model.columns, reference: resolved.reference,
      rows: (query) => cache.rows(query),
      batch: { controls: cache.batch?.controls ?? [control], at },
      shared: (key, compute) => cache.shared(key, compute),
    }
    computation = await METRIC_RUNNERS[control.metric.kind](context)
    sizes = { current: computation.currentSize, reference: computation.referenceSize, labelled: computation.labelled }
    judgement = guardSamples(control, computation) ?? judgeItems(control, computation.items)
  } catch (error) {
    if (error instanceof InsufficientData) {
      sizes = { current: error.sizes.current, reference: error.sizes.reference ?? null, labelled: error.sizes.labelled ?? null }
      judgement = { value: null, pValue: null, outcome: 'insufficient_data', reason: error.message, items: [], direction: control.thresholds.direction ?? 'above' }
    } else {
      // Recorded as an error outcome: evidence that the control ran and could not be computed, never a pass.
      judgement = { value: null, pValue: null, outcome: 'error', reason: `evaluation failed: ${(error as Error).message}`, items: [], direction: control.thresholds.direction ?? 'above' }
    }
  }
  const now = Date.now()
  options.computed?.()
  // A batch reads its controls' active alerts once; that view is a moment old, so it is re-read
  // whenever this evaluation may write to an alert (one is active, or the outcome is not a pass):
  // a pass with no alert active, the common case, costs no statement.
  const prefetched = batch
    ? await cache.shared(`active-alerts\u0000${project}`, () => deps.alerts.activeByControl(project, [...new Set(batch.controls.filter((c) => c.scope.project === project).map((c) => c.id))]))
    : null
  let active = prefetched ? (prefetched.get(`${control.id}\u0000${segment}`) ?? null) : null
  if (!prefetched || active !== null || judgement.outcome !== 'pass') active = await deps.alerts.findActive(project, control.id, segment)
  const transition = planAlertTransition(active, control, { id: evaluationId, key, outcome: judgement.outcome, modelId: control.scope.model, project, segment }, now)
  let nonconformityId = transition.next?.nonconformityId ?? null
  if (transition.openNonconformity && transition.next) nonconformityId = uuidFromKey(`nonconformity/${transition.next.id}`)
  const record: EvaluationRecord = {
    schema: 'aims.evaluation/v1',
    id: evaluationId,
    key,
    project,
    model: { id: control.scope.model, versions: control.scope.versions ?? null, environment: control.scope.environment ?? null },
    control: {
      id: control.id, version: control.version, title: control.title, severity: control.severity,
      sha256: loaded.controlHashes[control.id] ?? '', references: control.references,
    },
    policy: { name: loaded.policy.metadata.name, version: loaded.policy.metadata.version, sha256: loaded.sha256 },
    window: { type: control.window.current.type, ...iso, labelDelayMs: control.window.labelDelay },
    reference: referenceEvidence,
    segment: control.selector.segment ?? {},
    metric: { kind: control.metric.kind, name: control.metric.name, params: control.metric.params, implementation: computation?.implementation ?? 'not computed' },
    // Canonical JSON has no NaN or ±∞ (finite-json.ts): an infinite value is judged, then stored as
    // null beside the reason that names it; inside the breakdown such numbers become their text.
    value: finiteOrNull(judgement.value),
    pValue: finiteOrNull(judgement.pValue),
    thresholds: { direction: judgement.direction, warn: control.thresholds.warn ?? null, breach: control.thresholds.breach, rationale: control.thresholds.rationale },
    outcome: judgement.outcome,
    reason: judgement.reason,
    breakdown: nonFiniteAsText({ items: judgement.items, ...(computation?.detail ? { detail: computation.detail } : {}) }),
    samples: { current: sizes.current, reference: sizes.reference, labelled: sizes.labelled, labelCoverage: computation?.labelCoverage ?? null },
    excludedGroups: computation?.excludedGroups ?? [],
    guard: { minSample: control.guard.minSample, minPerGroup: control.guard.minPerGroup, significance: control.guard.significance ?? null, multipleComparisons: control.guard.multipleComparisons },
    alerts: transition.next ? [transition.next.id] : [],
    nonconformity: transition.openNonconformity ? nonconformityId : null,
    evaluatedAt: new Date(now).toISOString(),
    evaluatedBy: deps.identity,
    durationMs: now - started,
  }
  await options.beforeAppend?.()
  // Queued for the chain by the call itself: the next control of a batch may queue its record now,
  // and records queued while the chain is writing are committed together (one block, not three
  // statements each).
  const appending = deps.evaluations.append(record)
  options.appendQueued?.()
  const stored = await appending
  if (stored.record.id !== record.id || stored.record.evaluatedBy !== deps.identity || stored.record.evaluatedAt !== record.evaluatedAt) {
    return { status: 'already_evaluated', stored }
  }
  await applyTransition(deps, control, record, transition, nonconformityId, now)
  return { status: 'evaluated', stored }
}

async function applyTransition(deps: EvaluationDependencies, control: Control, record: EvaluationRecord, transition: ReturnType<typeof planAlertTransition>, nonconformityId: string | null, now: number): Promise<void> {
  const next = transition.next
  if (next === null) return
  const alert = transition.openNonconformity && nonconformityId ? { ...next, nonconformityId } : next
  if (!(await deps.alerts.save(alert))) return // another evaluator moved this alert first
  if (transition.openNonconformity && nonconformityId) {
    const at = new Date(now).toISOString()
    await deps.nonconformities.save({
      id: nonconformityId, version: 1, project: record.project, controlId: control.id, alertId: alert.id, evaluationId: record.id,
      status: 'open', description: `${control.id} (${control.title}) breached: ${record.reason}`, owner: control.owner.responsible,
      openedAt: at, dueDate: new Date(now + DEFAULT_NONCONFORMITY_DUE_DAYS * 86_400_000).toISOString(),
      containment: null, rootCause: null, correctiveAction: null, effectivenessCheck: null, closed: null, changedAt: at, changedBy: 'aims-evaluator',
    })
  }
  if (alert.change === 'cleared' && alert.nonconformityId) await deps.nonconformities.recordEffectiveness(alert.nonconformityId, record.id, now)
  if (transition.notify) {
    deps.notify(buildNotification(control, alert, record, transition.notify.event, randomUUID()), transition.notify.routes)
  }
}

/** Minimum sample guard: the window (labelled predictions for outcome metrics) or the reference too small. */
function guardSamples(control: Control, computation: MetricComputation): ControlJudgement | null {
  const { minSample } = control.guard
  const direction = control.thresholds.direction ?? 'above'
  const size = computation.labelled ?? computation.currentSize
  if (control.metric.name === 'volume') return null
  if (size < minSample) return { value: null, pValue: null, outcome: 'insufficient_data', reason: `${size} ${computation.labelled !== null ? 'labelled predictions' : 'predictions'} < minSample ${minSample}`, items: [], direction }
  if (computation.referenceSize !== null && computation.referenceSize < minSample) {
    return { value: null, pValue: null, outcome: 'insufficient_data', reason: `reference holds ${computation.referenceSize} values < minSample ${minSample}`, items: [], direction }
  }
  return null
}

async function resolveReference(deps: EvaluationDependencies, control: Control, window: Window, scope: PredictionScope, model: { table: string; columns: Set<string> }): Promise<{ reference: ResolvedReference | null; evidence: EvaluationRecord['reference'] }> {
  const declared = control.window.reference
  if (declared === undefined) return { reference: null, evidence: { kind: 'none' } }
  if ('dataset' in declared) {
    const dataset = await deps.references.get(control.scope.project, control.scope.model, declared.dataset)
    if (dataset === null) throw new InsufficientData(`reference data set ${declared.dataset} of model ${control.scope.model} has not been imported (aims reference import)`)
    const referenceScope: PredictionScope = { table: deps.store.table(dataset.rowsTable), window: REFERENCE_ALL_TIME }
    return {
      reference: { kind: 'dataset', dataset, scope: referenceScope, columns: await tableColumns(deps.store, dataset.rowsTable) },
      evidence: { kind: 'dataset', id: dataset.id, sha256: dataset.sha256, rows: dataset.rowCount },
    }
  }
  const past = referenceWindow(control, window)!
  return {
    reference: { kind: 'window', window: past, scope: { ...scope, window: past }, columns: model.columns },
    evidence: { kind: 'window', ...isoWindow(past) },
  }
}

/** The canonical key of a segment: `k=v` pairs sorted by key, comma-joined; '' for the whole model. */
export function segmentKey(segment: Readonly<Record<string, string>> | undefined): string {
  if (!segment) return ''
  return Object.keys(segment).sort().map((k) => `${k}=${segment[k]}`).join(',')
}

