// Division whose zero-denominator case is decided by the caller, never a silent NaN or Infinity.

/**
 * Returns `numerator / denominator`, or `whenZero` when the denominator is 0 (the caller states what an
 * empty group, an empty window or a constant column means for its statistic).
 *
 * @example
 * safeDivide(3, 4, 0) // 0.75
 * safeDivide(0, 0, null) // null
 */
export function safeDivide<T>(numerator: number, denominator: number, whenZero: T): number | T {
  if (denominator === 0) return whenZero
  return numerator / denominator
}
