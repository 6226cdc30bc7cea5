import { FEATURE_HISTOGRAM_BITS } from './rollup-table-ddl.js'

/**
 * The inverse of featureHistogramKeySql (rollup-table-ddl.ts): which values a key of the hourly
 * feature rollup stands for. Read by the dashboard (decile bins) and the evaluator (where to look
 * for exact quantiles), so that both decode the keys the view writes the same way.
 */

const MIN_NORMAL = 2.2250738585072014e-308

/** The values one key stands for: `lo`..`hi`, each end open or closed. */
export interface Bucket {
  readonly lo: number
  readonly hi: number
  readonly loOpen: boolean
  readonly hiOpen: boolean
  readonly count: number
}

const view = new DataView(new ArrayBuffer(8))
function fromBits(bits: bigint): number {
  view.setBigUint64(0, bits)
  return view.getFloat64(0)
}
function toBits(x: number): bigint {
  view.setFloat64(0, x)
  return view.getBigUint64(0)
}

/** The next double up (toward +∞) from x (−∞ → −MAX_VALUE, +∞ stays). */
export function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE
  if (x === Infinity) return x
  const bits = toBits(x)
  return fromBits(x > 0 ? bits + 1n : bits - 1n)
}

/**
 * The bucket of a key given as the decimal text of its IEEE-754 bits (what the query returns, so
 * that no key loses a bit through JSON).
 * @throws {RangeError} for NaN (missing values have no key).
 */
export function bucketOfKey(bitsText: string, count: number): Bucket {
  const key = fromBits(BigInt(bitsText))
  if (Number.isNaN(key)) throw new RangeError(`a histogram key is NaN (bits ${bitsText})`)
  return bucketOfKeyValue(key, count)
}

/**
 * The bucket of a key given as a number (keys have at most ten significant bits, so their decimal
 * JSON form is short and exact).
 * @throws {RangeError} for NaN.
 */
export function bucketOfKeyValue(key: number, count: number): Bucket {
  if (Number.isNaN(key)) throw new RangeError('a histogram key is NaN')
  if (key === 0 || !Number.isFinite(key)) return { lo: key, hi: key, loOpen: false, hiOpen: false, count }
  if (Math.abs(key) < MIN_NORMAL) {
    // The subnormals' sentinel: every value strictly between 0 and ±MIN_NORMAL.
    return key > 0 ? { lo: 0, hi: MIN_NORMAL, loOpen: true, hiOpen: true, count } : { lo: -MIN_NORMAL, hi: 0, loOpen: true, hiOpen: true, count }
  }
  // Mantissa truncated toward zero: [key, next) above zero, (−next, key] below. The largest keys'
  // next overflows to ∞: their buckets end at ±MAX_VALUE, closed (the same finite values), so that
  // a range read off the keys stays finite.
  const next = nextKey(Math.abs(key))
  if (next === Infinity) return key > 0 ? { lo: key, hi: Number.MAX_VALUE, loOpen: false, hiOpen: false, count } : { lo: -Number.MAX_VALUE, hi: key, loOpen: false, hiOpen: false, count }
  return key > 0 ? { lo: key, hi: next, loOpen: false, hiOpen: true, count } : { lo: -next, hi: key, loOpen: true, hiOpen: false, count }
}

// The next key up from a positive key: its bits plus one step of the kept mantissa. The step is
// bit 52 − FEATURE_HISTOGRAM_BITS of the double, in its high 32-bit word, so the word is added to
// directly (a carry runs into the exponent, as in the 64-bit sum): the BigInt form of the same sum
// cost ~1 µs a key, ~65 ms for the ~70k keys of a reference day on the evaluator bench.
const word = new Float64Array(1)
const words = new Uint32Array(word.buffer)
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0 // the high word's index: 1 on little-endian machines
const HIGH_STEP = 1 << (52 - FEATURE_HISTOGRAM_BITS - 32)
if (52 - FEATURE_HISTOGRAM_BITS < 32) throw new Error('feature histogram keys keep too many mantissa bits for nextKey (the step leaves the high word)')
function nextKey(positiveKey: number): number {
  word[0] = positiveKey
  words[HIGH] = words[HIGH]! + HIGH_STEP
  return word[0]
}
