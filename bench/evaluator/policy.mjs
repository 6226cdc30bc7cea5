// The benchmark's policy: 20 controls on one model. Drift on 10 numeric features against the
// previous day (a past window of the same model), fairness on 2 attributes, 5 performance metrics,
// 3 data-quality metrics. Generated as YAML text so that it goes through loadPolicy like a real file.
export const MODEL = 'bench-evaluator'
export const DRIFT = [
  ['f0', 'psi'], ['f1', 'ks_statistic'], ['f2', 'wasserstein_normed'], ['f3', 'psi'], ['f4', 'ks_statistic'],
  ['f5', 'psi'], ['f6', 'wasserstein_normed'], ['f7', 'jensen_shannon'], ['f8', 'hellinger'], ['f9', 'ks'],
]
export const FAIRNESS = [['sex', 'demographic_parity_difference'], ['race', 'equalized_odds_difference']]
export const PERFORMANCE = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc']
export const QUALITY = [['missing_rate', 'f11'], ['out_of_range_rate', 'f4'], ['volume', null]]

function control(id, metric, extra) {
  return `  - id: ${id}
    version: 1
    title: Benchmark control ${id}
    status: active
    approval: { by: Bench, at: 2026-11-26, reference: bench/evaluator }
    references: { iso42001: [A.6.2.6, 9.1] }
    owner: { accountable: Bench owner, responsible: Bench team }
    scope: { model: ${MODEL} }
    metric: ${metric}
${extra}
    schedule: { every: 1d }
    severity: medium
`
}
const day = '    window:\n      current: { type: tumbling, size: 1d }\n'
const ref = '      reference: { window: { offset: 0, size: 1d } }\n'
const th = (breach, warn, direction) => `    thresholds: { ${direction ? `direction: ${direction}, ` : ''}${warn === undefined ? '' : `warn: ${warn}, `}breach: ${breach}, rationale: "benchmark thresholds, not a risk decision" }`

export function policyYaml() {
  const parts = []
  for (const [feature, name] of DRIFT) {
    const breach = name === 'ks' ? 0.01 : name === 'psi' ? 0.25 : 0.1
    parts.push(control(`drift.${feature}`, `{ kind: drift, name: ${name} }`, `    selector: { features: [${feature}] }\n${day}${ref}${th(breach)}`))
  }
  for (const [attribute, name] of FAIRNESS) {
    parts.push(control(`fairness.${attribute}`, `{ kind: fairness, name: ${name} }`, `    selector: { attribute: ${attribute} }\n${day}${th(0.1)}`))
  }
  for (const name of PERFORMANCE) parts.push(control(`performance.${name}`, `{ kind: performance, name: ${name} }`, `${day}${th(0.6)}`))
  for (const [name, feature] of QUALITY) {
    const selector = feature ? `    selector: { features: [${feature}] }\n` : ''
    const reference = name === 'out_of_range_rate' ? ref : ''
    parts.push(control(`quality.${name}`, `{ kind: data_quality, name: ${name} }`, `${selector}${day}${reference}${th(name === 'volume' ? 1000 : 0.05)}`))
  }
  return `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: bench-evaluator, version: 1 }
controls:
${parts.join('')}`
}
