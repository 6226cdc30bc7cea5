import { assertInteger } from '../shared/validate.js'

// Automatic choice of the drift test per column, compatible with Evidently's default rule
// (evidently/legacy/calculations/stattests/registry.py, `_get_default_stattest`, with the thresholds
// and comparisons of each test's file):
//   reference rows <= 1000:
//     numeric, > 5 distinct values       -> Kolmogorov-Smirnov p-value, drift when p <= 0.05 (ks_stattest.py)
//     numeric 3-5 / categorical > 2      -> chi-square p-value, drift when p < 0.05 (chisquare_stattest.py)
//     <= 2 distinct values (and binary)  -> two-proportion z-test p-value, drift when p < 0.05 (z_stattest.py)
//   reference rows > 1000:
//     numeric, > 5 distinct values       -> Wasserstein distance / reference std, drift when >= 0.1
//     otherwise                          -> Jensen-Shannon distance, drift when >= 0.1
// "distinct values" counts the non-missing values of reference and current together (Evidently:
// pd.concat([reference, current]).nunique()). Evidently has no binary type (it reaches the z-test
// through the <= 2 values rule); 'binary' here means a column known to have two levels.

export type ColumnKind = 'numeric' | 'categorical' | 'binary'
export type DriftTestName = 'ks' | 'chisquare' | 'z' | 'wasserstein_normed' | 'jensenshannon'

export interface DriftTestInput {
  kind: ColumnKind
  /** Number of non-missing reference rows. */
  referenceSize: number
  /** Distinct non-missing values over reference and current together. */
  uniqueValues: number
}

export interface DriftTestChoice {
  test: DriftTestName
  /** What the score is: a p-value (small means drift) or a distance (large means drift). */
  score: 'p_value' | 'distance'
  threshold: number
  /** 'below': drift when the score is below the threshold; 'above': when it is above. */
  direction: 'below' | 'above'
  /** Whether equality counts as drift (Evidently: KS p <= t, chi-square and z p < t, distances >= t). */
  inclusive: boolean
  /** The rule applied, in words, to record with the result. */
  rule: string
  /** Where the rule comes from. */
  source: string
}

const SOURCE = 'Evidently default stattest (evidently/legacy/calculations/stattests/registry.py, _get_default_stattest)'

const TESTS: Record<DriftTestName, Omit<DriftTestChoice, 'rule' | 'source' | 'test'> & { label: string }> = {
  ks: { label: 'Kolmogorov-Smirnov p-value', score: 'p_value', threshold: 0.05, direction: 'below', inclusive: true },
  chisquare: { label: 'chi-square p-value', score: 'p_value', threshold: 0.05, direction: 'below', inclusive: false },
  z: { label: 'two-proportion z-test p-value', score: 'p_value', threshold: 0.05, direction: 'below', inclusive: false },
  wasserstein_normed: { label: 'Wasserstein distance normed by the reference std', score: 'distance', threshold: 0.1, direction: 'above', inclusive: true },
  jensenshannon: { label: 'Jensen-Shannon distance', score: 'distance', threshold: 0.1, direction: 'above', inclusive: true },
}

function choice(test: DriftTestName, why: string): DriftTestChoice {
  const { label, ...spec } = TESTS[test]
  const comparator = spec.direction === 'below' ? (spec.inclusive ? '<=' : '<') : spec.inclusive ? '>=' : '>'
  return { test, ...spec, rule: `${why}: ${label}, drift when score ${comparator} ${spec.threshold}`, source: SOURCE }
}

/**
 * Picks the drift test for a column as Evidently's default rule does, and says why.
 *
 * Conventions: referenceSize and uniqueValues count non-missing values; a reference with no rows or a
 * column with no non-missing value is a RangeError (there is nothing to test: record the evaluation as
 * insufficient data); a 'binary' column with more than 2 distinct values is a RangeError.
 *
 * @example
 * chooseDriftTest({ kind: 'numeric', referenceSize: 500, uniqueValues: 42 })
 * // { test: 'ks', score: 'p_value', threshold: 0.05, direction: 'below', inclusive: true, rule: 'reference 500 rows <= 1000, numeric with 42 distinct values > 5: …', … }
 */
export function chooseDriftTest(input: DriftTestInput): DriftTestChoice {
  const { kind, referenceSize, uniqueValues } = input
  if (kind !== 'numeric' && kind !== 'categorical' && kind !== 'binary') {
    throw new RangeError(`kind must be 'numeric', 'categorical' or 'binary', got ${String(kind)}`)
  }
  assertInteger(referenceSize, 'referenceSize', 1)
  assertInteger(uniqueValues, 'uniqueValues', 1)
  if (kind === 'binary' && uniqueValues > 2) {
    throw new RangeError(`a binary column has at most 2 distinct values, got ${uniqueValues}`)
  }
  const small = referenceSize <= 1000
  const size = `reference ${referenceSize} rows ${small ? '<= 1000' : '> 1000'}`
  const values = `${uniqueValues} distinct value${uniqueValues === 1 ? '' : 's'}`
  if (small) {
    if (kind === 'numeric' && uniqueValues > 5) return choice('ks', `${size}, numeric with ${values} > 5`)
    if (uniqueValues > 2) return choice('chisquare', `${size}, ${kind} with ${values} > 2${kind === 'numeric' ? ' and <= 5' : ''}`)
    return choice('z', `${size}, ${kind} with ${values} <= 2`)
  }
  if (kind === 'numeric' && uniqueValues > 5) return choice('wasserstein_normed', `${size}, numeric with ${values} > 5`)
  return choice('jensenshannon', `${size}, ${kind} with ${values}${kind === 'numeric' ? ' <= 5' : ''}`)
}

/**
 * Applies a choice's threshold and direction to a score.
 *
 * @example
 * isDrift(0.05, chooseDriftTest({ kind: 'numeric', referenceSize: 100, uniqueValues: 50 })) // true (KS: p <= 0.05)
 */
export function isDrift(score: number, chosen: Pick<DriftTestChoice, 'threshold' | 'direction' | 'inclusive'>): boolean {
  if (Number.isNaN(score)) throw new TypeError('score must be a number, got NaN')
  if (chosen.direction === 'below') return chosen.inclusive ? score <= chosen.threshold : score < chosen.threshold
  return chosen.inclusive ? score >= chosen.threshold : score > chosen.threshold
}
