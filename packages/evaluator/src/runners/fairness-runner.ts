import {
  confusionByGroupFromRows, confusionOfCells, selectionOfCells, fairnessGroupsOf, fairnessMetricsFromCounts,
  type FairnessReport, type GroupMetrics, type RateName,
} from '@aims-monitor/metrics'
import { metricDefinition } from '@aims-monitor/controls'
import { ParamBag, quoteIdentifier, scopeClause } from '@aims-monitor/metrics'
import { InsufficientData, numberParam, stringParam, type MetricComputation, type MetricContext } from '../metric-context.js'
import { outcomeCells, outcomeLabelsOf, sharedCellsWith } from './outcome-profiles.js'

/** The metric's value from a fairness report, or null with the report's reason. */
const VALUE_OF: Record<string, (report: FairnessReport) => number | null> = {
  demographic_parity_difference: (r) => r.demographicParityDifference,
  demographic_parity_ratio: (r) => r.demographicParityRatio,
  four_fifths: (r) => r.fourFifths.ratio,
  equal_opportunity_difference: (r) => r.equalOpportunityDifference,
  equalized_odds_difference: (r) => r.equalizedOddsDifference,
  equalized_odds_ratio: (r) => r.equalizedOddsRatio,
  predictive_parity_difference: (r) => r.predictiveParityDifference,
  false_positive_rate_difference: (r) => rateDifference(r, 'fpr'),
  false_negative_rate_difference: (r) => rateDifference(r, 'fnr'),
}

/**
 * Groups a fairness control compares at most. An attribute with more values is an identifier, not
 * a protected or segment attribute: comparing its values says nothing, and the evaluation record
 * (which lists every group) would grow with the traffic. Such a window is recorded as insufficient
 * data, with the reason.
 */
export const MAX_FAIRNESS_GROUPS = 1000

/**
 * Group fairness over the window's predictions that have an outcome: confusion matrices per value of
 * the protected attribute computed in ClickHouse (one join, one GROUP BY), the report from the
 * statistics package (fairlearn's definitions, Wilson intervals, minimum group size). Groups under
 * `selector.minGroupShare` of the labelled predictions are excluded and reported.
 */
export async function runFairness(context: MetricContext): Promise<MetricComputation> {
  const { control } = context
  const attribute = control.selector.attribute!
  if (!context.columns.has(`a:${attribute}`)) throw new InsufficientData(`attribute ${attribute} has never been recorded for model ${context.modelId}`)
  const positiveLabel = stringParam(control, 'positiveLabel', '1')
  const scoreThreshold = control.metric.params.scoreThreshold === undefined ? undefined : numberParam(control, 'scoreThreshold', 0.5)
  const selectionOnly = !metricDefinition(control.metric.kind, control.metric.name)!.needsOutcomes
  // Outcome metrics read the batch's shared join (outcome-profiles.ts): the same counts as
  // confusionByGroupQuery grouped by this attribute.
  const labels = outcomeLabelsOf(control)
  // Selection rates from the batch's join when it makes one anyway (every prediction is in its
  // cells), else from a scan of their own.
  const shared = selectionOnly ? await sharedCellsWith(context, labels, attribute) : null
  const confusion = selectionOnly
    ? (shared ? selectionOfCells(shared, attribute) : confusionByGroupFromRows(await selectionRows(context, attribute, positiveLabel, scoreThreshold)))
    : confusionOfCells(await outcomeCells(context, labels, { attribute }), attribute)
  const { overall } = confusion
  const sizes = { current: overall.predictions, labelled: selectionOnly ? null : overall.labelled }
  const groupCount = Object.keys(confusion.byGroup).length
  if (groupCount > MAX_FAIRNESS_GROUPS) {
    throw new InsufficientData(`${attribute} has ${groupCount.toLocaleString('en-US')} values in the window; a fairness control compares at most ${MAX_FAIRNESS_GROUPS.toLocaleString('en-US')} groups (send a grouped attribute, e.g. an age band or a region, rather than an identifier)`, sizes)
  }
  if (overall.labelled < control.guard.minSample) {
    throw new InsufficientData(selectionOnly
      ? `${overall.predictions} predictions < minSample ${control.guard.minSample}`
      : `${overall.labelled} labelled predictions (label coverage ${(overall.coverage * 100).toFixed(1)} %) < minSample ${control.guard.minSample}`, sizes)
  }
  const excludedGroups: { group: string; size: number; reason: string }[] = []
  const groups = fairnessGroupsOf(confusion)
  for (const [group, matrix] of Object.entries(confusion.byGroup)) {
    if (group === '') {
      if (matrix.labelled > 0) excludedGroups.push({ group: '(attribute missing)', size: matrix.labelled, reason: `predictions without ${attribute} are not a group` })
      continue
    }
    const share = matrix.labelled / overall.labelled
    if (share < control.selector.minGroupShare) {
      delete groups[group]
      excludedGroups.push({ group, size: matrix.labelled, reason: `${(share * 100).toFixed(2)} % of labelled predictions < minGroupShare ${(control.selector.minGroupShare * 100).toFixed(2)} %` })
    }
  }
  if (Object.keys(groups).length === 0) throw new InsufficientData(`no value of ${attribute} left to compare`, sizes)
  const report = fairnessMetricsFromCounts({ groups, minGroupSize: control.guard.minPerGroup })
  for (const excluded of report.excludedGroups) {
    // A whole group below minPerGroup, or only one rate of a sufficient group (e.g. its precision,
    // when it has few predicted positives): the latter says which rate, the group itself is compared.
    const reason = excluded.rate === 'all' ? excluded.reason : `only its ${excluded.rate} is left out of comparisons: ${excluded.reason}`
    excludedGroups.push({ group: excluded.group, size: excluded.count, reason })
  }
  const value = VALUE_OF[control.metric.name]!(report)
  const byGroup = Object.fromEntries(Object.entries(report.byGroup).map(([group, metrics]) => [group, groupDetail(metrics, confusion.byGroup[group]!, selectionOnly)]))
  const detail = {
    attribute, positiveLabel, scoreThreshold: scoreThreshold ?? null,
    byGroup,
    disparities: selectionOnly ? { demographicParityDifference: report.disparities.demographicParityDifference, demographicParityRatio: report.disparities.demographicParityRatio } : report.disparities,
    fourFifths: { ratio: report.fourFifths.ratio, passes: report.fourFifths.passes, referenceGroup: report.fourFifths.referenceGroup, failingGroups: report.fourFifths.failingGroups },
  }
  return {
    items: [value === null
      ? { name: attribute, value: null, insufficient: disparityReason(report, control.metric.name) ?? 'fewer than two groups with enough members to compare', detail }
      : { name: attribute, value, detail }],
    currentSize: overall.predictions,
    referenceSize: null,
    labelled: selectionOnly ? null : overall.labelled,
    labelCoverage: selectionOnly ? null : overall.coverage,
    excludedGroups,
    implementation: `@aims-monitor/metrics fairnessMetricsFromCounts (fairlearn definitions, Wilson 95 % intervals, minGroupSize ${control.guard.minPerGroup}) over ${selectionOnly ? 'selection counts of every prediction' : 'confusion matrices of labelled predictions'} per ${attribute} computed in ClickHouse`,
    detail,
  }
}

/**
 * Demographic parity and the four-fifths rule compare selection rates, which need no ground truth:
 * they are computed over every prediction of the window, not only the labelled ones (waiting for
 * labels would leave them insufficient for the whole label delay). The rows take the shape of the
 * confusion query with every prediction "labelled" as its own prediction (tp = predicted positive,
 * tn = predicted negative), so the fairness report's selection rates, intervals and group sizes
 * are exact; its outcome-based rates are not read for these metrics and are left out of the record.
 */
async function selectionRows(context: MetricContext, attribute: string, positiveLabel: string, scoreThreshold: number | undefined) {
  const bag = new ParamBag()
  const predicted = scoreThreshold !== undefined ? `output_score >= ${bag.float64('score_threshold', scoreThreshold)}` : `output_label = ${bag.bind('positive_label', 'String', positiveLabel)}`
  return context.rows({
    query: `SELECT toString(${quoteIdentifier(`a:${attribute}`)}) AS grp, countIf(${predicted}) AS tp, toUInt64(0) AS fp, countIf(NOT (${predicted})) AS tn, toUInt64(0) AS fn,
                   count() AS predictions, count() AS labelled
            ${scopeClause(context.scope, bag)} GROUP BY grp ORDER BY grp`,
    params: bag.values,
  })
}

/** Largest minus smallest of one rate over the groups compared (sufficient group and denominator). */
function rateDifference(report: FairnessReport, rate: RateName): number | null {
  const values = Object.values(report.byGroup)
    .filter((g) => !g.insufficient && !g.insufficientRates.includes(rate) && g[rate] !== null)
    .map((g) => g[rate] as number)
  return values.length < 2 ? null : Math.max(...values) - Math.min(...values)
}

function disparityReason(report: FairnessReport, metric: string): string | undefined {
  const name = ({
    demographic_parity_difference: 'demographicParityDifference', demographic_parity_ratio: 'demographicParityRatio',
    four_fifths: 'demographicParityRatio', equal_opportunity_difference: 'equalOpportunityDifference',
    equalized_odds_difference: 'equalizedOddsDifference', equalized_odds_ratio: 'equalizedOddsRatio',
    predictive_parity_difference: 'predictiveParityDifference',
  } as const)[metric as 'demographic_parity_difference']
  return name ? report.disparities[name].reason : undefined
}

function groupDetail(metrics: GroupMetrics, matrix: { predictions: number; labelled: number; coverage: number }, selectionOnly: boolean) {
  if (selectionOnly) {
    return { predictions: matrix.predictions, selected: metrics.counts.tp, selectionRate: metrics.selectionRate, interval: metrics.intervals.selectionRate, insufficient: metrics.insufficient }
  }
  return {
    predictions: matrix.predictions, labelled: matrix.labelled, labelCoverage: matrix.coverage,
    counts: metrics.counts,
    selectionRate: metrics.selectionRate, tpr: metrics.tpr, fpr: metrics.fpr, fnr: metrics.fnr, precision: metrics.precision,
    intervals: metrics.intervals,
    insufficient: metrics.insufficient,
    insufficientRates: metrics.insufficientRates,
  }
}
