export { LIMITS } from './limits.js'
export { ID_PATTERN, MODEL_ID_PATTERN, VERSION_PATTERN } from './patterns.js'
export { toEventUuid, isUuid } from './ids.js'
export {
  checkFieldName,
  fieldNameSchema,
  featureValueSchema,
  featuresSchema,
  attributesSchema,
  timestampSchema,
  modelRefSchema,
  predictionOutputSchema,
  predictionErrorSchema,
  predictionEventSchema,
  outcomeEventSchema,
  wireEventSchema,
  eventBatchEnvelopeSchema,
} from './events.js'
export type {
  PredictionEvent,
  PredictionEventInput,
  OutcomeEvent,
  OutcomeEventInput,
  WireEvent,
  WireEventInput,
  FeatureValue,
} from './events.js'
export { jsonSchemas } from './json-schema.js'
export { fastAccept } from './fast-accept.js'
export { validateEventBatch, acceptedIndexes, formatIssuePath } from './validate-batch.js'
export type { BatchValidation, RejectedEvent, FieldError } from './validate-batch.js'
export {
  AIMS_ATTRIBUTES,
  AIMS_EVENT_NAMES,
  AIMS_NAMESPACE,
  ENVIRONMENT_ATTRIBUTES,
  EVENT_NAME_ATTRIBUTE,
  RESOURCE_FALLBACK_ATTRIBUTES,
} from './otlp-conventions.js'
