import { confusionOfCells, type ConfusionCounts } from '@aims-monitor/metrics'
import { InsufficientData, type MetricComputation, type MetricContext } from '../metric-context.js'
import { outcomeCells, outcomeLabelsOf } from './outcome-profiles.js'
import { runScorePerformance } from './score-performance.js'

const FROM_CONFUSION = new Set(['accuracy', 'precision', 'recall', 'f1'])

/**
 * Model performance over the window's predictions that have an outcome. Label metrics (accuracy,
 * precision, recall, F1) come from the confusion matrix computed in ClickHouse; score and value
 * metrics (ROC AUC, log loss, Brier, calibration error, MAE, RMSE) from score aggregates
 * (score-performance.ts).
 */
export async function runPerformance(context: MetricContext): Promise<MetricComputation> {
  const { control } = context
  if (!FROM_CONFUSION.has(control.metric.name)) return runScorePerformance(context)
  const labels = outcomeLabelsOf(control)
  const positiveLabel = labels.positiveLabel
  // The batch's shared join (outcome-profiles.ts): the same counts as confusionByGroupQuery overall.
  const { overall } = confusionOfCells(await outcomeCells(context, labels, {}), null)
  if (overall.labelled === 0) throw new InsufficientData(`no prediction in the window has an outcome (${overall.predictions} predictions)`, { current: overall.predictions, labelled: 0 })
  const counts = { tp: overall.tp, fp: overall.fp, tn: overall.tn, fn: overall.fn }
  const value = fromConfusion(control.metric.name, counts)
  return {
    items: [value === null
      ? { name: 'model', value: null, insufficient: `${control.metric.name} is undefined for this confusion matrix (a zero denominator)`, detail: { confusion: counts } }
      : { name: 'model', value, detail: { confusion: counts, positiveLabel } }],
    currentSize: overall.predictions,
    referenceSize: null,
    labelled: overall.labelled,
    labelCoverage: overall.coverage,
    excludedGroups: [],
    implementation: `@aims-monitor/metrics ${control.metric.name} (scikit-learn's definition; a zero denominator is insufficient data, not 0) over the confusion matrix computed in ClickHouse`,
    detail: { confusion: counts },
  }
}

/** scikit-learn's binary definitions from the counts; null where the denominator is 0. */
function fromConfusion(name: string, c: ConfusionCounts): number | null {
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b)
  switch (name) {
    case 'accuracy': return ratio(c.tp + c.tn, c.tp + c.fp + c.tn + c.fn)
    case 'precision': return ratio(c.tp, c.tp + c.fp)
    case 'recall': return ratio(c.tp, c.tp + c.fn)
    default: return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn)
  }
}
