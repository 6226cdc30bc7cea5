/**
 * A prediction as the store writes it: a validated wire event with its id mapped to a UUID, its
 * labels as strings and its receive time. Numbers that are absent are NaN, strings that are absent
 * are empty (see prediction-layout.ts for why nothing is Nullable).
 */
export interface PredictionRecord {
  id: string
  timestampMs: number
  receivedMs: number
  modelId: string
  modelVersion: string
  environment: string
  status: 'ok' | 'error'
  errorType: string
  outputLabel: string
  outputScore: number
  outputValue: number
  latencyMs: number
  /** Items a streaming call yielded; NaN for a call that was not a stream. */
  streamItems: number
  traceId: string
  spanId: string
  features: Readonly<Record<string, number | string | boolean>>
  attributes: Readonly<Record<string, number | string | boolean>>
}

export interface OutcomeRecord {
  predictionId: string
  timestampMs: number
  receivedMs: number
  modelId: string
  modelVersion: string
  label: string
  value: number
}
