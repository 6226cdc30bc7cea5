import { CATEGORICAL, NUMERIC, type EncodedRows } from './feature-encoder.js'

export interface TrainOptions {
  /** L2 penalty on every weight but the bias. */
  l2: number
  /** Full-batch gradient steps. */
  iterations: number
  learningRate: number
  /** Nesterov momentum: converges in a few hundred steps where plain gradient descent needs thousands. */
  momentum: number
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { l2: 1e-4, iterations: 300, learningRate: 0.5, momentum: 0.9 }

/**
 * Logistic regression by full-batch gradient descent with Nesterov momentum and L2, from zero
 * weights: no randomness, so the same data always gives the same model. Rows are sparse (a few
 * numeric values and one active one-hot column per categorical field), so a step costs
 * O(rows × fields), not O(rows × width).
 */
export function trainLogisticRegression(rows: EncodedRows, labels: Uint8Array, width: number, options: TrainOptions = DEFAULT_TRAIN_OPTIONS): Float64Array {
  const weights = new Float64Array(width)
  const velocity = new Float64Array(width)
  const lookahead = new Float64Array(width)
  const gradient = new Float64Array(width)
  const n = rows.count
  for (let step = 0; step < options.iterations; step++) {
    for (let k = 0; k < width; k++) lookahead[k] = weights[k]! + options.momentum * velocity[k]!
    gradient.fill(0)
    for (let i = 0; i < n; i++) {
      const error = sigmoid(linear(lookahead, rows, i)) - labels[i]!
      gradient[0]! += error
      for (let j = 0; j < NUMERIC.length; j++) gradient[1 + j]! += error * rows.numeric[i * NUMERIC.length + j]!
      for (let j = 0; j < CATEGORICAL.length; j++) {
        const column = rows.categories[i * CATEGORICAL.length + j]!
        if (column >= 0) gradient[column]! += error
      }
    }
    for (let k = 0; k < width; k++) {
      const g = gradient[k]! / n + (k === 0 ? 0 : options.l2 * lookahead[k]!)
      velocity[k] = options.momentum * velocity[k]! - options.learningRate * g
      weights[k]! += velocity[k]!
    }
  }
  return weights
}

/** The model's log-odds for row `i`. */
export function linear(weights: Float64Array, rows: EncodedRows, i: number): number {
  let z = weights[0]!
  for (let j = 0; j < NUMERIC.length; j++) z += weights[1 + j]! * rows.numeric[i * NUMERIC.length + j]!
  for (let j = 0; j < CATEGORICAL.length; j++) {
    const column = rows.categories[i * CATEGORICAL.length + j]!
    if (column >= 0) z += weights[column]!
  }
  return z
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))
}
