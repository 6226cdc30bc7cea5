/**
 * The AIMS semantic conventions for OpenTelemetry log records: which records are AIMS events and
 * which attributes carry their fields. docs/semantic-conventions.md is the normative text; these
 * constants are its single implementation (the collector maps with them, the SDK emits with them; they live in the schema package so both can import them without the engine).
 */

/** LogRecord.event_name (or, for SDKs without it, the `event.name` attribute) of an AIMS event. */
export const AIMS_EVENT_NAMES = {
  prediction: 'aims.prediction',
  outcome: 'aims.outcome',
} as const

/** The attribute older SDKs use for the event name, before LogRecord.event_name existed. */
export const EVENT_NAME_ATTRIBUTE = 'event.name'

/** Every AIMS attribute; all of them live under the `aims.` namespace except the environment. */
export const AIMS_ATTRIBUTES = {
  predictionId: 'aims.prediction.id',
  modelId: 'aims.model.id',
  modelVersion: 'aims.model.version',
  /** `aims.feature.<name>`: one per declared input feature. */
  featurePrefix: 'aims.feature.',
  /** `aims.attribute.<name>`: segments and protected attributes. */
  attributePrefix: 'aims.attribute.',
  outputLabel: 'aims.output.label',
  outputScore: 'aims.output.score',
  outputValue: 'aims.output.value',
  latencyMs: 'aims.latency_ms',
  /** Items a streaming call yielded (the record is made when the stream ends). */
  streamItems: 'aims.stream.items',
  errorType: 'aims.error.type',
  errorMessage: 'aims.error.message',
  outcomeLabel: 'aims.outcome.label',
  outcomeValue: 'aims.outcome.value',
} as const

/** The AIMS namespace: an attribute under it that the conventions do not define is an error, not ignored. */
export const AIMS_NAMESPACE = 'aims.'

/**
 * The deployment environment, from OpenTelemetry's own semantic conventions: the current name first,
 * then the deprecated one older SDKs and resource detectors still send.
 */
export const ENVIRONMENT_ATTRIBUTES = ['deployment.environment.name', 'deployment.environment'] as const

/** Attributes looked up on the record first, then on its resource. */
export const RESOURCE_FALLBACK_ATTRIBUTES = [AIMS_ATTRIBUTES.modelId, AIMS_ATTRIBUTES.modelVersion, ...ENVIRONMENT_ATTRIBUTES] as const
