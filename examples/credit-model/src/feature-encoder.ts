import type { Applicant } from './adult-data.js'

/**
 * The model's inputs. `race` and `sex` are deliberately absent: they are protected attributes,
 * recorded by the monitor for fairness checks, never read by the model. (Proxies such as
 * `relationship` = Husband/Wife remain: that is what fairness monitoring is there to catch.)
 */
export const CATEGORICAL = ['workclass', 'education', 'maritalStatus', 'occupation', 'relationship', 'nativeCountry'] as const
export const NUMERIC = ['age', 'educationNum', 'capitalGain', 'capitalLoss', 'hoursPerWeek'] as const

/** Capital gains and losses are 0 for ~90% of people and up to 99,999: log1p before standardizing. */
const LOG_SCALED: ReadonlySet<string> = new Set(['capitalGain', 'capitalLoss'])

/** The category a missing value (`?` in the data) is encoded as. */
const MISSING = '(missing)'

/** Rows encoded for the model: per row NUMERIC.length standardized values and CATEGORICAL.length one-hot column indices. */
export interface EncodedRows {
  count: number
  numeric: Float64Array
  /** Weight index of each row's category per categorical column; -1 for a category unseen in training. */
  categories: Int32Array
}

/**
 * One-hot encoding of the categorical fields and standardization of the numeric ones, fitted on the
 * training data. Weight layout: [bias, NUMERIC…, one-hot columns…].
 */
export class FeatureEncoder {
  readonly width: number
  private readonly mean: Float64Array
  private readonly std: Float64Array
  private readonly columns: Map<string, number>[]

  private constructor(mean: Float64Array, std: Float64Array, columns: Map<string, number>[], width: number) {
    this.mean = mean
    this.std = std
    this.columns = columns
    this.width = width
  }

  /** Fits the encoder: category lists sorted (so the layout never depends on row order), means and standard deviations. */
  static fit(applicants: readonly Applicant[]): FeatureEncoder {
    const mean = new Float64Array(NUMERIC.length)
    const std = new Float64Array(NUMERIC.length)
    NUMERIC.forEach((field, j) => {
      let sum = 0
      let sumSquares = 0
      for (const a of applicants) {
        const x = numericValue(a, field)
        sum += x
        sumSquares += x * x
      }
      mean[j] = sum / applicants.length
      std[j] = Math.sqrt(Math.max(sumSquares / applicants.length - mean[j]! ** 2, 1e-12))
    })
    let next = 1 + NUMERIC.length
    const columns = CATEGORICAL.map((field) => {
      const seen = [...new Set(applicants.map((a) => a[field] ?? MISSING))].sort()
      return new Map(seen.map((category) => [category, next++]))
    })
    return new FeatureEncoder(mean, std, columns, next)
  }

  encode(applicants: readonly Applicant[]): EncodedRows {
    const rows: EncodedRows = {
      count: applicants.length,
      numeric: new Float64Array(applicants.length * NUMERIC.length),
      categories: new Int32Array(applicants.length * CATEGORICAL.length),
    }
    applicants.forEach((a, i) => this.encodeInto(a, rows, i))
    return rows
  }

  /** Writes one applicant into row `i` of `rows`, without allocating (the serving path). */
  encodeInto(a: Applicant, rows: EncodedRows, i: number): void {
    for (let j = 0; j < NUMERIC.length; j++) {
      rows.numeric[i * NUMERIC.length + j] = (numericValue(a, NUMERIC[j]!) - this.mean[j]!) / this.std[j]!
    }
    for (let j = 0; j < CATEGORICAL.length; j++) {
      rows.categories[i * CATEGORICAL.length + j] = this.columns[j]!.get(a[CATEGORICAL[j]!] ?? MISSING) ?? -1
    }
  }
}

function numericValue(a: Applicant, field: (typeof NUMERIC)[number]): number {
  const x = a[field]
  return LOG_SCALED.has(field) ? Math.log1p(x) : x
}
