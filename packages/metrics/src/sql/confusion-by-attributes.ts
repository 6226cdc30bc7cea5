import { binaryOutcomeExpressions, type ConfusionByGroup, type ConfusionByGroupOptions, type GroupConfusion } from './confusion-by-group.js'
import { addCells, emptyCells, flagCell, withCoverage, type ConfusionCells } from './confusion-cells.js'
import { quoteIdentifier } from './identifiers.js'
import { outcomeJoin } from './outcome-join.js'
import { ParamBag, type SqlQuery } from './params.js'
import { assertRows, countCell, stringCell, type ResultRow } from './rows.js'

/** Attributes one statement breaks the confusion matrix down by (one grouping set each). */
export const MAX_ATTRIBUTES = 16

export interface ConfusionByAttributesOptions extends Omit<ConfusionByGroupOptions, 'groupBy'> {
  /** Attributes (columns `a:<name>`), each a grouping set over the same join; 1..{@link MAX_ATTRIBUTES}. */
  readonly attributes: readonly string[]
}

/** Per attribute, what {@link confusionByGroupQuery} returns for it; `overall` is the same for all. */
export interface ConfusionByAttributes {
  readonly overall: GroupConfusion
  /** Attribute → group value → confusion; the group '' holds predictions without the attribute. */
  readonly byAttribute: Readonly<Record<string, Readonly<Record<string, GroupConfusion>>>>
}

/**
 * Confusion matrices per group for several attributes from ONE join: the predictions of the window
 * with their latest outcome (see {@link outcomeJoin}), then `GROUP BY GROUPING SETS ((a0, predicted,
 * actual, matched), (a1, …), …)` counting rows. Each attribute's matrices equal
 * {@link confusionByGroupQuery}'s for it; the join, which is most of the cost, runs once. Measured
 * over 10M predictions and outcomes (docs/metrics.md, "Outcome join"): two attributes 2.4 s against
 * 3.8 s for two statements.
 *
 * @example
 * const q = confusionByAttributesQuery({ scope, latestOutcomesTable: store.table('outcomes_latest'), project: 'default',
 *   modelId: 'credit-risk', attributes: ['sex', 'race'], positiveLabel: 'approve', positiveOutcomeLabel: 'repaid' })
 * const c = confusionByAttributesFromRows(rows, ['sex', 'race'])
 * fairnessMetricsFromCounts({ groups: fairnessGroupsOf(confusionOfAttribute(c, 'race')) })
 * @throws {TypeError} for bad tables, labels or attribute names (empty, repeated); {@link RangeError}
 *   for no or more than {@link MAX_ATTRIBUTES} attributes or a NaN threshold.
 */
export function confusionByAttributesQuery(options: ConfusionByAttributesOptions): SqlQuery {
  const attributes = attributesOf(options.attributes)
  const bag = new ParamBag()
  const { predicted, actual } = binaryOutcomeExpressions(options, bag)
  const join = outcomeJoin(options, bag, {
    predictions: [...attributes.map((name, i) => `${quoteIdentifier(`a:${name}`)} AS a${i}`), `${predicted} AS predicted`],
    outcome: [`${actual} AS actual`],
  })
  const names = attributes.map((_, i) => `a${i}`)
  // grouping(x) = 0 when x is a key of the row's set (the SQL standard, pinned in the settings).
  const set = `multiIf(${names.map((a, i) => `grouping(${a}) = 0, ${i}, `).join('')}255)`
  const query = `SELECT
  ${set} AS grouping_set,
  ${[...names, 'predicted', 'actual', 'matched'].join(', ')},
  count() AS n
FROM
(
  SELECT ${names.map((a) => `p.${a} AS ${a}, `).join('')}p.predicted AS predicted, o.actual AS actual, o.matched AS matched
  FROM ${join.from}
)
GROUP BY GROUPING SETS (${names.map((a) => `(${a}, predicted, actual, matched)`).join(', ')})
ORDER BY grouping_set, ${[...names, 'predicted', 'actual', 'matched'].join(', ')}
${join.settings}, force_grouping_standard_compatibility = 1`
  return { query, params: bag.values }
}

/**
 * Reads the rows of {@link confusionByAttributesQuery} (the same attributes, in the same order).
 *
 * @example
 * confusionByAttributesFromRows(rows, ['sex']).byAttribute.sex.f // { tp, fp, tn, fn, predictions, labelled, coverage }
 * @throws {TypeError} on rows of another shape; {@link RangeError} for a grouping set the statement
 *   does not have, or attributes whose groups do not hold the same predictions.
 */
export function confusionByAttributesFromRows(rows: readonly ResultRow[], attributes: readonly string[]): ConfusionByAttributes {
  assertRows(rows, 'rows')
  const names = attributesOf(attributes)
  const at = 'confusionByAttributesFromRows'
  const groups = names.map(() => new Map<string, ConfusionCells>())
  for (const row of rows) {
    const set = countCell(row, 'grouping_set', at)
    if (set >= names.length) throw new RangeError(`${at}: grouping set ${set} is not one of the statement's ${names.length}`)
    const group = stringCell(row, `a${set}`, at)
    const cells = groups[set]!.get(group) ?? emptyCells()
    addCells(cells, countCell(row, 'n', at), flagCell(row, 'predicted', at), flagCell(row, 'actual', at), flagCell(row, 'matched', at))
    groups[set]!.set(group, cells)
  }
  const overall = sumOf(groups[0]!.values())
  const byAttribute: Record<string, Record<string, GroupConfusion>> = {}
  names.forEach((name, i) => {
    const total = sumOf(groups[i]!.values())
    if (JSON.stringify(total) !== JSON.stringify(overall)) throw new RangeError(`${at}: the groups of ${name} do not hold the same predictions as those of ${names[0]}`)
    const sorted = [...groups[i]!].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    byAttribute[name] = Object.fromEntries(sorted.map(([group, cells]) => [group, withCoverage(cells)]))
  })
  return { overall: withCoverage(overall), byAttribute }
}

/**
 * One attribute's matrices in the shape of {@link confusionByGroupFromRows} (for `fairnessGroupsOf`).
 * @example
 * fairnessGroupsOf(confusionOfAttribute(confusionByAttributesFromRows(rows, ['sex', 'race']), 'race'))
 * @throws {RangeError} for an attribute the statement did not group by.
 */
export function confusionOfAttribute(confusion: ConfusionByAttributes, attribute: string): ConfusionByGroup {
  const byGroup = confusion.byAttribute[attribute]
  if (byGroup === undefined) throw new RangeError(`attribute: ${JSON.stringify(attribute)} is not one of ${JSON.stringify(Object.keys(confusion.byAttribute))}`)
  return { byGroup, overall: confusion.overall }
}

function sumOf(cells: Iterable<ConfusionCells>): ConfusionCells {
  const sum = emptyCells()
  for (const c of cells) for (const key of Object.keys(sum) as (keyof ConfusionCells)[]) sum[key] += c[key]
  return sum
}

function attributesOf(attributes: readonly string[]): readonly string[] {
  if (!Array.isArray(attributes)) throw new TypeError('attributes: expected an array of attribute names')
  if (attributes.length === 0 || attributes.length > MAX_ATTRIBUTES) throw new RangeError(`attributes: expected 1..${MAX_ATTRIBUTES} names, got ${attributes.length}`)
  attributes.forEach((name, i) => {
    if (typeof name !== 'string' || name === '') throw new TypeError(`attributes[${i}]: expected a non-empty attribute name`)
  })
  if (new Set(attributes).size !== attributes.length) throw new TypeError('attributes: an attribute is named twice')
  return attributes
}
