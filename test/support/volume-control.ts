/**
 * A policy control, as YAML under `controls:`, that counts a model's predictions per hour and
 * breaches below one: the smallest control that evaluates on any data (the tests of several
 * evaluators racing for the same evaluations).
 */
export function volumeControlYaml(id: string, model: string): string {
  return `
  - id: ${id}
    version: 1
    title: ${id}
    status: active
    approval: { by: Ops lead, at: 2026-10-01, reference: OPS-1 }
    references: { iso42001: [A.6.2.6] }
    owner: { accountable: Head of ML, responsible: ML ops }
    scope: { model: ${model} }
    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1h } }
    thresholds: { direction: below, breach: 1, rationale: An hour without predictions means the model is not serving. }
    guard: { minSample: 1 }
    schedule: { every: 1h }
    severity: low
`
}
