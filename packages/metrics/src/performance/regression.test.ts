import { describe, expect, it } from 'vitest'
import { meanAbsoluteError, rootMeanSquaredError } from './index.js'

describe('regression errors', () => {
  it('reproduce the scikit-learn docstring examples', () => {
    // mean_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.5
    expect(meanAbsoluteError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])).toBe(0.5)
    // root_mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.612...
    expect(rootMeanSquaredError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])).toBeCloseTo(0.6123724356957945, 15)
  })

  it('reject NaN, Infinity, empty and mismatched input', () => {
    expect(() => meanAbsoluteError([1, Number.NaN], [1, 2])).toThrow(/yTrue\[1\]/)
    expect(() => rootMeanSquaredError([1], [Number.POSITIVE_INFINITY])).toThrow(/yPred\[0\]/)
    expect(() => meanAbsoluteError([], [])).toThrow(RangeError)
    expect(() => meanAbsoluteError([1, 2], [1])).toThrow(RangeError)
  })
})
