import { assertNonNegative } from '../shared/validate.js'
import { alignCategoryCounts, type CategoryCounts } from './categoryCounts.js'
import { chiSquareTest } from './chiSquare.js'
import { jensenShannonDistance } from './jensenShannon.js'
import { zTestProportions } from './zTest.js'

// Evidently's categorical drift tests, from category counts (what ClickHouse returns cheaply):
// - chi-square (chisquare_stattest.py): f_exp = reference count * (n_current / n_reference),
//   f_obs = current count, over the union of categories, scipy.stats.chisquare(f_obs, f_exp). A
//   category seen only in the current data has f_exp = 0: scipy's statistic is then +inf and p = 0.
//   We return exactly that, explicitly, and name the unseen categories.
// - Jensen-Shannon (jensenshannon.py): distance between the two proportion vectors, no zero fill.
// - z-test (z_stattest.py): for two categories; the first category in sorted order is "0", the other
//   "1" (Evidently's mapping), and the z statistic compares the share of the other category.

export interface CategoricalChiSquare {
  statistic: number
  pValue: number
  dof: number
  /** Categories present in the current data only: their presence alone makes p = 0. */
  unseenCategories: string[]
}

/**
 * Evidently's chi-square drift test from category counts.
 *
 * Conventions: categories are the union of keys; a category unseen in the reference gives statistic
 * +Infinity and p-value 0 (as scipy on Evidently's input), reported in `unseenCategories`; a single
 * category overall has no degrees of freedom: RangeError (Evidently would use the z-test there).
 *
 * @example
 * chiSquareDrift({ a: 30, b: 50, c: 20 }, { a: 20, b: 50, c: 30 }) // { statistic: 8.33…, pValue: 0.0155…, dof: 2, unseenCategories: [] }
 */
export function chiSquareDrift(reference: CategoryCounts, current: CategoryCounts): CategoricalChiSquare {
  const aligned = alignCategoryCounts(reference, current)
  const nRef = aligned.reference.reduce((a, b) => a + b, 0)
  const nCur = aligned.current.reduce((a, b) => a + b, 0)
  if (!(nRef > 0)) throw new RangeError('reference must have a positive total')
  if (!(nCur > 0)) throw new RangeError('current must have a positive total')
  if (aligned.keys.length < 2) throw new RangeError('chi-square needs at least 2 categories (use the z-test for 2 or fewer)')
  const dof = aligned.keys.length - 1
  if (aligned.unseenInReference.length > 0) {
    return { statistic: Infinity, pValue: 0, dof, unseenCategories: aligned.unseenInReference }
  }
  const kNorm = nCur / nRef
  const expected = Float64Array.from(aligned.reference, (c) => c * kNorm)
  const { statistic, pValue } = chiSquareTest(aligned.current, expected)
  return { statistic, pValue, dof, unseenCategories: [] }
}

/**
 * Evidently's Jensen-Shannon drift score from category counts (union of categories, natural log).
 *
 * @example
 * jensenShannonDrift({ a: 1, b: 1 }, { a: 1, c: 1 }) // 0.5887… (disjoint halves)
 */
export function jensenShannonDrift(reference: CategoryCounts, current: CategoryCounts): number {
  const aligned = alignCategoryCounts(reference, current)
  return jensenShannonDistance(aligned.reference, aligned.current)
}

/**
 * Evidently's z-test drift from counts of (at most) two categories.
 *
 * Conventions: categories sorted as strings (Evidently sorts the values); the first is the "0" level;
 * one category overall (the same constant on both sides) gives p = 1, as Evidently's special case;
 * more than two categories is a RangeError.
 *
 * @example
 * zTestDrift({ no: 90, yes: 10 }, { no: 80, yes: 20 }) // { statistic: -1.98…, pValue: 0.0476… }
 */
export function zTestDrift(reference: CategoryCounts, current: CategoryCounts): { statistic: number; pValue: number } {
  const aligned = alignCategoryCounts(reference, current)
  assertNonNegative(aligned.reference, 'reference')
  if (aligned.keys.length > 2) throw new RangeError(`the z-test compares 2 categories, got ${aligned.keys.length}`)
  const order = aligned.keys.map((k, i) => [k, i] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const n1 = aligned.reference.reduce((a, b) => a + b, 0)
  const n2 = aligned.current.reduce((a, b) => a + b, 0)
  const second = order[1]
  const s1 = second ? (aligned.reference[second[1]] as number) : 0
  const s2 = second ? (aligned.current[second[1]] as number) : 0
  return zTestProportions(s1, n1, s2, n2)
}
