// Quantiles of sorted data with numpy's default method ('linear', Hyndman & Fan type 7): the virtual
// index is q*(n-1) and neighbours are blended with numpy's two-sided lerp (numpy/lib/_function_base_impl.py,
// `_lerp`), which interpolates from the nearer end so that q=1 returns the maximum exactly.

/**
 * The q-quantile (0 <= q <= 1) of ascending, NaN-free data, as `np.quantile(a, q)`.
 *
 * @example
 * quantileSorted([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) throw new RangeError('sorted must not be empty')
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be in [0, 1], got ${q}`)
  const virtualIndex = (n - 1) * q
  const lower = Math.floor(virtualIndex)
  const upper = Math.min(lower + 1, n - 1)
  const gamma = virtualIndex - lower
  const a = sorted[lower] as number
  const b = sorted[upper] as number
  const diff = b - a
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma
}
