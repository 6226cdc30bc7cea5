// Argument checks shared by the performance and fairness families: every public function rejects bad
// input with a RangeError or TypeError that names the argument, instead of returning NaN.

/** Throws a TypeError unless `values` is an array, and a RangeError if it is empty. */
export function assertNonEmptyArray(values: unknown, argument: string): asserts values is readonly unknown[] {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw new TypeError(`${argument} must be an array`)
  }
  if ((values as ArrayLike<unknown>).length === 0) throw new RangeError(`${argument} must not be empty`)
}

// The same check for both families: one definition, in shared/.
export { assertSameLength } from '../shared/validate.js'

/** Throws a TypeError unless every value is a finite number. */
export function assertFiniteNumbers(values: ArrayLike<unknown>, argument: string): asserts values is ArrayLike<number> {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new TypeError(`${argument}[${i}] must be a finite number; got ${String(v)}`)
    }
  }
}

/** Throws unless every value is a finite number in [0, 1] (a probability). */
export function assertProbabilities(values: ArrayLike<unknown>, argument: string): asserts values is ArrayLike<number> {
  assertFiniteNumbers(values, argument)
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (v < 0 || v > 1) throw new RangeError(`${argument}[${i}] must be a probability in [0, 1]; got ${v}`)
  }
}
