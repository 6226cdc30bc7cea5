import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadPolicyFile, type PolicyLoaded } from './load-policy.js'
import { METRIC_KINDS } from './metric-catalog.js'
import { formatProblems } from './policy-problem.js'

// The example policies users copy from: each must load as shipped (invalid.yaml must not).
const DIR = fileURLToPath(new URL('../../../examples/policies/', import.meta.url))
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))

async function loaded(file: string): Promise<PolicyLoaded> {
  const result = await loadPolicyFile(DIR + file)
  if (!result.ok) throw new Error(formatProblems(result.problems, file))
  return result
}

describe('examples/policies', () => {
  it('has the annotated example and the invalid one', () => {
    expect(files).toEqual(expect.arrayContaining(['credit-risk.yaml', 'invalid.yaml']))
  })

  it.each(files.filter((f) => f !== 'invalid.yaml'))('%s loads', async (file) => {
    const { policy } = await loaded(file)
    expect(policy.controls.length).toBeGreaterThan(0)
  })

  it('credit-risk.yaml covers every metric kind and notifier type on the UCI Adult features', async () => {
    const { policy } = await loaded('credit-risk.yaml')
    expect(new Set(policy.controls.map((c) => c.metric.kind))).toEqual(new Set(METRIC_KINDS))
    expect(new Set(Object.values(policy.notifiers).map((n) => n.type))).toEqual(new Set(['webhook', 'slack', 'email', 'alertmanager', 'pagerduty']))
    expect(new Set(policy.controls.map((c) => c.scope.model))).toEqual(new Set(['credit-risk']))
    const features = new Set(policy.controls.flatMap((c) => c.selector.features ?? []))
    expect(features).toEqual(new Set(['age', 'hours_per_week', 'education_num', 'capital_gain', 'workclass', 'occupation']))
    expect(new Set(policy.controls.flatMap((c) => c.selector.attribute ?? []))).toEqual(new Set(['sex', 'race']))
    // Every notifier declared is used somewhere, and every rationale cites something concrete.
    const used = new Set(policy.controls.flatMap((c) => [...Object.values(c.response.notify).flat(), ...(c.response.escalation?.notify ?? [])]))
    expect(used).toEqual(new Set(Object.keys(policy.notifiers)))
    const rationales = policy.controls.map((c) => c.thresholds.rationale).join('\n')
    expect(rationales).toContain('29 CFR 1607.4(D)')
    expect(rationales).toMatch(/PSI bands/)
    expect(rationales).toMatch(/Evidently's default/)
  })

  it('invalid.yaml is refused with the four mistakes its comments mark', async () => {
    const result = await loadPolicyFile(DIR + 'invalid.yaml')
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.problems.map((p) => p.path)).toEqual([
      'controls[0].references.iso42001[1]',
      'controls[0].thresholds.rationale',
      'controls[1].thresholds.breach',
      'controls[1].response.notify.breach[1]',
    ])
  })
})
