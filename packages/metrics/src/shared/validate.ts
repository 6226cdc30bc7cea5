// Argument checks for the statistics: every public function rejects bad input with a TypeError or
// RangeError that names the argument, instead of returning NaN (a NaN drift score would silently pass
// a threshold comparison, which is the failure an auditor must never see).

/** Anything indexable by position with a length: plain arrays and typed arrays. */
export type NumericArray = ArrayLike<number>

/** Throws a TypeError unless `values` is an array or typed array, and a RangeError if it is empty. */
export function assertNonEmptyArray(values: unknown, argument: string): asserts values is ArrayLike<unknown> {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw new TypeError(`${argument} must be an array of numbers`)
  }
  if ((values as ArrayLike<unknown>).length === 0) throw new RangeError(`${argument} must not be empty`)
}

/**
 * Throws a TypeError unless every element is a number that is not NaN. Infinities are allowed only when
 * `allowInfinity` is true (rank-based statistics such as KS order them; distances cannot use them).
 */
export function assertNumbers(
  values: ArrayLike<unknown>,
  argument: string,
  options: { allowInfinity?: boolean } = {},
): asserts values is NumericArray {
  const allowInfinity = options.allowInfinity ?? false
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new TypeError(`${argument}[${i}] must be a number, got ${String(v)} (drop or count missing values first)`)
    }
    if (!allowInfinity && !Number.isFinite(v)) {
      throw new RangeError(`${argument}[${i}] must be finite, got ${String(v)}`)
    }
  }
}

/** Throws unless every element is a finite number >= 0 (counts, weights, frequencies). */
export function assertNonNegative(values: ArrayLike<unknown>, argument: string): asserts values is NumericArray {
  assertNumbers(values, argument)
  for (let i = 0; i < values.length; i++) {
    if ((values[i] as number) < 0) throw new RangeError(`${argument}[${i}] must be >= 0, got ${String(values[i])}`)
  }
}

/** Throws a RangeError when two arrays differ in length. */
export function assertSameLength(a: ArrayLike<unknown>, aName: string, b: ArrayLike<unknown>, bName: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`${aName} and ${bName} must have the same length (${a.length} vs ${b.length})`)
  }
}

/** Throws a RangeError unless `value` is an integer >= `min`. */
export function assertInteger(value: unknown, argument: string, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${argument} must be an integer, got ${String(value)}`)
  }
  if (value < min) throw new RangeError(`${argument} must be >= ${min}, got ${value}`)
}
