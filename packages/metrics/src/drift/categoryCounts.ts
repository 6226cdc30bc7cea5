import { assertNonNegative } from '../shared/validate.js'

// Category counts keyed by name, aligned on the union of both sides' keys (Evidently's
// `get_unique_not_nan_values_list_from_series`: the union of reference and current values).

/** Counts (or proportions) per category name. */
export type CategoryCounts = Readonly<Record<string, number>> | ReadonlyMap<string, number>

export interface AlignedCounts {
  /** Union of the categories, in first-seen order (reference first). */
  keys: string[]
  reference: Float64Array
  current: Float64Array
  /** Categories present in the current data with no reference count (unseen categories). */
  unseenInReference: string[]
  /** Categories of the reference with no current count. */
  missingInCurrent: string[]
}

function entries(counts: CategoryCounts, name: string): [string, number][] {
  if (counts === null || typeof counts !== 'object') throw new TypeError(`${name} must be an object or Map of counts`)
  const list = counts instanceof Map ? [...counts.entries()] : Object.entries(counts)
  const values = list.map(([, v]) => v)
  assertNonNegative(values, `${name} counts`)
  return list
}

/**
 * Aligns two keyed count objects on the union of their keys (0 where a side lacks a key).
 *
 * @example
 * alignCategoryCounts({ a: 2 }, { b: 1 }) // keys ['a', 'b'], reference [2, 0], current [0, 1]
 */
export function alignCategoryCounts(reference: CategoryCounts, current: CategoryCounts): AlignedCounts {
  const ref = new Map(entries(reference, 'reference'))
  const cur = new Map(entries(current, 'current'))
  const keys = [...new Set([...ref.keys(), ...cur.keys()])]
  if (keys.length === 0) throw new RangeError('reference and current have no categories')
  return {
    keys,
    reference: Float64Array.from(keys, (k) => ref.get(k) ?? 0),
    current: Float64Array.from(keys, (k) => cur.get(k) ?? 0),
    unseenInReference: keys.filter((k) => (ref.get(k) ?? 0) === 0 && (cur.get(k) ?? 0) > 0),
    missingInCurrent: keys.filter((k) => (cur.get(k) ?? 0) === 0 && (ref.get(k) ?? 0) > 0),
  }
}

/**
 * Counts raw categorical values. NaN, null and undefined are counted apart (`missing`), never as a
 * category (Evidently drops them before its tests).
 *
 * @example
 * countCategories(['a', 'b', 'a', null]) // { counts: Map { 'a' => 2, 'b' => 1 }, missing: 1 }
 */
export function countCategories(
  values: ArrayLike<string | number | boolean | null | undefined>,
): { counts: Map<string, number>; missing: number } {
  const counts = new Map<string, number>()
  let missing = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      missing++
      continue
    }
    const key = String(v)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return { counts, missing }
}
