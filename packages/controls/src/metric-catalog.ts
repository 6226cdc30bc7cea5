/**
 * Every metric a control may name, by kind, and what its value means. The evaluator computes each
 * of them (drift, fairness and performance from @aims-monitor/metrics, data quality and operational
 * ones from the store); a name not listed here fails the policy load.
 */

/** How a metric's value reads against thresholds when the control does not say. */
export type ThresholdDirection = 'above' | 'below'

export interface MetricDefinition {
  /** What the value is, in one line (shown in the evidence report). */
  readonly description: string
  /** `above`: a larger value is worse (breach when value ≥ breach); `below`: a smaller one is. */
  readonly defaultDirection: ThresholdDirection
  /** The value is a p-value: multiple-comparison corrections apply when a control tests several features. */
  readonly isPValue: boolean
  /** The metric needs ground truth (outcomes), so windows wait for the label delay. */
  readonly needsOutcomes: boolean
  /** The metric reads features (the selector must name at least one). */
  readonly needsFeatures: boolean
  /** The metric compares groups of a protected attribute (the selector must name one). */
  readonly needsAttribute: boolean
  /** The metric compares the window with a reference (the control must declare one). */
  readonly needsReference: boolean
}

const drift = (description: string, direction: ThresholdDirection, isPValue: boolean): MetricDefinition => ({
  description, defaultDirection: direction, isPValue, needsOutcomes: false, needsFeatures: true, needsAttribute: false, needsReference: true,
})
const fairness = (description: string, direction: ThresholdDirection, needsOutcomes = true): MetricDefinition => ({
  description, defaultDirection: direction, isPValue: false, needsOutcomes, needsFeatures: false, needsAttribute: true, needsReference: false,
})
const performance = (description: string, direction: ThresholdDirection): MetricDefinition => ({
  description, defaultDirection: direction, isPValue: false, needsOutcomes: true, needsFeatures: false, needsAttribute: false, needsReference: false,
})

export const METRIC_CATALOG = {
  drift: {
    auto: drift("Evidently's default rule per feature (KS / chi-square / Z-test p-value for a reference of at most 1000 rows, normed Wasserstein / Jensen-Shannon distance above); value = share of drifted features", 'above', false),
    psi: drift('Population stability index over reference-quantile bins (numeric) or categories', 'above', false),
    ks: drift('Two-sample Kolmogorov-Smirnov test; value = p-value', 'below', true),
    ks_statistic: drift('Two-sample Kolmogorov-Smirnov statistic D', 'above', false),
    chi_square: drift('Chi-square test of the current category counts against the reference frequencies; value = p-value', 'below', true),
    z_test: drift('Z-test of two proportions (binary features); value = p-value', 'below', true),
    jensen_shannon: drift('Jensen-Shannon distance (base 2 unless params.base)', 'above', false),
    wasserstein: drift('First Wasserstein distance', 'above', false),
    wasserstein_normed: drift('First Wasserstein distance divided by the reference standard deviation', 'above', false),
    hellinger: drift('Hellinger distance over bins or categories', 'above', false),
  },
  fairness: {
    demographic_parity_difference: fairness('Largest minus smallest selection rate across groups', 'above', false),
    demographic_parity_ratio: fairness('Smallest over largest selection rate across groups', 'below', false),
    four_fifths: fairness("Lowest group's selection rate over the highest group's (impact ratio; the four-fifths rule fails below 0.8)", 'below', false),
    equal_opportunity_difference: fairness('Largest minus smallest true positive rate across groups', 'above'),
    equalized_odds_difference: fairness('Larger of the TPR and FPR differences across groups', 'above'),
    equalized_odds_ratio: fairness('Smaller of the TPR and FPR ratios across groups', 'below'),
    false_positive_rate_difference: fairness('Largest minus smallest false positive rate across groups', 'above'),
    false_negative_rate_difference: fairness('Largest minus smallest false negative rate across groups', 'above'),
    predictive_parity_difference: fairness('Largest minus smallest precision across groups', 'above'),
  },
  performance: {
    accuracy: performance('Share of labelled predictions that are correct', 'below'),
    precision: performance('Precision of the positive label', 'below'),
    recall: performance('Recall (true positive rate) of the positive label', 'below'),
    f1: performance('F1 score of the positive label', 'below'),
    roc_auc: performance('Area under the ROC curve of output_score', 'below'),
    log_loss: performance('Log loss of output_score as the positive-class probability', 'above'),
    brier: performance('Brier score of output_score as the positive-class probability', 'above'),
    expected_calibration_error: performance('Expected calibration error over params.bins equal-width bins (10)', 'above'),
    mae: performance('Mean absolute error of output_value against the outcome value', 'above'),
    rmse: performance('Root mean squared error of output_value against the outcome value', 'above'),
  },
  data_quality: {
    missing_rate: { description: 'Share of predictions where the feature is missing', defaultDirection: 'above', isPValue: false, needsOutcomes: false, needsFeatures: true, needsAttribute: false, needsReference: false },
    out_of_range_rate: { description: 'Share of numeric values outside the reference [min, max] (or params.min / params.max)', defaultDirection: 'above', isPValue: false, needsOutcomes: false, needsFeatures: true, needsAttribute: false, needsReference: false },
    new_category_rate: { description: 'Share of categorical values never seen in the reference', defaultDirection: 'above', isPValue: false, needsOutcomes: false, needsFeatures: true, needsAttribute: false, needsReference: true },
    volume: { description: 'Predictions in the window', defaultDirection: 'below', isPValue: false, needsOutcomes: false, needsFeatures: false, needsAttribute: false, needsReference: false },
  },
  operational: {
    latency_quantile: { description: 'Latency quantile in milliseconds (params.quantile, default 0.95)', defaultDirection: 'above', isPValue: false, needsOutcomes: false, needsFeatures: false, needsAttribute: false, needsReference: false },
    error_rate: { description: 'Share of predictions recorded as failed', defaultDirection: 'above', isPValue: false, needsOutcomes: false, needsFeatures: false, needsAttribute: false, needsReference: false },
  },
} as const satisfies Record<string, Record<string, MetricDefinition>>

export type MetricKind = keyof typeof METRIC_CATALOG
export type MetricName<K extends MetricKind = MetricKind> = K extends MetricKind ? keyof (typeof METRIC_CATALOG)[K] & string : never

export const METRIC_KINDS = Object.keys(METRIC_CATALOG) as MetricKind[]

/** The definition of `kind`/`name`, or undefined when the catalog has no such metric. */
export function metricDefinition(kind: string, name: string): MetricDefinition | undefined {
  const family = (METRIC_CATALOG as Record<string, Record<string, MetricDefinition>>)[kind]
  return family !== undefined && Object.hasOwn(family, name) ? family[name] : undefined
}
