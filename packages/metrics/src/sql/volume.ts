import { ParamBag, type SqlQuery } from './params.js'
import { assertRows, countCell, type ResultRow } from './rows.js'
import { scopeClause, type PredictionScope } from './scope.js'

export interface VolumeBucket {
  /** Bucket start, epoch milliseconds (a multiple of the bucket length since the epoch, UTC). */
  readonly start: number
  readonly predictions: number
  /** Predictions with status 'error' (the model call failed). */
  readonly errors: number
}

/** Most buckets a window may hold. */
export const MAX_BUCKETS = 100_000

/**
 * Prediction volume per time bucket (and errors), for traffic panels and "enough data?" guards.
 * Buckets are `intDiv(epoch ms, bucketMs) · bucketMs`: aligned to the Unix epoch, free of time
 * zones (a day bucket is a UTC day).
 *
 * @example
 * const { query, params } = volumeQuery({ scope, bucketMs: 3_600_000 })
 * const buckets = volumeFromRows(rows, scope.window, 3_600_000) // every hour of the window, empty ones as 0
 * @throws {RangeError} for a bucket that is not a positive whole number of milliseconds, or a
 *   window of more than MAX_BUCKETS buckets.
 */
export function volumeQuery(options: { scope: PredictionScope; bucketMs: number }): SqlQuery {
  checkBucket(options.bucketMs, options.scope.window)
  const bag = new ParamBag()
  const bucket = bag.bind('bucket_ms', 'Int64', options.bucketMs)
  const query = `SELECT
  intDiv(toUnixTimestamp64Milli(ts), ${bucket}) * ${bucket} AS start,
  count() AS predictions,
  countIf(status = 'error') AS errors
${scopeClause(options.scope, bag)}
GROUP BY start
ORDER BY start`
  return { query, params: bag.values }
}

/**
 * Reads the rows of {@link volumeQuery}, with a zero bucket for every bucket of the window that
 * had no prediction (the query only returns non-empty ones).
 *
 * @example
 * volumeFromRows([{ start: '0', predictions: '4', errors: '1' }], { from: 0, to: 2000 }, 1000)
 * // [{ start: 0, predictions: 4, errors: 1 }, { start: 1000, predictions: 0, errors: 0 }]
 * @throws {TypeError} on rows of another shape.
 */
export function volumeFromRows(rows: readonly ResultRow[], window: { from: number; to: number }, bucketMs: number): VolumeBucket[] {
  checkBucket(bucketMs, window)
  assertRows(rows, 'rows')
  const at = 'volumeFromRows'
  const byStart = new Map<number, { predictions: number; errors: number }>()
  for (const row of rows) {
    const start = countCell(row, 'start', at)
    byStart.set(start, { predictions: countCell(row, 'predictions', at), errors: countCell(row, 'errors', at) })
  }
  const buckets: VolumeBucket[] = []
  for (let start = Math.floor(window.from / bucketMs) * bucketMs; start < window.to; start += bucketMs) {
    buckets.push({ start, ...(byStart.get(start) ?? { predictions: 0, errors: 0 }) })
  }
  return buckets
}

function checkBucket(bucketMs: number, window: { from: number; to: number }): void {
  if (!Number.isSafeInteger(bucketMs) || bucketMs < 1) throw new RangeError(`bucketMs: expected a positive whole number of milliseconds, got ${bucketMs}`)
  if (!(window && window.from < window.to)) throw new RangeError('window: expected from < to')
  if ((window.to - window.from) / bucketMs > MAX_BUCKETS) throw new RangeError(`bucketMs: the window would hold more than ${MAX_BUCKETS} buckets`)
}
