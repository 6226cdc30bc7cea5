import type { MetricKind } from '@aims-monitor/controls'
import type { MetricComputation, MetricContext } from '../metric-context.js'
import { runDataQuality } from './data-quality-runner.js'
import { runDrift } from './drift-runner.js'
import { runFairness } from './fairness-runner.js'
import { runOperational } from './operational-runner.js'
import { runPerformance } from './performance-runner.js'

/** The runner of each metric kind: turns a (control, window) into values, with the heavy work in ClickHouse. */
export const METRIC_RUNNERS: Record<MetricKind, (context: MetricContext) => Promise<MetricComputation>> = {
  drift: runDrift,
  fairness: runFairness,
  performance: runPerformance,
  data_quality: runDataQuality,
  operational: runOperational,
}
