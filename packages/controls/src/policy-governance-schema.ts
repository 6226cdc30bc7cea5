import { z } from 'zod'
import { FRAMEWORK_REGISTRY, unknownReferenceMessage } from './framework-registry.js'
import { citesReference, frameworkOfReference, isRegistryRow } from './reference-coverage.js'

/**
 * The governance parts of a policy file beside its controls: the model register (`models:`, what
 * each AI system is for and who owns it, ISO/IEC 42001 A.9.4 and A.10.2) and the
 * Statement-of-Applicability decisions (`applicability:`, clause 6.1.3: framework references
 * deliberately not covered, each with its justification). Both optional; see docs/controls.md.
 */

const text = z.string().trim().min(1, 'expected a non-empty string')
const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit')
/** The wire format's model id (packages/schema MODEL_ID_PATTERN, at most 128 characters). */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/

/** EU AI Act risk tiers: Art. 5 (prohibited), Art. 6 and Annex III (high-risk), Art. 50 (transparency: limited), the rest minimal. */
export const RISK_CLASSES = ['prohibited', 'high-risk', 'limited-risk', 'minimal-risk', 'out-of-scope'] as const
/** Life-cycle stages after ISO/IEC 22989 §6.1 (design and development, verification and validation, deployment, operation and monitoring, retirement). */
export const LIFECYCLE_STAGES = ['development', 'validation', 'deployment', 'operation', 'retired'] as const

export const modelEntrySchema = z.strictObject({
  /** The collector project the model's events are in, as in a control's scope. */
  project: identifier.default('default'),
  owner: z.strictObject({ accountable: text, responsible: text }),
  /** ISO/IEC 42001 A.9.4: what the system is for, for whom, and where its use stops. */
  intendedUse: z.string({ error: (issue) => (issue.input === undefined ? 'every registered model needs its intended use (ISO/IEC 42001 A.9.4): what it is for, for whom, within which limits' : 'expected the intended use as text') })
    .trim().min(10, 'expected an intended use of at least 10 characters'),
  description: z.string().optional(),
  riskClass: z.enum(RISK_CLASSES).optional(),
  lifecycle: z.enum(LIFECYCLE_STAGES).optional(),
})

/** Model id → register entry. */
export const modelRegisterSchema = z.record(
  z.string().regex(MODEL_ID, 'model ids start with a letter or digit and contain only letters, digits and _ . : / - (at most 128 characters), as the SDK reports them'),
  modelEntrySchema,
)

const justification = z.string({ error: (issue) => (issue.input === undefined || issue.input === null ? 'every exclusion needs its justification: why the reference does not apply' : 'expected the justification as text') })
  .trim().min(10, 'expected a justification of at least 10 characters: why the reference does not apply')

/** Reference → justification. Each reference must be a row of the registry (what the coverage matrix lists). */
export const applicabilitySchema = z.strictObject({
  exclusions: z.record(z.string().superRefine((reference, ctx) => {
    const problem = exclusionProblem(reference)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
  }), justification).default({}),
}).default({ exclusions: {} })

/** Why `reference` cannot be excluded, or undefined when it can. */
function exclusionProblem(reference: string): string | undefined {
  const { framework, known } = frameworkOfReference(reference)
  if (!known) return unknownReferenceMessage(framework, reference)
  if (framework === 'iso42001' && /^\d/.test(reference)) {
    return `clause ${reference} cannot be excluded: clauses 4 to 10 are requirements of every AI management system; only Annex A controls may be excluded (ISO/IEC 42001 6.1.3)`
  }
  if (!isRegistryRow(framework, reference)) {
    const whole = Object.keys(FRAMEWORK_REGISTRY[framework].references).find((row) => citesReference(framework, row, reference))
    return `exclude a whole ${FRAMEWORK_REGISTRY[framework].label} entry as the registry lists it${whole === undefined ? '' : ` (${whole})`}, not a part of one: the coverage matrix has one row per entry`
  }
  return undefined
}

/**
 * Cross-checks of a (possibly partly parsed) policy: an excluded reference that an active control
 * cites is a contradiction (the Statement of Applicability would say both "not applicable" and
 * "monitored"), reported on the exclusion.
 */
export function applicabilityIssues(value: Record<string, unknown>): { path: (string | number)[]; message: string }[] {
  const applicability = value.applicability
  if (!isRecord(applicability) || !isRecord(applicability.exclusions) || !Array.isArray(value.controls)) return []
  const issues: { path: (string | number)[]; message: string }[] = []
  for (const reference of Object.keys(applicability.exclusions)) {
    const { framework, known } = frameworkOfReference(reference)
    if (!known) continue // reported by the exclusion's own check
    const citing = value.controls.filter((control: unknown): control is Record<string, unknown> => {
      if (!isRecord(control) || control.status !== 'active' || !isRecord(control.references)) return false
      const cited = control.references[framework]
      return Array.isArray(cited) && cited.some((c: unknown) => typeof c === 'string' && citesReference(framework, reference, c))
    }).map((control) => String(control.id))
    if (citing.length > 0) {
      issues.push({ path: ['applicability', 'exclusions', reference], message: `${reference} is excluded, but active controls cite it: ${citing.slice(0, 5).join(', ')}${citing.length > 5 ? ` and ${citing.length - 5} more` : ''}; remove the exclusion or the citation` })
    }
  }
  return issues
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export type ModelEntry = z.output<typeof modelEntrySchema>
export type RiskClass = (typeof RISK_CLASSES)[number]
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number]
export type Applicability = z.output<typeof applicabilitySchema>
