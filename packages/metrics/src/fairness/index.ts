// Exports of the fairness family: group fairness reports as fairlearn defines them, with Wilson
// intervals, minimum group sizes and the four-fifths rule.
export { DEFAULT_MIN_GROUP_SIZE, fairnessMetrics, fairnessMetricsFromCounts } from './fairness-metrics.js'
export type { FairnessCountsInput, FairnessInput } from './fairness-metrics.js'
export { assertConfidence, wilsonInterval, zForConfidence } from './wilson.js'
export type { Interval } from './wilson.js'
export { differenceInterval, ratioInterval } from './mover.js'
export type { EstimateWithInterval } from './mover.js'
export type {
  Disparity,
  DisparityName,
  ExcludedGroup,
  FairnessOptions,
  FairnessReport,
  FourFifths,
  FourFifthsGroup,
  GroupMetrics,
  RateName,
  RateRecord,
} from './types.js'
