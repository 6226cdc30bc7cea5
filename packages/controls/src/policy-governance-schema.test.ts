import { describe, expect, it } from 'vitest'
import { loadPolicy, type PolicyLoadResult } from './load-policy.js'
import { citesReference, frameworkOfReference } from './reference-coverage.js'

// The model register (`models:`) and the Statement-of-Applicability exclusions (`applicability:`)
// of a policy file: what they accept, and that each mistake is reported on its line.
const BASE = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: governance, version: 1 }
controls:
  - id: fair
    version: 1
    title: Impact ratio across sex
    status: active
    approval: { by: Committee, at: 2026-01-15, reference: RC-1 }
    references: { iso42001: [A.5.4, 9.1], euAiAct: [Art. 10(2)(f)], nistAiRmf: [MEASURE 2.11] }
    owner: { accountable: Head of risk, responsible: ML team }
    scope: { model: credit-risk }
    metric: { kind: fairness, name: four_fifths }
    selector: { attribute: sex }
    window: { current: { type: tumbling, size: 7d } }
    thresholds: { breach: 0.8, rationale: Four-fifths rule of 29 CFR 1607.4(D) }
    schedule: { every: 1d }
    severity: high
  - id: draft-incidents
    version: 1
    title: Incident communication (draft)
    status: draft
    approval: { by: Committee, at: 2026-01-15, reference: RC-2 }
    references: { iso42001: [A.8.4], euAiAct: [Art. 73] }
    owner: { accountable: Head of risk, responsible: ML team }
    scope: { model: credit-risk }
    metric: { kind: operational, name: error_rate }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { breach: 0.01, rationale: Error budget of the service level objective }
    schedule: { every: 1d }
    severity: low
`

function load(extra: string): PolicyLoadResult {
  return loadPolicy(BASE + extra, 'governance.yaml')
}

function problems(extra: string): string[] {
  const result = load(extra)
  if (result.ok) throw new Error('expected the policy to be refused')
  return result.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`)
}


describe('models: the model register', () => {
  it('is optional: a policy without it has an empty register and no exclusions', () => {
    const result = load('')
    expect(result.ok && result.policy.models).toEqual({})
    expect(result.ok && result.policy.applicability).toEqual({ exclusions: {} })
  })

  it('reads owner, intended use, risk class and life-cycle stage by model id, project defaulting to default', () => {
    const result = load(`models:
  credit-risk:
    owner: { accountable: Head of credit risk, responsible: ML platform team }
    intendedUse: Scores consumer credit applications for an underwriter's decision.
    riskClass: high-risk
    lifecycle: operation
  "fraud/v2":
    project: payments
    owner: { accountable: Head of fraud, responsible: Fraud analytics }
    intendedUse: Flags card payments for manual review; never blocks one alone.
`)
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'))
    expect(result.policy.models['credit-risk']).toEqual({
      project: 'default', owner: { accountable: 'Head of credit risk', responsible: 'ML platform team' },
      intendedUse: "Scores consumer credit applications for an underwriter's decision.", riskClass: 'high-risk', lifecycle: 'operation',
    })
    expect(result.policy.models['fraud/v2']!.project).toBe('payments')
  })

  it('requires the intended use (A.9.4) and the owner, and checks ids, tiers and stages, each on its line', () => {
    const text = `models:
  credit-risk:
    owner: { accountable: Head of credit risk }
    riskClass: high
    lifecycle: live
  "bad id!":
    owner: { accountable: A, responsible: B }
    intendedUse: short
`
    const lines = (BASE + text).split('\n')
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1
    // An invalid id is reported alone: its entry is checked once the id is fixed.
    expect(problems(text)).toEqual([
      `${at('credit-risk:')}: models.credit-risk.intendedUse: missing required key "intendedUse": every registered model needs its intended use (ISO/IEC 42001 A.9.4): what it is for, for whom, within which limits`,
      `${at('owner: { accountable: Head of credit risk }')}: models.credit-risk.owner.responsible: missing required key "responsible": expected a string`,
      `${at('riskClass: high')}: models.credit-risk.riskClass: expected one of prohibited, high-risk, limited-risk, minimal-risk, out-of-scope, got "high"`,
      `${at('lifecycle: live')}: models.credit-risk.lifecycle: expected one of development, validation, deployment, operation, retired, got "live"`,
      `${at('"bad id!"')}: models["bad id!"]: invalid name "bad id!": model ids start with a letter or digit and contain only letters, digits and _ . : / - (at most 128 characters), as the SDK reports them`,
    ])
  })

  it('lets a control cover a model that is not registered, without a word', () => {
    const result = load(`models:
  other-model:
    owner: { accountable: A, responsible: B }
    intendedUse: Something else entirely, for testing.
`)
    expect(result.ok).toBe(true)
  })
})

describe('applicability: Statement-of-Applicability exclusions', () => {
  it('reads reference → justification for Annex A, EU AI Act and NIST AI RMF entries', () => {
    const result = load(`applicability:
  exclusions:
    A.10.3: No supplier provides an AI component (procurement register PR-1).
    Art. 17: We deploy and do not provide the system; the provider runs the QMS.
    GOVERN 6: No third-party AI; supplier risk is out of scope of this AIMS.
    A.8.4: Incident communication is being designed; the draft control is not active yet.
`)
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'))
    expect(Object.keys(result.policy.applicability.exclusions)).toEqual(['A.10.3', 'Art. 17', 'GOVERN 6', 'A.8.4'])
  })

  it('refuses unknown references, clauses, parts of articles, short justifications and what an active control cites', () => {
    const text = `applicability:
  exclusions:
    A.7.7: Not a real Annex A control at all.
    "9.10": Clauses are not excludable anyway.
    "8.1": Clauses are not excludable anyway.
    Art. 10(2)(g): Only the whole article is a row.
    A.10.4: short
    A.5.4: Fairness is somebody else's problem.
    Art. 10: Data governance is out of scope here.
    MEASURE 2: The whole measurement category is out.
`
    const messages = problems(text).map((p) => p.replace(/^\d+: /, ''))
    expect(messages).toEqual([
      'applicability.exclusions["A.7.7"]: invalid name "A.7.7": unknown ISO/IEC 42001 reference "A.7.7": Annex A.7 has A.7.2-A.7.6',
      'applicability.exclusions["9.10"]: invalid name "9.10": unknown ISO/IEC 42001 reference "9.10": clause 9 has 9.1-9.3',
      'applicability.exclusions["8.1"]: invalid name "8.1": clause 8.1 cannot be excluded: clauses 4 to 10 are requirements of every AI management system; only Annex A controls may be excluded (ISO/IEC 42001 6.1.3)',
      'applicability.exclusions["Art. 10(2)(g)"]: invalid name "Art. 10(2)(g)": exclude a whole EU AI Act entry as the registry lists it (Art. 10), not a part of one: the coverage matrix has one row per entry',
      'applicability.exclusions["A.10.4"]: expected a justification of at least 10 characters: why the reference does not apply, got "short"',
      'applicability.exclusions["A.5.4"]: A.5.4 is excluded, but active controls cite it: fair; remove the exclusion or the citation',
      'applicability.exclusions["Art. 10"]: Art. 10 is excluded, but active controls cite it: fair; remove the exclusion or the citation',
      'applicability.exclusions["MEASURE 2"]: MEASURE 2 is excluded, but active controls cite it: fair; remove the exclusion or the citation',
    ])
  })
})

describe('citesReference and frameworkOfReference', () => {
  it('counts a more specific reference for the entry above it, never a sibling', () => {
    expect(citesReference('euAiAct', 'Art. 10', 'Art. 10(2)(f)')).toBe(true)
    expect(citesReference('euAiAct', 'Art. 1', 'Art. 10')).toBe(false)
    expect(citesReference('iso42001', '9.3', '9.3.2')).toBe(true)
    expect(citesReference('iso42001', '9.1', '9.10')).toBe(false)
    expect(citesReference('iso42001', 'A.6.2.6', 'A.6.2.6')).toBe(true)
    expect(citesReference('nistAiRmf', 'MEASURE 2', 'MEASURE 2.11')).toBe(true)
    expect(citesReference('nistAiRmf', 'MEASURE 2.1', 'MEASURE 2.11')).toBe(false)
  })

  it('finds the framework a reference belongs to, or the one it looks written for', () => {
    expect(frameworkOfReference('A.10.3')).toEqual({ framework: 'iso42001', known: true })
    expect(frameworkOfReference('Art. 73')).toEqual({ framework: 'euAiAct', known: true })
    expect(frameworkOfReference('GOVERN 1')).toEqual({ framework: 'nistAiRmf', known: true })
    expect(frameworkOfReference('Article 99')).toEqual({ framework: 'euAiAct', known: false })
    expect(frameworkOfReference('MS-2.4')).toEqual({ framework: 'nistAiRmf', known: false })
  })
})
