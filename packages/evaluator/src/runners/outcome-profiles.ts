import { metricDefinition, type Control } from '@aims-monitor/controls'
import { outcomeCellsFromRows, outcomeCellsQuery, TOO_MANY_CELLS_CODE, type OutcomeCells } from '@aims-monitor/metrics'
import { numberParam, stringParam, type MetricContext } from '../metric-context.js'
import { readsSamePredictions } from './batch-target.js'

/** How a control's binary outcome metrics read predictions and outcomes as positive. */
export interface OutcomeLabels {
  readonly positiveLabel: string
  readonly positiveOutcomeLabel: string | undefined
  readonly scoreThreshold: number | undefined
}

/** The labels of a control as the fairness and performance runners read its params. */
export function outcomeLabelsOf(control: Control): OutcomeLabels {
  return {
    positiveLabel: stringParam(control, 'positiveLabel', '1'),
    positiveOutcomeLabel: stringParam(control, 'positiveOutcomeLabel'),
    scoreThreshold: control.metric.params.scoreThreshold === undefined ? undefined : numberParam(control, 'scoreThreshold', 0.5),
  }
}

/**
 * The outcome cells (metrics' outcomeCellsQuery) of this control's window, shared by every control
 * of the batch that joins the same predictions with their outcomes under the same labels: outcome
 * fairness on any attribute, the confusion-matrix metrics and ROC AUC. One join instead of one per
 * control (at 10M predictions the join is ~0.95 s of CPU, and the bench policy ran three).
 * `need` is what this control reads, included even when the control is not in the batch. Keyed by
 * several attributes, the join is bounded by `maxCombinedCells` (see MAX_COMBINED_CELLS).
 */
export async function outcomeCells(
  context: MetricContext,
  labels: OutcomeLabels,
  need: { attribute?: string | undefined; rocAuc?: boolean | undefined },
  maxCombinedCells = MAX_COMBINED_CELLS,
): Promise<OutcomeCells> {
  return (await cellsOf(context, labels, need, maxCombinedCells, false))!
}

/**
 * The batch's shared join keyed by `attribute` too, for a control that needs no outcome (selection
 * rates): null when the batch makes no join for this target and labels, or its join keyed by all
 * the batch's attributes was refused as too large (the control's own scan is then cheaper than a
 * join of its own).
 */
export async function sharedCellsWith(context: MetricContext, labels: OutcomeLabels, attribute: string, maxCombinedCells = MAX_COMBINED_CELLS): Promise<OutcomeCells | null> {
  if (!batchPlan(context, labels).joins) return null
  return cellsOf(context, labels, { attribute }, maxCombinedCells, true)
}

async function cellsOf(
  context: MetricContext,
  labels: OutcomeLabels,
  need: { attribute?: string | undefined; rocAuc?: boolean | undefined },
  maxCombinedCells: number,
  sharedOnly: boolean,
): Promise<OutcomeCells | null> {
  const plan = batchPlan(context, labels)
  if (need.attribute !== undefined) plan.attributes.add(need.attribute)
  if (need.rocAuc) plan.rocAuc = true
  const combined = [...plan.attributes].sort()
  const optionsFor = (attributes: string[], rocAuc: boolean) => ({
    scope: context.scope, latestOutcomesTable: context.store.table('outcomes_latest'), project: context.project, modelId: context.modelId,
    positiveLabel: labels.positiveLabel, positiveOutcomeLabel: labels.positiveOutcomeLabel, scoreThreshold: labels.scoreThreshold,
    attributes, rocAuc,
  })
  const keyOf = (options: object) => `outcome-cells\u0000${JSON.stringify(options)}`
  const own = (attributes: string[], rocAuc: boolean) => {
    const options = optionsFor(attributes, rocAuc)
    return context.shared(keyOf(options), async () => outcomeCellsFromRows(await context.rows(outcomeCellsQuery(options)), attributes))
  }
  if (combined.length <= 1) return own(combined, plan.rocAuc)
  // Keyed by several attributes, bounded: past the bound the shared result is null (kept for the
  // batch, so the refused join is not tried again by each control) and each control joins by its
  // own attribute alone (shared with any other control that needs just that).
  const options = optionsFor(combined, plan.rocAuc)
  const cells = await context.shared(keyOf(options), async () => {
    try {
      return outcomeCellsFromRows(await context.rows(outcomeCellsQuery({ ...options, maxCells: maxCombinedCells })), combined)
    } catch (error) {
      if (isTooManyCells(error)) return null
      throw error
    }
  })
  if (cells === null && sharedOnly) return null
  return cells ?? own(need.attribute === undefined ? [] : [need.attribute], need.rocAuc === true)
}

/**
 * The most cells one join keyed by several attributes may build (value combinations × up to 8
 * outcome cells). Several protected attributes of a few values each stay far below it; a
 * high-cardinality segment attribute beside another would multiply past it, and the controls then
 * join one attribute each rather than hold millions of cells.
 */
export const MAX_COMBINED_CELLS = 100_000

function isTooManyCells(error: unknown): boolean {
  const e = error as { code?: unknown; type?: unknown; message?: unknown } | null
  return String(e?.code) === TOO_MANY_CELLS_CODE || e?.type === 'TOO_MANY_ROWS' || /TOO_MANY_ROWS|\(158\)/.test(String(e?.message ?? ''))
}

/** Performance metrics read from the join's cells (performance-runner.ts, score-performance.ts). */
const FROM_CELLS = new Set(['accuracy', 'precision', 'recall', 'f1', 'roc_auc'])

/**
 * What the batch's controls with this control's target and labels need from the join, and whether
 * the batch joins at all (`joins`): then the selection-rate fairness controls' attributes are keyed
 * too, so that they read the join's cells (every prediction is in it) instead of a scan of their own.
 */
function batchPlan(context: MetricContext, labels: OutcomeLabels): { attributes: Set<string>; rocAuc: boolean; joins: boolean } {
  const key = JSON.stringify(labels)
  const plan = { attributes: new Set<string>(), rocAuc: false, joins: false }
  const selectionAttributes: string[] = []
  for (const control of context.batch.controls) {
    if (!readsSamePredictions(context, control) || JSON.stringify(outcomeLabelsOf(control)) !== key) continue
    const { kind, name } = control.metric
    // An attribute never recorded is the control's own insufficient data, not a column to read.
    const recorded = control.selector.attribute !== undefined && context.columns.has(`a:${control.selector.attribute}`)
    if (kind === 'fairness' && recorded) {
      if (metricDefinition(kind, name)?.needsOutcomes) {
        plan.attributes.add(control.selector.attribute!)
        plan.joins = true
      } else selectionAttributes.push(control.selector.attribute!)
    }
    if (kind === 'performance' && FROM_CELLS.has(name)) plan.joins = true
    if (kind === 'performance' && name === 'roc_auc') plan.rocAuc = true
  }
  if (plan.joins) for (const attribute of selectionAttributes) plan.attributes.add(attribute)
  return plan
}
