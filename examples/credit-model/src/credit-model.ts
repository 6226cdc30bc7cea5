import type { Applicant, LabeledApplicant } from './adult-data.js'
import { CATEGORICAL, FeatureEncoder, NUMERIC, type EncodedRows } from './feature-encoder.js'
import { DEFAULT_TRAIN_OPTIONS, linear, sigmoid, trainLogisticRegression, type TrainOptions } from './logistic-regression.js'

/** A trained credit model: the probability that an applicant's income is above 50K. */
export interface CreditModel {
  /** P(income > 50K) for one applicant. Reads no `this`, so it can be passed around and wrapped as it is. */
  predict(applicant: Applicant): number
  /** Share of `rows` whose label the model gets right at `threshold`. */
  accuracy(rows: readonly LabeledApplicant[], threshold: number): number
  readonly width: number
}

export function trainCreditModel(train: readonly LabeledApplicant[], options: TrainOptions = DEFAULT_TRAIN_OPTIONS): CreditModel {
  const encoder = FeatureEncoder.fit(train.map((r) => r.applicant))
  const rows = encoder.encode(train.map((r) => r.applicant))
  const labels = Uint8Array.from(train, (r) => (r.highIncome ? 1 : 0))
  const weights = trainLogisticRegression(rows, labels, encoder.width, options)
  // One reusable row for serving: predict allocates nothing.
  const scratch: EncodedRows = { count: 1, numeric: new Float64Array(NUMERIC.length), categories: new Int32Array(CATEGORICAL.length) }
  const predict = (applicant: Applicant): number => {
    encoder.encodeInto(applicant, scratch, 0)
    return sigmoid(linear(weights, scratch, 0))
  }
  return {
    predict,
    accuracy(test, threshold) {
      let right = 0
      for (const row of test) if (predict(row.applicant) >= threshold === row.highIncome) right++
      return test.length === 0 ? NaN : right / test.length
    },
    width: encoder.width,
  }
}
