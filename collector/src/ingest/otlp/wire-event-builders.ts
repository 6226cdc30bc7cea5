import type { FeatureValue, OutcomeEventInput, PredictionEventInput } from '@aims-monitor/schema'

/**
 * The wire events an OTLP log record becomes, built in one place for both readers of the
 * conventions (map-log-record.ts, the general one, and protobuf-fast-events.ts), so the two cannot
 * build them differently. Members the record did not have are left out rather than set to
 * undefined (or deleted after): objects keep one shape for the validation that follows, and the
 * wire schema sees absent fields as absent.
 */
export interface PredictionFields {
  id: string | undefined
  timestamp: number | undefined
  modelId: string | undefined
  modelVersion: string | undefined
  features: Record<string, FeatureValue>
  attributes: Record<string, FeatureValue>
  environment: string | undefined
  label: FeatureValue | undefined
  score: number | undefined
  value: number | undefined
  errorType: string | undefined
  errorMessage: string | undefined
  latencyMs: number | undefined
  streamItems: number | undefined
  /** Lower-case hex; undefined for none. */
  traceId: string | undefined
  spanId: string | undefined
}

export function buildPrediction(f: PredictionFields): PredictionEventInput {
  const event = { type: 'prediction' } as PredictionEventInput
  if (f.id !== undefined) event.id = f.id
  if (f.timestamp !== undefined) event.timestamp = f.timestamp
  event.model = model(f.modelId, f.modelVersion) as PredictionEventInput['model']
  event.features = f.features
  event.attributes = f.attributes
  if (f.environment !== undefined) event.environment = f.environment
  if (f.label !== undefined || f.score !== undefined || f.value !== undefined) {
    const output: NonNullable<PredictionEventInput['output']> = {}
    if (f.label !== undefined) output.label = f.label
    if (f.score !== undefined) output.score = f.score
    if (f.value !== undefined) output.value = f.value
    event.output = output
  }
  if (f.errorType !== undefined || f.errorMessage !== undefined) {
    const error = {} as NonNullable<PredictionEventInput['error']>
    if (f.errorType !== undefined) error.type = f.errorType
    if (f.errorMessage !== undefined) error.message = f.errorMessage
    event.error = error
  }
  if (f.latencyMs !== undefined) event.latencyMs = f.latencyMs
  if (f.streamItems !== undefined) event.streamItems = f.streamItems
  if (f.traceId !== undefined) event.traceId = f.traceId
  if (f.spanId !== undefined) event.spanId = f.spanId
  return event
}

export interface OutcomeFields {
  predictionId: string | undefined
  timestamp: number | undefined
  modelId: string | undefined
  modelVersion: string | undefined
  label: FeatureValue | undefined
  value: number | undefined
}

export function buildOutcome(f: OutcomeFields): OutcomeEventInput {
  const event = { type: 'outcome' } as OutcomeEventInput
  if (f.predictionId !== undefined) event.predictionId = f.predictionId
  if (f.timestamp !== undefined) event.timestamp = f.timestamp
  event.model = model(f.modelId, f.modelVersion) as OutcomeEventInput['model']
  if (f.label !== undefined) event.label = f.label
  if (f.value !== undefined) event.value = f.value
  return event
}

function model(id: string | undefined, version: string | undefined): { id?: string; version?: string } {
  const result: { id?: string; version?: string } = {}
  if (id !== undefined) result.id = id
  if (version !== undefined) result.version = version
  return result
}
