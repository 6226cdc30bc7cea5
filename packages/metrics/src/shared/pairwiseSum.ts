// numpy's `np.sum` on a float64 array uses pairwise summation (numpy/_core/src/umath/loops_utils.h.src,
// `pairwise_sum`): blocks of at most 128 elements summed with 8 interleaved accumulators, and larger
// ranges split in two halves (the split rounded down to a multiple of 8). Summing in the same order
// makes our totals agree with scipy's to the last bit in most cases, and keeps the rounding error at
// O(log n) instead of the O(n) of a plain loop.

const PW_BLOCKSIZE = 128

/**
 * Sums `values[start .. start+length)` in numpy's pairwise order.
 *
 * @example
 * pairwiseSum([0.1, 0.2, 0.3]) // 0.6000000000000001, as np.sum gives
 */
export function pairwiseSum(values: ArrayLike<number>, start = 0, length = values.length - start): number {
  if (length < 8) {
    // numpy starts from -0.0 so that a sum of negative zeros stays -0.0; irrelevant here, 0 is fine.
    let res = 0
    for (let i = 0; i < length; i++) res += values[start + i] as number
    return res
  }
  if (length <= PW_BLOCKSIZE) {
    let r0 = values[start] as number
    let r1 = values[start + 1] as number
    let r2 = values[start + 2] as number
    let r3 = values[start + 3] as number
    let r4 = values[start + 4] as number
    let r5 = values[start + 5] as number
    let r6 = values[start + 6] as number
    let r7 = values[start + 7] as number
    let i = 8
    for (; i < length - (length % 8); i += 8) {
      const k = start + i
      r0 += values[k] as number
      r1 += values[k + 1] as number
      r2 += values[k + 2] as number
      r3 += values[k + 3] as number
      r4 += values[k + 4] as number
      r5 += values[k + 5] as number
      r6 += values[k + 6] as number
      r7 += values[k + 7] as number
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7))
    for (; i < length; i++) res += values[start + i] as number
    return res
  }
  let n2 = Math.floor(length / 2)
  n2 -= n2 % 8
  return pairwiseSum(values, start, n2) + pairwiseSum(values, start + n2, length - n2)
}
