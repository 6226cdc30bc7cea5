import type { OutcomeRecord, PredictionRecord } from '@aims-monitor/store'

/** Test data only (excluded from the build): a valid prediction record with a sequential UUID. */
export function predictionRecord(
  n: number,
  overrides: Partial<PredictionRecord> = {},
): PredictionRecord {
  return {
    id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    timestampMs: Date.UTC(2026, 0, 1) + n,
    receivedMs: Date.UTC(2026, 0, 1) + n,
    modelId: 'm',
    modelVersion: '1',
    environment: 'production',
    status: 'ok',
    errorType: '',
    outputLabel: 'yes',
    outputScore: 0.5,
    outputValue: NaN,
    latencyMs: 3,
    streamItems: NaN,
    traceId: '',
    spanId: '',
    features: { x: n },
    attributes: { segment: 'a' },
    ...overrides,
  }
}

/** The outcome of `prediction`, one millisecond later. */
export function outcomeRecord(prediction: PredictionRecord, overrides: Partial<OutcomeRecord> = {}): OutcomeRecord {
  return {
    predictionId: prediction.id,
    timestampMs: prediction.timestampMs + 1,
    receivedMs: prediction.receivedMs + 1,
    modelId: prediction.modelId,
    modelVersion: prediction.modelVersion,
    label: 'yes',
    value: NaN,
    ...overrides,
  }
}
