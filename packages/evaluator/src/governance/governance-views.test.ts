import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadPolicy, loadPolicyFile, type PolicyLoaded } from '@aims-monitor/controls'
import type { ModelSummary } from '@aims-monitor/store'
import type { StoredEvaluation } from '../evaluation-repository.js'
import { coverageMatrix } from './coverage.js'
import { mergeModelRegister } from './model-register.js'

// The register and the coverage matrix from what the store answered (pure functions), over the
// example policy users copy (examples/policies/credit-risk.yaml).
const EXAMPLE = fileURLToPath(new URL('../../../../examples/policies/credit-risk.yaml', import.meta.url))
let example: PolicyLoaded

beforeAll(async () => {
  const result = await loadPolicyFile(EXAMPLE)
  if (!result.ok) throw new Error('the example policy does not load')
  example = result
})

const period = { project: 'default', from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-12-01T00:00:00Z') }

describe('coverage matrix of the example policy', () => {
  it('lists A.6.2.6 and A.5.4 as covered, A.10.3 as excluded with its justification, and the uncovered Annex A controls', () => {
    const matrix = coverageMatrix(example, new Map(), period)
    const iso = matrix.frameworks.find((f) => f.framework === 'iso42001')!
    const row = (ref: string) => iso.rows.find((r) => r.reference === ref)!
    expect(row('A.6.2.6').status).toBe('covered')
    expect(row('A.6.2.6').controls.map((c) => c.id)).toContain('credit-risk.drift.psi-numeric')
    expect(row('A.5.4')).toMatchObject({ status: 'covered', kind: 'annex_a' })
    // The draft intersectional control cites A.5.4 too: listed, with its status.
    expect(row('A.5.4').controls.map((c) => `${c.id}:${c.status}`)).toEqual([
      'credit-risk.fairness.sex-impact-ratio:active', 'credit-risk.fairness.race-impact-ratio-women:draft', 'credit-risk.fairness.race-fpr:active',
    ])
    expect(row('A.10.3')).toMatchObject({ status: 'excluded', controls: [] })
    expect(row('A.10.3').justification).toMatch(/in-house/)
    const uncovered = iso.rows.filter((r) => r.kind === 'annex_a' && r.status === 'not_covered').map((r) => r.reference)
    expect(uncovered).toEqual(expect.arrayContaining(['A.2.2', 'A.3.3', 'A.4.2', 'A.5.2', 'A.8.3', 'A.10.2', 'A.10.4']))
    expect(uncovered).not.toContain('A.6.2.6')
    expect(iso.summary).toEqual({ references: 71, covered: 8, excluded: 1, notCovered: 62 })
    expect(row('9.1').status).toBe('covered')
    expect(row('9.3').status).toBe('not_covered')
  })

  it('counts a more specific citation for its entry: Art. 10(2)(f) for Art. 10, MEASURE 2.4 for MEASURE 2', () => {
    const matrix = coverageMatrix(example, new Map(), period)
    const eu = matrix.frameworks.find((f) => f.framework === 'euAiAct')!.rows.find((r) => r.reference === 'Art. 10')!
    expect(eu.status).toBe('covered')
    expect(eu.controls.find((c) => c.id === 'credit-risk.fairness.race-fpr')!.cites).toEqual(['Art. 10(2)(f)'])
    const nist = matrix.frameworks.find((f) => f.framework === 'nistAiRmf')!.rows
    expect(nist.find((r) => r.reference === 'MEASURE 2')).toMatchObject({ status: 'covered', kind: 'category' })
    expect(nist.find((r) => r.reference === 'GOVERN 1')!.status).toBe('not_covered')
  })

  it('adds up the evidence of the controls serving a reference', () => {
    const counts = new Map([
      ['credit-risk.fairness.sex-impact-ratio', { total: 4, pass: 3, warn: 0, breach: 1, insufficient_data: 0, error: 0 }],
      ['credit-risk.fairness.race-fpr', { total: 30, pass: 28, warn: 0, breach: 0, insufficient_data: 2, error: 0 }],
    ])
    const matrix = coverageMatrix(example, counts, { ...period, frameworks: ['iso42001'] })
    expect(matrix.frameworks.map((f) => f.framework)).toEqual(['iso42001'])
    expect(matrix.frameworks[0]!.rows.find((r) => r.reference === 'A.5.4')!.evidence).toEqual({ total: 34, pass: 31, warn: 0, breach: 1, insufficient_data: 2, error: 0 })
  })

  it('covers nothing without a policy, and only the project\'s controls with one', () => {
    const none = coverageMatrix(null, new Map(), period)
    expect(none.policy).toBeNull()
    expect(none.frameworks.every((f) => f.summary.covered === 0 && f.summary.excluded === 0)).toBe(true)
    const other = coverageMatrix(example, new Map(), { ...period, project: 'elsewhere' })
    expect(other.frameworks[0]!.summary.covered).toBe(0)
  })
})

describe('model register', () => {
  const seen: ModelSummary[] = [
    { id: 'credit-risk', versions: [{ version: '1.0.0', predictionCount: 10, firstEventAt: '2026-11-01T00:00:00.000Z', lastEventAt: '2026-11-02T00:00:00.000Z' }], predictionCount: 10, outcomeCount: 4, firstEventAt: '2026-11-01T00:00:00.000Z', lastEventAt: '2026-11-03T00:00:00.000Z' },
    { id: 'shadow-model', versions: [{ version: '0.1', predictionCount: 2, firstEventAt: '2026-11-05T00:00:00.000Z', lastEventAt: '2026-11-05T00:00:00.000Z' }], predictionCount: 2, outcomeCount: 0, firstEventAt: '2026-11-05T00:00:00.000Z', lastEventAt: '2026-11-05T00:00:00.000Z' },
  ]

  it('merges the policy\'s entries with what the store has seen and the controls covering each model', () => {
    const latest = new Map<string, StoredEvaluation>([['credit-risk.data-quality.volume', {
      seq: 1, hash: 'h', prevHash: 'p',
      record: { id: 'e1', outcome: 'breach', value: 10, evaluatedAt: '2026-11-03T00:00:00.000Z', window: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' } } as unknown as StoredEvaluation['record'],
    }]])
    const register = mergeModelRegister(example, seen, latest, 'default')
    expect(register.models.map((m) => [m.id, m.flags])).toEqual([['credit-risk', []], ['shadow-model', ['unregistered', 'uncontrolled']]])
    const credit = register.models[0]!
    expect(credit).toMatchObject({ registered: true, seen: true, riskClass: 'high-risk', lifecycle: 'operation', owner: { accountable: 'Head of credit risk' }, predictionCount: 10, outcomeCount: 4 })
    expect(credit.intendedUse).toMatch(/consumer credit applications/)
    expect(credit.controls.length).toBe(example.policy.controls.length)
    expect(credit.controls.find((c) => c.id === 'credit-risk.data-quality.volume')!.latest).toEqual({ evaluationId: 'e1', outcome: 'breach', value: 10, evaluatedAt: '2026-11-03T00:00:00.000Z', window: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' } })
    expect(register.policy).toEqual({ name: 'credit-risk-controls', version: example.policy.metadata.version, sha256: example.sha256 })
  })

  it('lists registered models never seen, and models a control names that nobody registered', () => {
    const text = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: small, version: 1 }
models:
  planned-model:
    owner: { accountable: A, responsible: B }
    intendedUse: Not deployed yet; registered ahead of its launch.
    lifecycle: development
controls:
  - id: vol
    version: 1
    title: Volume
    status: active
    approval: { by: C, at: 2026-01-01, reference: R }
    references: { iso42001: [A.6.2.8] }
    owner: { accountable: A, responsible: B }
    scope: { model: controlled-only }
    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { direction: below, breach: 1, rationale: At least one decision a day }
    schedule: { every: 1d }
    severity: low
`
    const loaded = loadPolicy(text)
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'))
    const register = mergeModelRegister(loaded, [], new Map(), 'default')
    expect(register.models.map((m) => [m.id, m.registered, m.seen, m.flags])).toEqual([
      ['controlled-only', false, false, ['unregistered', 'never_seen']],
      ['planned-model', true, false, ['never_seen', 'uncontrolled']],
    ])
    expect(mergeModelRegister(null, seen, new Map(), 'default').models.every((m) => m.flags.includes('unregistered'))).toBe(true)
  })
})
