
/**
 * Decile bins from the hourly feature rollup's fine histogram (packages/store/src/rollup-table-ddl.ts,
 * featureHistogramKeySql). Each key stands for an interval of values (a bucket); a bucket that lies
 * on one side of every edge is counted exactly; one that an edge cuts (a straddling bucket) is split
 * in proportion to the overlap, and its count bounds the error of the bins it touches. A feature
 * whose values are their own keys (integers up to 1,024, flags, anything with ≤ 10 significant
 * bits) therefore bins exactly against any edges.
 */

export { bucketOfKey, nextUp, type Bucket } from '@aims-monitor/store'
import { nextUp, type Bucket } from '@aims-monitor/store'

export interface HistogramBins {
  /** Per bin [e(i), e(i+1)) (the last one closed), the count, exact or estimated. */
  readonly counts: number[]
  /** Per bin, how far its count can be from the exact count (0 when exact). */
  readonly errors: number[]
  readonly below: number
  readonly above: number
  /** Values counted (the buckets' total). */
  readonly total: number
  readonly approximate: boolean
}

/**
 * Bins a histogram at edges e0 < … < ek like binCountsQuery: [e(i), e(i+1)), the last bin closed,
 * values below e0 and above ek apart. A straddling bucket's count is spread over the bins it
 * touches in proportion to the overlap of its interval (as if uniform), and each of those bins'
 * error grows by the larger of its share and the rest (the exact part lies between 0 and the count).
 */
export function binHistogram(buckets: readonly Bucket[], edges: readonly number[]): HistogramBins {
  const k = edges.length - 1
  const counts = new Array<number>(k).fill(0)
  const errors = new Array<number>(k).fill(0)
  let below = 0
  let above = 0
  let total = 0
  let approximate = false
  // Slot −1 is below, 0..k−1 the bins, k above.
  const add = (slot: number, n: number) => {
    if (slot < 0) below += n
    else if (slot >= k) above += n
    else counts[slot]! += n
  }
  for (const b of buckets) {
    total += b.count
    const first = lowestSlot(b, edges)
    const last = highestSlot(b, edges)
    if (first === last) {
      add(first, b.count)
      continue
    }
    approximate = true
    const width = b.hi - b.lo
    let assigned = 0
    for (let slot = first; slot <= last; slot++) {
      const from = Math.max(b.lo, slot < 0 ? -Infinity : edges[slot]!)
      const to = Math.min(b.hi, slot < 0 ? edges[0]! : slot >= k ? Infinity : edges[slot + 1]!)
      // The last slot takes the remainder, so the bucket's count is kept whole.
      const share = slot === last ? b.count - assigned : Number.isFinite(width) && width > 0 ? (b.count * Math.max(0, to - from)) / width : 0
      assigned += share
      add(slot, share)
      if (slot >= 0 && slot < k) errors[slot]! += Math.max(share, b.count - share)
    }
  }
  return { counts, errors, below, above, total, approximate }
}

/** The slot every value of the bucket is at least in. */
function lowestSlot(b: Bucket, edges: readonly number[]): number {
  const k = edges.length - 1
  // The lowest double of the bucket: above an open lower end, the next one up.
  const least = b.loOpen ? nextUp(b.lo) : b.lo
  if (least > edges[k]!) return k
  let slot = -1
  for (let j = 0; j < k; j++) if (least >= edges[j]!) slot = j
  return slot
}

/** The slot every value of the bucket is at most in. */
function highestSlot(b: Bucket, edges: readonly number[]): number {
  const k = edges.length - 1
  if (b.hi > edges[k]!) return k
  let slot = -1
  for (let j = 0; j < k; j++) if (b.hiOpen ? b.hi > edges[j]! : b.hi >= edges[j]!) slot = j
  return slot
}

/**
 * Deciles (or any levels) of the finite values of a histogram, each moved down to the lowest
 * value of its bucket, so that binning at them cuts no bucket and the counts are exact: each is
 * within one bucket (2^-FEATURE_HISTOGRAM_BITS of the value) of the exact quantile. NaN for every
 * level when there is no finite value.
 */
export function histogramQuantiles(buckets: readonly Bucket[], levels: readonly number[]): number[] {
  const finite = buckets.filter((b) => Number.isFinite(b.lo) && Number.isFinite(b.hi) && b.count > 0).sort((a, b) => a.lo - b.lo || a.hi - b.hi)
  const n = finite.reduce((s, b) => s + b.count, 0)
  if (n === 0) return levels.map(() => NaN)
  return levels.map((q) => {
    const rank = Math.floor(q * (n - 1)) // 0-based rank of the value at or below the quantile
    let seen = 0
    for (const b of finite) {
      seen += b.count
      if (seen > rank) return b.loOpen ? nextUp(b.lo) : b.lo
    }
    const top = finite[finite.length - 1]!
    return top.loOpen ? nextUp(top.lo) : top.lo
  })
}
