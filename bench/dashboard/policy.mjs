// The benchmark's policy: 7 controls on the two generated models, so that every dashboard page has
// something to draw (drift heat maps of a data-set reference and of a window reference, fairness
// groups and disparity series, performance and operational histories, open alerts). Written as YAML
// text so that it goes through loadPolicy and `aims up --policy` like a real file.
export const CREDIT = 'credit-risk'
export const FRAUD = 'fraud-detector'
export const REFERENCE_ID = 'credit-risk-train'
/** The control the control page shows, and the one whose latest evaluation the evaluation page shows. */
export const CONTROL_PAGE = 'CR-DRIFT-PSI'
export const EVALUATION_CONTROL = 'CR-FAIR-RACE-FPR'

function control(id, model, title, metric, rest, severity = 'medium') {
  return `  - id: ${id}
    version: 1
    title: ${title}
    status: active
    approval: { by: Bench, at: 2026-11-26, reference: bench/dashboard }
    references: { iso42001: [A.6.2.6, '9.1'], euAiAct: [Art. 15], nistAiRmf: [MEASURE 2.4] }
    owner: { accountable: Bench owner, responsible: Bench team }
    scope: { model: ${model} }
    metric: ${metric}
${rest}    schedule: { every: 1d }
    severity: ${severity}
`
}
const day = '    window:\n      current: { type: tumbling, size: 1d }\n'
const th = (warn, breach) => `    thresholds: { warn: ${warn}, breach: ${breach}, rationale: "benchmark thresholds, not a risk decision" }\n`

export function policyYaml() {
  const controls = [
    control('CR-DRIFT-PSI', CREDIT, 'Input drift of applicant features against the training sample (PSI)', '{ kind: drift, name: psi }',
      `    selector: { features: [income, age, debt_ratio, credit_lines, employment] }\n${day}      reference: { dataset: ${REFERENCE_ID} }\n${th(0.1, 0.25)}`, 'high'),
    control('CR-FAIR-SEX-DP', CREDIT, 'Selection-rate parity across sex', '{ kind: fairness, name: demographic_parity_difference, params: { positiveLabel: high } }',
      `    selector: { attribute: sex }\n${day}${th(0.05, 0.1)}`, 'high'),
    control('CR-FAIR-RACE-FPR', CREDIT, 'False positive rate parity across race', "{ kind: fairness, name: false_positive_rate_difference, params: { positiveLabel: high, positiveOutcomeLabel: '1' } }",
      `    selector: { attribute: race }\n${day}${th(0.05, 0.1)}`, 'high'),
    control('CR-PERF-ACC', CREDIT, 'Accuracy of the risk label', "{ kind: performance, name: accuracy, params: { positiveLabel: high, positiveOutcomeLabel: '1' } }",
      `${day}${th(0.75, 0.7).replace('warn', 'direction: below, warn')}`),
    control('CR-OPS-ERRORS', CREDIT, 'Failed scoring calls', '{ kind: operational, name: error_rate }', `${day}${th(0.004, 0.01)}`),
    control('FD-DRIFT-WN', FRAUD, 'Transaction drift against the previous day (normed Wasserstein)', '{ kind: drift, name: wasserstein_normed }',
      `    selector: { features: [amount, hour_of_day] }\n${day}      reference: { window: { offset: 0, size: 1d } }\n${th(0.05, 0.1)}`),
    control('FD-OPS-LATENCY', FRAUD, 'Scoring latency p95', '{ kind: operational, name: latency_quantile, params: { quantile: 0.95 } }', `${day}${th(8, 10)}`, 'low'),
  ]
  return `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: bench-dashboard, version: 1 }
controls:
${controls.join('')}`
}
