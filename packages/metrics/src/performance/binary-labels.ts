// How a label is read as "positive" or "negative" in the binary metrics of the performance and fairness
// families. One rule for both families, so that a TPR in a fairness report and a recall in a performance
// report never disagree about which class is positive.

/** A class label as it arrives from a model or an outcome: string, number or boolean. */
export type Label = string | number | boolean

/** Options shared by every binary metric. */
export interface BinaryLabelOptions {
  /**
   * The label that counts as positive, compared with `===` against every true and predicted label
   * (so `1` does not match `'1'`). Every other label counts as negative (one-vs-rest).
   *
   * When omitted, scikit-learn's and fairlearn's default applies (`pos_label=1`, allowed only when the
   * labels are 0/1 or -1/1): positive labels are exactly `1`, `true` and `'1'`; negative labels are
   * exactly `0`, `-1`, `false`, `'0'` and `'-1'`; any other label throws a TypeError asking for an
   * explicit `positiveLabel` (fairlearn raises "If pos_label is not specified, values must be from
   * {0, 1} or {-1, 1}").
   */
  positiveLabel?: Label
}

const DEFAULT_POSITIVE: ReadonlySet<Label> = new Set<Label>([1, true, '1'])
const DEFAULT_NEGATIVE: ReadonlySet<Label> = new Set<Label>([0, -1, false, '0', '-1'])

/** Reads one label as positive (true) or negative (false); throws on a label it cannot read. */
export type PositivePredicate = (label: unknown, argument: string, index: number) => boolean

/**
 * Builds the predicate that decides whether a label is positive, following {@link BinaryLabelOptions}.
 *
 * @example
 * const isPositive = positivePredicate({ positiveLabel: 'approve' })
 * isPositive('approve', 'yPred', 0) // => true
 * isPositive('reject', 'yPred', 1)  // => false
 */
export function positivePredicate(options: BinaryLabelOptions = {}): PositivePredicate {
  const explicit = options.positiveLabel
  if (explicit !== undefined) {
    assertLabel(explicit, 'positiveLabel')
    return (label, argument, index) => {
      assertLabel(label, `${argument}[${index}]`)
      return label === explicit
    }
  }
  return (label, argument, index) => {
    if (DEFAULT_POSITIVE.has(label as Label)) return true
    if (DEFAULT_NEGATIVE.has(label as Label)) return false
    throw new TypeError(
      `${argument}[${index}] is ${JSON.stringify(label)}: without positiveLabel, labels must be 1/true/'1' ` +
        `(positive) or 0/-1/false/'0'/'-1' (negative); pass positiveLabel to name the positive class`,
    )
  }
}

/** Throws a TypeError unless `value` is a string, a boolean or a non-NaN number. */
export function assertLabel(value: unknown, argument: string): asserts value is Label {
  if (typeof value === 'string' || typeof value === 'boolean') return
  if (typeof value === 'number' && !Number.isNaN(value)) return
  throw new TypeError(`${argument} must be a string, a boolean or a number (not NaN); got ${describe(value)}`)
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return String(value)
  return JSON.stringify(value) ?? typeof value
}
