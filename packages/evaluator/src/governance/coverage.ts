import { FRAMEWORK_NAMES, FRAMEWORK_REGISTRY, citesReference, type Control, type FrameworkName, type Policy } from '@aims-monitor/controls'
import type { Store } from '@aims-monitor/store'
import type { LoadedPolicy } from '../evaluate-control.js'
import { NO_EVIDENCE, addCounts, countEvaluationsByControl, type EvidencePeriod, type OutcomeCounts } from './evidence-counts.js'

/**
 * Statement-of-Applicability coverage (ISO/IEC 42001 6.1.3, DESIGN.md's coverage matrix): every
 * reference of the pinned framework registry, the controls that serve it and the evidence they
 * produced in a period. A reference is covered when an active control cites it (or a more specific
 * reference under it: `Art. 10(2)(f)` serves `Art. 10`), excluded when the policy's
 * `applicability.exclusions` says why it does not apply, and not covered otherwise.
 */

export type CoverageStatus = 'covered' | 'excluded' | 'not_covered'

/** What sort of registry entry a row is: ISO clauses are requirements, Annex A entries controls. */
export type ReferenceKind = 'clause' | 'annex_a' | 'article' | 'category' | 'subcategory'

export interface CoverageControl {
  readonly id: string
  readonly version: number
  readonly title: string
  /** active controls cover; draft and retired ones are listed but do not. */
  readonly status: Control['status']
  readonly model: string
  /** The control's own citations that serve this row (`Art. 10(2)(f)` for `Art. 10`). */
  readonly cites: readonly string[]
  /** Its evaluations whose window ended in the period, by outcome. */
  readonly evidence: OutcomeCounts
}

export interface CoverageRow {
  readonly reference: string
  readonly title: string
  readonly kind: ReferenceKind
  readonly status: CoverageStatus
  /** Why the reference does not apply (excluded rows only). */
  readonly justification: string | null
  readonly controls: readonly CoverageControl[]
  /** The sum of the controls' evidence. */
  readonly evidence: OutcomeCounts
}

export interface FrameworkCoverage {
  readonly framework: FrameworkName
  readonly label: string
  readonly edition: string
  readonly source: string
  readonly summary: { readonly references: number; readonly covered: number; readonly excluded: number; readonly notCovered: number }
  readonly rows: readonly CoverageRow[]
}

export interface CoverageMatrix {
  readonly project: string
  readonly period: { readonly from: string; readonly to: string }
  /** The policy whose controls and exclusions were read; null when none is loaded (nothing is covered). */
  readonly policy: { readonly name: string; readonly version: string | number; readonly sha256: string } | null
  readonly frameworks: readonly FrameworkCoverage[]
}

export interface CoverageOptions extends EvidencePeriod {
  readonly project: string
  /** Only these frameworks (default: all three). */
  readonly frameworks?: readonly FrameworkName[] | undefined
}

/**
 * The coverage matrix of `loaded` (or of no policy) for a project and a period, with evidence
 * counts aggregated in ClickHouse.
 *
 * @example
 * const matrix = await buildCoverage(store, loaded, { project: 'default', from, to })
 * matrix.frameworks[0].rows.find((r) => r.reference === 'A.6.2.6')?.status // 'covered'
 */
export async function buildCoverage(store: Store, loaded: LoadedPolicy | null, options: CoverageOptions): Promise<CoverageMatrix> {
  const evidence = await countEvaluationsByControl(store, options.project, options)
  return coverageMatrix(loaded, evidence, options)
}

/** The matrix from evidence counts already read (pure: what buildCoverage computes after its query). */
export function coverageMatrix(loaded: LoadedPolicy | null, evidence: ReadonlyMap<string, OutcomeCounts>, options: CoverageOptions): CoverageMatrix {
  const policy: Policy | null = loaded?.policy ?? null
  const controls = (policy?.controls ?? []).filter((control) => control.scope.project === options.project)
  const exclusions: Readonly<Record<string, string>> = policy?.applicability.exclusions ?? {}
  const frameworks = (options.frameworks ?? FRAMEWORK_NAMES).map((framework): FrameworkCoverage => {
    const definition = FRAMEWORK_REGISTRY[framework]
    const rows = Object.entries(definition.references).map(([reference, title]): CoverageRow => {
      const serving = controls.flatMap((control): CoverageControl[] => {
        const cites = control.references[framework].filter((cited) => citesReference(framework, reference, cited))
        if (cites.length === 0) return []
        return [{ id: control.id, version: control.version, title: control.title, status: control.status, model: control.scope.model, cites, evidence: evidence.get(control.id) ?? NO_EVIDENCE }]
      })
      const justification = Object.hasOwn(exclusions, reference) ? exclusions[reference]! : null
      const status: CoverageStatus = serving.some((c) => c.status === 'active') ? 'covered' : justification !== null ? 'excluded' : 'not_covered'
      return { reference, title, kind: referenceKind(framework, reference), status, justification, controls: serving, evidence: addCounts(serving.map((c) => c.evidence)) }
    })
    const count = (status: CoverageStatus) => rows.filter((row) => row.status === status).length
    return {
      framework, label: definition.label, edition: definition.edition, source: definition.source,
      summary: { references: rows.length, covered: count('covered'), excluded: count('excluded'), notCovered: count('not_covered') },
      rows,
    }
  })
  return {
    project: options.project,
    period: { from: new Date(options.from).toISOString(), to: new Date(options.to).toISOString() },
    policy: loaded ? { name: loaded.policy.metadata.name, version: loaded.policy.metadata.version, sha256: loaded.sha256 } : null,
    frameworks,
  }
}

function referenceKind(framework: FrameworkName, reference: string): ReferenceKind {
  if (framework === 'iso42001') return reference.startsWith('A.') ? 'annex_a' : 'clause'
  if (framework === 'euAiAct') return 'article'
  return reference.includes('.') ? 'subcategory' : 'category'
}
