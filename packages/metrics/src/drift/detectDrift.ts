import { InsufficientDataError } from '../shared/errors.js'
import { countCategories } from './categoryCounts.js'
import { chiSquareDrift, jensenShannonDrift } from './categoricalDrift.js'
import { chooseDriftTest, isDrift, type ColumnKind, type DriftTestChoice } from './chooseDriftTest.js'
import { ksTest, type KsMethod } from './ksTest.js'
import { normedWassersteinDistance } from './normedWasserstein.js'
import { zTestProportions } from './zTest.js'

// One column's drift check end to end, as Evidently's get_one_column_drift
// (evidently/legacy/calculations/data_drift.py) does it: drop missing values (numeric: NaN and
// ±Infinity, which Evidently turns into NaN and drops; categorical: null, undefined, NaN), refuse an
// empty side, pick the test with Evidently's default rule, run it, apply the threshold. The result
// carries the rule applied and the sizes, so it can be recorded as evidence as is.

type Category = string | number | boolean | null | undefined

export type DriftColumn =
  | { kind: 'numeric'; reference: ArrayLike<number>; current: ArrayLike<number> }
  | { kind: 'categorical' | 'binary'; reference: ArrayLike<Category>; current: ArrayLike<Category> }

export interface DriftResult {
  kind: ColumnKind
  choice: DriftTestChoice
  /** The score compared with the threshold: a p-value or a distance (see choice.score). */
  score: number
  drifted: boolean
  /** The test statistic where the test has one (KS D, chi-square, z). */
  statistic?: number
  /** The p-value for the p-value tests. */
  pValue?: number
  /** How the KS p-value was computed. */
  ksMethod?: KsMethod
  /** Categories present only in the current data (chi-square: they alone make p = 0). */
  unseenCategories?: string[]
  referenceSize: number
  currentSize: number
  /** Missing values dropped before the test (NaN, ±Infinity for numeric; null/undefined/NaN otherwise). */
  referenceMissing: number
  currentMissing: number
  /** Distinct non-missing values over both sides, as the rule counts them. */
  uniqueValues: number
}

function finiteNumbers(values: ArrayLike<number>, name: string): { kept: Float64Array; missing: number } {
  const kept: number[] = []
  let missing = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number') throw new TypeError(`${name}[${i}] must be a number, got ${String(v)}`)
    if (Number.isFinite(v)) kept.push(v)
    else missing++
  }
  return { kept: Float64Array.from(kept), missing }
}

function countNumbers(values: Float64Array): Map<string, number> {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1)
  return counts
}

/**
 * Drift of one column between reference and current data, with Evidently's default test choice.
 *
 * Conventions: missing values are dropped and counted; a side with no value left throws
 * InsufficientDataError (record the evaluation as insufficient data); numeric columns with few
 * distinct values are treated as categories (chi-square, z-test, Jensen-Shannon) as Evidently does;
 * for the z-test the smallest value (numeric order, or string order for categories) is the "0" level.
 *
 * @example
 * detectDrift({ kind: 'numeric', reference: [1, 2, 3, 4, 5, 6, 7], current: [4, 5, 6, 7, 8, 9, 10] })
 * // { choice: { test: 'ks', rule: 'reference 7 rows <= 1000, numeric with 10 distinct values > 5: …', … },
 * //   score: 0.5751748251748252, drifted: false, statistic: 0.42857142857142855, ksMethod: 'exact', … }
 */
export function detectDrift(column: DriftColumn): DriftResult {
  let refCounts: Map<string, number>
  let curCounts: Map<string, number>
  let refMissing: number
  let curMissing: number
  let refNumbers: Float64Array | null = null
  let curNumbers: Float64Array | null = null
  if (column.kind === 'numeric') {
    const ref = finiteNumbers(column.reference, 'reference')
    const cur = finiteNumbers(column.current, 'current')
    refNumbers = ref.kept
    curNumbers = cur.kept
    refMissing = ref.missing
    curMissing = cur.missing
    refCounts = countNumbers(ref.kept)
    curCounts = countNumbers(cur.kept)
  } else {
    const ref = countCategories(column.reference)
    const cur = countCategories(column.current)
    refCounts = ref.counts
    curCounts = cur.counts
    refMissing = ref.missing
    curMissing = cur.missing
  }
  const referenceSize = column.reference.length - refMissing
  const currentSize = column.current.length - curMissing
  if (referenceSize === 0) throw new InsufficientDataError('no non-missing values', 'reference')
  if (currentSize === 0) throw new InsufficientDataError('no non-missing values', 'current')
  const uniqueValues = new Set([...refCounts.keys(), ...curCounts.keys()]).size
  const choice = chooseDriftTest({ kind: column.kind, referenceSize, uniqueValues })
  const base = { kind: column.kind, choice, referenceSize, currentSize, referenceMissing: refMissing, currentMissing: curMissing, uniqueValues }

  switch (choice.test) {
    case 'ks': {
      const r = ksTest(refNumbers as Float64Array, curNumbers as Float64Array)
      return { ...base, score: r.pValue, drifted: isDrift(r.pValue, choice), statistic: r.statistic, pValue: r.pValue, ksMethod: r.method }
    }
    case 'wasserstein_normed': {
      const score = normedWassersteinDistance(refNumbers as Float64Array, curNumbers as Float64Array)
      return { ...base, score, drifted: isDrift(score, choice) }
    }
    case 'jensenshannon': {
      const score = jensenShannonDrift(refCounts, curCounts)
      return { ...base, score, drifted: isDrift(score, choice) }
    }
    case 'chisquare': {
      const r = chiSquareDrift(refCounts, curCounts)
      return { ...base, score: r.pValue, drifted: isDrift(r.pValue, choice), statistic: r.statistic, pValue: r.pValue, unseenCategories: r.unseenCategories }
    }
    case 'z': {
      const keys = [...new Set([...refCounts.keys(), ...curCounts.keys()])]
      keys.sort(column.kind === 'numeric' ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0))
      const other = keys[1]
      const s1 = other === undefined ? 0 : (refCounts.get(other) ?? 0)
      const s2 = other === undefined ? 0 : (curCounts.get(other) ?? 0)
      const r = zTestProportions(s1, referenceSize, s2, currentSize)
      return { ...base, score: r.pValue, drifted: isDrift(r.pValue, choice), statistic: r.statistic, pValue: r.pValue }
    }
  }
}
