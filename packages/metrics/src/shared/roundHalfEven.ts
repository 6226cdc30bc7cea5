// numpy's `np.round` (and Python's `round`) round halves to the even neighbour, while JavaScript's
// Math.round rounds them up. scipy's KS code rounds with np.round (the lattice index h = round(d*lcm)
// and the effective sample size round(n1*n2/(n1+n2))), so reproducing its numbers needs the same rule.

/**
 * Rounds to the nearest integer, halves to even.
 *
 * @example
 * roundHalfEven(2.5) // 2
 * roundHalfEven(3.5) // 4
 */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x
  const floor = Math.floor(x)
  const diff = x - floor
  if (diff < 0.5) return floor
  if (diff > 0.5) return floor + 1
  return floor % 2 === 0 ? floor : floor + 1
}
