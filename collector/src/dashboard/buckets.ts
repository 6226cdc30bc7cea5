import type { ParamBag } from '@aims-monitor/metrics'
import type { TimeRange } from './time-range.js'

const MINUTE_MS = 60_000

/** Time buckets over a range: `count` buckets of `bucketMs`, the first starting at the range's `from`. */
export interface BucketPlan {
  readonly origin: number
  readonly bucketMs: number
  readonly count: number
}

/**
 * At most `buckets` buckets covering the range, each a whole number of minutes (at least one):
 * the range divided by `buckets`, rounded up to the minute, so 24 hours in 48 buckets are 30
 * minutes each. Buckets start at `from`, so the first and last line up with the range picked.
 *
 * @example
 * planBuckets({ from: 0, to: 86_400_000 }, 48) // { origin: 0, bucketMs: 1_800_000, count: 48 }
 */
export function planBuckets(range: TimeRange, buckets: number): BucketPlan {
  const span = range.to - range.from
  const bucketMs = Math.max(MINUTE_MS, Math.ceil(span / buckets / MINUTE_MS) * MINUTE_MS)
  return { origin: range.from, bucketMs, count: Math.ceil(span / bucketMs) }
}

/** The bucket index of each row (`ts` column), every value bound. */
export function bucketExpression(plan: BucketPlan, bag: ParamBag): string {
  const origin = bag.bind('bucket_origin', 'Int64', plan.origin)
  const size = bag.bind('bucket_ms', 'Int64', plan.bucketMs)
  return `intDiv(toUnixTimestamp64Milli(ts) - ${origin}, ${size})`
}

/** Bucket start times (epoch ms), in order. */
export function bucketStarts(plan: BucketPlan): number[] {
  return Array.from({ length: plan.count }, (_, i) => plan.origin + i * plan.bucketMs)
}
