import { SeverityNumber } from '@opentelemetry/api-logs'
import { TraceFlags, type HrTime } from '@opentelemetry/api'
import type { Resource } from '@opentelemetry/resources'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { AIMS_ATTRIBUTES as A, AIMS_EVENT_NAMES, LIMITS } from '@aims-monitor/schema'
import { AttributeKeys, type FieldSanitizer } from './field-sanitizer.js'
import type { PredictionIds } from './prediction-ids.js'
import type { QueuedRecord } from './record-queue.js'
import type { FieldValue } from './types.js'

/** The instrumentation scope of every record the SDK emits. */
export const SCOPE = { name: '@aims-monitor/sdk', version: '0.1.0' }
const featureKeys = new AttributeKeys(A.featurePrefix)
const attributeKeys = new AttributeKeys(A.attributePrefix)

/**
 * A queued record as an OpenTelemetry log record following docs/semantic-conventions.md: event
 * name `aims.prediction` or `aims.outcome`, fields as `aims.*` attributes; model id, version and
 * environment travel on the resource.
 */
export function toLogRecord(record: QueuedRecord, ids: PredictionIds, resource: Resource, sanitizer: FieldSanitizer): ReadableLogRecord {
  const attributes: Record<string, FieldValue> = {}
  const time = hrTime(record.timestampMs)
  if (record.kind === 'outcome') {
    attributes[A.predictionId] = record.id!
    const label = record.outcome?.label === undefined ? undefined : sanitizer.value(record.outcome.label)
    if (label !== undefined) attributes[A.outcomeLabel] = label
    if (record.outcome?.value !== undefined && Number.isFinite(record.outcome.value)) attributes[A.outcomeValue] = record.outcome.value
    return logRecord(AIMS_EVENT_NAMES.outcome, time, withoutUnsafeIntegers(attributes, sanitizer), resource, undefined)
  }
  attributes[A.predictionId] = record.id ?? ids.format(record.n)
  sanitizer.copy(record.features, LIMITS.maxFeatures, featureKeys, attributes)
  sanitizer.copy(record.attributes, LIMITS.maxAttributes, attributeKeys, attributes)
  const output = record.output
  if (output) {
    const label = output.label === undefined || output.label === null ? undefined : sanitizer.value(output.label)
    if (label !== undefined) attributes[A.outputLabel] = label
    // Not NaN (that is "not given", and view() leaves it out): a non-finite score was given, unusable, and is counted.
    if (typeof output.score === 'number') {
      if (Number.isFinite(output.score)) attributes[A.outputScore] = output.score
      else sanitizer.truncated++
    }
    if (typeof output.value === 'number') {
      if (Number.isFinite(output.value)) attributes[A.outputValue] = output.value
      else sanitizer.truncated++
    }
  }
  if (record.errorType !== undefined) {
    attributes[A.errorType] = sanitizer.text(record.errorType || 'Error', LIMITS.maxVersionLength * 2)
    if (record.errorMessage) attributes[A.errorMessage] = sanitizer.text(record.errorMessage, LIMITS.maxErrorMessageLength)
  }
  if (record.items >= 0) attributes[A.streamItems] = record.items
  if (Number.isFinite(record.latencyMs)) attributes[A.latencyMs] = Math.min(Math.max(record.latencyMs, 0), LIMITS.maxLatencyMs)
  const spanContext = record.traceId && record.spanId ? { traceId: record.traceId, spanId: record.spanId, traceFlags: TraceFlags.SAMPLED } : undefined
  return logRecord(AIMS_EVENT_NAMES.prediction, time, withoutUnsafeIntegers(attributes, sanitizer), resource, spanContext)
}

/**
 * The official serializer writes every integer-valued number in the int64 range as an int_value,
 * and the collector refuses one beyond ±(2^53 - 1) (it cannot hold it exactly), which loses the
 * whole record: such values are left out here and counted. (The direct encoder sends them as
 * doubles instead.)
 */
function withoutUnsafeIntegers(attributes: Record<string, FieldValue>, sanitizer: FieldSanitizer): Record<string, FieldValue> {
  for (const key in attributes) {
    const value = attributes[key]
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 2 ** 63) {
      delete attributes[key]
      sanitizer.truncated++
    }
  }
  return attributes
}

function logRecord(
  eventName: string,
  time: HrTime,
  attributes: Record<string, FieldValue>,
  resource: Resource,
  spanContext: ReadableLogRecord['spanContext'],
): ReadableLogRecord {
  return {
    hrTime: time,
    hrTimeObserved: time,
    ...(spanContext ? { spanContext } : {}),
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    eventName,
    resource,
    instrumentationScope: SCOPE,
    attributes,
    droppedAttributesCount: 0,
  }
}

function hrTime(epochMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000)
  return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)]
}
