import { toEventUuid, type OutcomeEvent, type PredictionEvent, type WireEvent } from '@aims-monitor/schema'
import type { OutcomeRecord, PredictionRecord } from '@aims-monitor/store'

/** Environment of a prediction that names none. */
export const DEFAULT_ENVIRONMENT = 'production'

/** Splits validated wire events into the records the store writes. */
export function toRecords(events: readonly WireEvent[], receivedMs: number): { predictions: PredictionRecord[]; outcomes: OutcomeRecord[] } {
  const predictions: PredictionRecord[] = []
  const outcomes: OutcomeRecord[] = []
  for (const event of events) {
    if (event.type === 'prediction') predictions.push(toPredictionRecord(event, receivedMs))
    else outcomes.push(toOutcomeRecord(event, receivedMs))
  }
  return { predictions, outcomes }
}

/** For each prediction record toRecords makes of `events`, the index of its event in `events`. */
export function predictionPositions(events: readonly WireEvent[]): number[] {
  const positions: number[] = []
  events.forEach((event, index) => {
    if (event.type === 'prediction') positions.push(index)
  })
  return positions
}

export function toPredictionRecord(event: PredictionEvent, receivedMs: number): PredictionRecord {
  const output = event.output
  return {
    id: toEventUuid(event.id),
    timestampMs: event.timestamp,
    receivedMs,
    modelId: event.model.id,
    modelVersion: event.model.version,
    environment: event.environment ?? DEFAULT_ENVIRONMENT,
    status: event.error ? 'error' : 'ok',
    errorType: event.error?.type ?? '',
    outputLabel: output?.label === undefined ? '' : String(output.label),
    outputScore: output?.score ?? NaN,
    outputValue: output?.value ?? NaN,
    latencyMs: event.latencyMs ?? NaN,
    streamItems: event.streamItems ?? NaN,
    traceId: event.traceId ?? '',
    spanId: event.spanId ?? '',
    features: event.features,
    attributes: event.attributes,
  }
}

export function toOutcomeRecord(event: OutcomeEvent, receivedMs: number): OutcomeRecord {
  return {
    predictionId: toEventUuid(event.predictionId),
    timestampMs: event.timestamp,
    receivedMs,
    modelId: event.model.id,
    modelVersion: event.model.version ?? '',
    label: event.label === undefined ? '' : String(event.label),
    value: event.value ?? NaN,
  }
}
