import type { Control, ControlOutcome, LifecycleStage, ModelEntry, RiskClass } from '@aims-monitor/controls'
import { listModelSummaries, type ModelSummary, type ModelVersionSummary, type Store } from '@aims-monitor/store'
import type { LoadedPolicy } from '../evaluate-control.js'
import { EvaluationRepository, type StoredEvaluation } from '../evaluation-repository.js'

/**
 * The model register (ISO/IEC 42001 A.9.4 intended use, A.6.2.6 operation and monitoring): every AI
 * system of a project, whether the policy registers it (`models:`), the collector has seen its
 * events, or a control names it; with its owner and intended use, its versions with first and last
 * events, and the controls that cover it with their latest outcome.
 */

/**
 * unregistered: named by events or controls but not in the policy's `models:`;
 * never_seen: no event of it in the store; uncontrolled: no active control covers it.
 */
export type RegisterFlag = 'unregistered' | 'never_seen' | 'uncontrolled'

export interface RegisterControl {
  readonly id: string
  readonly version: number
  readonly title: string
  readonly status: Control['status']
  readonly severity: Control['severity']
  readonly metric: { readonly kind: string; readonly name: string }
  /** The model versions the control holds (null: all). */
  readonly versions: readonly string[] | null
  readonly environment: string | null
  readonly references: Control['references']
  readonly latest: {
    readonly evaluationId: string
    readonly outcome: ControlOutcome
    readonly value: number | null
    readonly evaluatedAt: string
    readonly window: { readonly from: string; readonly to: string }
  } | null
}

export interface RegisterEntry {
  readonly id: string
  /** In the policy's `models:`. */
  readonly registered: boolean
  /** At least one event in the store. */
  readonly seen: boolean
  readonly flags: readonly RegisterFlag[]
  readonly owner: ModelEntry['owner'] | null
  readonly intendedUse: string | null
  readonly description: string | null
  readonly riskClass: RiskClass | null
  readonly lifecycle: LifecycleStage | null
  readonly versions: readonly ModelVersionSummary[]
  readonly predictionCount: number
  readonly outcomeCount: number
  readonly firstEventAt: string | null
  readonly lastEventAt: string | null
  readonly controls: readonly RegisterControl[]
}

export interface ModelRegister {
  readonly project: string
  readonly policy: { readonly name: string; readonly version: string | number; readonly sha256: string } | null
  readonly models: readonly RegisterEntry[]
}

/**
 * Reads what the store has seen of the project's models and merges it with the policy.
 *
 * @example
 * const register = await buildModelRegister(store, loaded, 'default')
 * register.models.filter((m) => m.flags.includes('unregistered')) // systems nobody declared
 */
export async function buildModelRegister(store: Store, loaded: LoadedPolicy | null, project: string): Promise<ModelRegister> {
  const [seen, latest] = await Promise.all([
    listModelSummaries(store, project),
    loaded ? new EvaluationRepository(store).latestByControl(project) : Promise.resolve(new Map<string, StoredEvaluation>()),
  ])
  return mergeModelRegister(loaded, seen, latest, project)
}

/** The register from what was read (pure: what buildModelRegister computes after its queries). */
export function mergeModelRegister(loaded: LoadedPolicy | null, seen: readonly ModelSummary[], latest: ReadonlyMap<string, StoredEvaluation>, project: string): ModelRegister {
  const policy = loaded?.policy
  const entries = Object.entries(policy?.models ?? {}).filter(([, entry]) => entry.project === project)
  const registered = new Map<string, ModelEntry>(entries)
  const controls = (policy?.controls ?? []).filter((control) => control.scope.project === project)
  const summaries = new Map(seen.map((summary) => [summary.id, summary]))
  const ids = [...new Set([...registered.keys(), ...summaries.keys(), ...controls.map((c) => c.scope.model)])].sort()
  const models = ids.map((id): RegisterEntry => {
    const entry = registered.get(id)
    const summary = summaries.get(id)
    const covering = controls.filter((control) => control.scope.model === id).map((control) => registerControl(control, latest.get(control.id)))
    const flags: RegisterFlag[] = []
    if (!entry) flags.push('unregistered')
    if (!summary) flags.push('never_seen')
    if (!covering.some((c) => c.status === 'active')) flags.push('uncontrolled')
    return {
      id,
      registered: entry !== undefined,
      seen: summary !== undefined,
      flags,
      owner: entry?.owner ?? null,
      intendedUse: entry?.intendedUse ?? null,
      description: entry?.description ?? null,
      riskClass: entry?.riskClass ?? null,
      lifecycle: entry?.lifecycle ?? null,
      versions: summary?.versions ?? [],
      predictionCount: summary?.predictionCount ?? 0,
      outcomeCount: summary?.outcomeCount ?? 0,
      firstEventAt: summary?.firstEventAt ?? null,
      lastEventAt: summary?.lastEventAt ?? null,
      controls: covering,
    }
  })
  return {
    project,
    policy: loaded ? { name: loaded.policy.metadata.name, version: loaded.policy.metadata.version, sha256: loaded.sha256 } : null,
    models,
  }
}

function registerControl(control: Control, evaluation: StoredEvaluation | undefined): RegisterControl {
  const record = evaluation?.record
  return {
    id: control.id,
    version: control.version,
    title: control.title,
    status: control.status,
    severity: control.severity,
    metric: { kind: control.metric.kind, name: control.metric.name },
    versions: control.scope.versions ?? null,
    environment: control.scope.environment ?? null,
    references: control.references,
    latest: record ? { evaluationId: record.id, outcome: record.outcome, value: record.value, evaluatedAt: record.evaluatedAt, window: { from: record.window.from, to: record.window.to } } : null,
  }
}
