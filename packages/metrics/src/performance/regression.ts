// Mean absolute error and root mean squared error, as scikit-learn's mean_absolute_error and
// root_mean_squared_error (sklearn/metrics/_regression.py) for one output without sample weights.

import { mean, rootMeanSquare } from 'simple-statistics'
import { assertFiniteNumbers, assertNonEmptyArray, assertSameLength } from './validate.js'

/**
 * Mean of |yTrue - yPred|. Non-finite values (NaN, ±Infinity) throw a TypeError, as scikit-learn rejects
 * them.
 *
 * @example
 * meanAbsoluteError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) // => 0.5 (scikit-learn's documentation example)
 */
export function meanAbsoluteError(yTrue: readonly number[], yPred: readonly number[]): number {
  return mean(errors(yTrue, yPred).map(Math.abs))
}

/**
 * Square root of the mean of (yTrue - yPred)². Non-finite values throw a TypeError.
 *
 * @example
 * rootMeanSquaredError([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) // => 0.6123724356957945 (scikit-learn's example: 0.612...)
 */
export function rootMeanSquaredError(yTrue: readonly number[], yPred: readonly number[]): number {
  return rootMeanSquare(errors(yTrue, yPred))
}

function errors(yTrue: readonly number[], yPred: readonly number[]): number[] {
  assertNonEmptyArray(yTrue, 'yTrue')
  assertNonEmptyArray(yPred, 'yPred')
  assertSameLength(yTrue, 'yTrue', yPred, 'yPred')
  assertFiniteNumbers(yTrue, 'yTrue')
  assertFiniteNumbers(yPred, 'yPred')
  const out = new Array<number>(yTrue.length)
  for (let i = 0; i < yTrue.length; i++) out[i] = (yTrue[i] as number) - (yPred[i] as number)
  return out
}
