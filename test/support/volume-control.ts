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

/**
 * A whole policy of one control, DQ-VOLUME on model `m`: it breaches below 100 predictions an hour,
 * so a handful of events and one evaluation open an alert (the API error tests' set-up).
 */
export function stalledFeedPolicy(name: string): string {
  return `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: ${name}, version: 1 }
controls:
  - id: DQ-VOLUME
    version: 1
    title: Prediction volume per hour
    status: active
    approval: { by: Head of Operations, at: 2026-10-01, reference: OPS-2026-04 }
    references: { iso42001: ['9.1'] }
    owner: { accountable: Head of Operations, responsible: Platform team }
    scope: { model: m }
    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1h } }
    thresholds: { breach: 100, rationale: "Fewer than 100 predictions an hour means the feed has stalled." }
    schedule: { every: 1h }
    severity: high
`
}
