import { assertNonEmptyArray } from '../shared/validate.js'

// Counts of values per bin on given edges, with np.histogram's bin rule: bins are [e_i, e_{i+1}),
// except the last, which is closed [e_{k-1}, e_k]. Nothing is dropped silently: NaN values and values
// outside [e_0, e_k] are counted apart, so counts + nan + below + above = values.length.

export interface BinCounts {
  /** counts[i] = number of values in bin i. */
  counts: number[]
  /** NaN values (missing), in no bin. */
  nan: number
  /** Values below the first edge. */
  below: number
  /** Values above the last edge. */
  above: number
}

/**
 * Bins `values` on ascending `edges` (at least 2).
 *
 * Conventions: NaN counted in `nan`; ±Infinity are ordinary values (they fall in an open outer bin
 * when the edges are ±Infinity, else in `below`/`above`). For PSI or Jensen-Shannon, use edges with
 * open ends ({@link quantileEdges}) or add `below`/`above` as bins, and decide whether missing values
 * are a bin of their own (Evidently drops them).
 *
 * @example
 * binCounts([0.5, 1, 2, 3, NaN, 9], [0, 1, 2, 3]) // { counts: [1, 1, 2], nan: 1, below: 0, above: 1 }
 */
export function binCounts(values: ArrayLike<number>, edges: ArrayLike<number>): BinCounts {
  assertNonEmptyArray(edges, 'edges')
  if (edges.length < 2) throw new RangeError('edges must have at least 2 values')
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]
    if (typeof e !== 'number' || Number.isNaN(e)) throw new TypeError(`edges[${i}] must be a number, got ${String(e)}`)
    if (i > 0 && !(e > (edges[i - 1] as number))) throw new RangeError(`edges must be strictly increasing (edges[${i}] = ${e})`)
  }
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) throw new TypeError('values must be an array of numbers')
  const k = edges.length - 1
  const counts = new Array<number>(k).fill(0)
  let nan = 0
  let below = 0
  let above = 0
  const first = edges[0] as number
  const last = edges[k] as number
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number') throw new TypeError(`values[${i}] must be a number, got ${String(v)}`)
    if (Number.isNaN(v)) {
      nan++
      continue
    }
    if (v < first) {
      below++
      continue
    }
    if (v > last) {
      above++
      continue
    }
    if (v === last) {
      counts[k - 1] = (counts[k - 1] as number) + 1
      continue
    }
    // Largest i with edges[i] <= v (binary search).
    let lo = 0
    let hi = k
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1
      if ((edges[mid] as number) <= v) lo = mid
      else hi = mid
    }
    counts[lo] = (counts[lo] as number) + 1
  }
  return { counts, nan, below, above }
}

