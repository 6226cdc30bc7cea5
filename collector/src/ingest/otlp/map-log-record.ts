import type { FeatureValue, FieldError, OutcomeEventInput, PredictionEventInput, WireEventInput } from '@aims-monitor/schema'
import { readNumber, readScalar, readString, type ValueResult } from './attribute-values.js'
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord } from './otlp-model.js'
import {
  AIMS_ATTRIBUTES as A,
  AIMS_EVENT_NAMES,
  AIMS_NAMESPACE,
  ENVIRONMENT_ATTRIBUTES,
  EVENT_NAME_ATTRIBUTE,
  RESOURCE_FALLBACK_ATTRIBUTES,
} from '@aims-monitor/schema'
import { setField } from './set-field.js'
import { optionalHexId, recordTimestampMs } from './time-and-ids.js'
import { buildOutcome, buildPrediction } from './wire-event-builders.js'

/**
 * What one log record is for AIMS: a wire event (still to be validated by the wire schema, exactly
 * as /v1/events does), not an AIMS event at all, or an AIMS event whose attributes cannot be read
 * (wrong value kinds, unknown `aims.*` attributes). Errors name OTLP attributes, not wire fields.
 */
export type LogRecordMapping =
  | { kind: 'event'; event: WireEventInput }
  | { kind: 'not_aims'; message: string }
  | { kind: 'invalid'; eventType: 'prediction' | 'outcome'; errors: FieldError[] }

const PREDICTION_KEYS = new Set<string>([
  A.predictionId,
  A.modelId,
  A.modelVersion,
  A.outputLabel,
  A.outputScore,
  A.outputValue,
  A.latencyMs,
  A.streamItems,
  A.errorType,
  A.errorMessage,
])
const OUTCOME_KEYS = new Set<string>([A.predictionId, A.modelId, A.modelVersion, A.outcomeLabel, A.outcomeValue])

/**
 * Maps one OTLP log record to a native wire event by docs/semantic-conventions.md. Record attributes
 * win; the resource's attributes fill in the model id, version and environment.
 */
export function mapLogRecord(record: OtlpLogRecord, resourceAttributes: readonly OtlpKeyValue[] = []): LogRecordMapping {
  const attributes = toMap(record.attributes)
  const eventName = record.eventName !== '' ? record.eventName : stringOrUndefined(attributes.get(EVENT_NAME_ATTRIBUTE))
  if (eventName !== AIMS_EVENT_NAMES.prediction && eventName !== AIMS_EVENT_NAMES.outcome) {
    return { kind: 'not_aims', message: notAimsMessage(record.eventName, eventName) }
  }
  const reader = new AttributeReader(attributes, resourceMap(resourceAttributes))
  if (eventName === AIMS_EVENT_NAMES.prediction) {
    const event = readPrediction(reader, record)
    return reader.errors.length > 0 ? { kind: 'invalid', eventType: 'prediction', errors: reader.errors } : { kind: 'event', event }
  }
  const event = readOutcome(reader, record)
  return reader.errors.length > 0 ? { kind: 'invalid', eventType: 'outcome', errors: reader.errors } : { kind: 'event', event }
}

/**
 * What an attribute key is to a prediction, worked out once per distinct key: every record of a
 * batch carries the same keys, and slicing `aims.feature.age` to `age` for each record was a fifth
 * of the mapping's time (measured on an 8,192-record SDK batch). Bounded like the decoder's key
 * table: past 4,096 keys, keys are classified without being remembered.
 */
export type KeyRole = { role: 'feature' | 'attribute'; name: string } | { role: 'known' | 'unknown' | 'foreign' }
const KEY_ROLES = new Map<string, KeyRole>()
const MAX_KEY_ROLES = 4096
const KNOWN: KeyRole = { role: 'known' }
const UNKNOWN: KeyRole = { role: 'unknown' }
const FOREIGN: KeyRole = { role: 'foreign' }

export function predictionKeyRole(key: string): KeyRole {
  let role = KEY_ROLES.get(key)
  if (role !== undefined) return role
  if (!key.startsWith(AIMS_NAMESPACE)) role = FOREIGN
  else if (key.startsWith(A.featurePrefix)) role = { role: 'feature', name: key.slice(A.featurePrefix.length) }
  else if (key.startsWith(A.attributePrefix)) role = { role: 'attribute', name: key.slice(A.attributePrefix.length) }
  else role = PREDICTION_KEYS.has(key) ? KNOWN : UNKNOWN
  if (KEY_ROLES.size < MAX_KEY_ROLES) KEY_ROLES.set(key, role)
  return role
}

function readPrediction(reader: AttributeReader, record: OtlpLogRecord): PredictionEventInput {
  const features: Record<string, FeatureValue> = {}
  const attributes: Record<string, FeatureValue> = {}
  for (const [key, value] of reader.recordAttributes) {
    const role = predictionKeyRole(key)
    if (role.role === 'feature') reader.put(features, key, role.name, readScalar(value))
    else if (role.role === 'attribute') reader.put(attributes, key, role.name, readScalar(value))
    else if (role.role === 'unknown') reader.unknown(key, 'prediction')
  }
  const label = reader.read(A.outputLabel, readScalar)
  const score = reader.read(A.outputScore, readNumber)
  const value = reader.read(A.outputValue, readNumber)
  const errorType = reader.read(A.errorType, readString)
  const errorMessage = reader.read(A.errorMessage, readString)
  const id = reader.read(A.predictionId, readString)
  const timestamp = timestampOf(reader, record)
  const modelId = reader.read(A.modelId, readString)
  const modelVersion = reader.read(A.modelVersion, readString)
  const environment = reader.readFirst(ENVIRONMENT_ATTRIBUTES, readString)
  const latencyMs = reader.read(A.latencyMs, readNumber)
  const streamItems = reader.read(A.streamItems, readNumber)
  return buildPrediction({
    id, timestamp, modelId, modelVersion, features, attributes, environment, label, score, value, errorType, errorMessage, latencyMs, streamItems,
    traceId: optionalHexId(record.traceId), spanId: optionalHexId(record.spanId),
  })
}

function readOutcome(reader: AttributeReader, record: OtlpLogRecord): OutcomeEventInput {
  for (const [key] of reader.recordAttributes) if (key.startsWith(AIMS_NAMESPACE) && !OUTCOME_KEYS.has(key)) reader.unknown(key, 'outcome')
  const modelVersion = reader.read(A.modelVersion, readString)
  const predictionId = reader.read(A.predictionId, readString)
  const timestamp = timestampOf(reader, record)
  const modelId = reader.read(A.modelId, readString)
  const label = reader.read(A.outcomeLabel, readScalar)
  const value = reader.read(A.outcomeValue, readNumber)
  return buildOutcome({ predictionId, timestamp, modelId, modelVersion, label, value })
}

function timestampOf(reader: AttributeReader, record: OtlpLogRecord): number | undefined {
  const ms = recordTimestampMs(record.timeUnixNano, record.observedTimeUnixNano)
  if (ms === undefined) reader.errors.push({ path: 'timeUnixNano', message: 'the record has neither timeUnixNano nor observedTimeUnixNano' })
  return ms
}

/**
 * Reads attributes by key, record first and resource second for the keys that fall back, and
 * collects one error per unreadable attribute instead of stopping at the first.
 */
class AttributeReader {
  readonly errors: FieldError[] = []

  constructor(
    /** The record's attributes (the resource's are read only by key). */
    readonly recordAttributes: ReadonlyMap<string, OtlpAnyValue>,
    private readonly resource: ReadonlyMap<string, OtlpAnyValue>,
  ) {}

  read<T>(key: string, as: (value: OtlpAnyValue) => ValueResult<T>): T | undefined {
    let value = this.recordAttributes.get(key)
    let where = key
    if (value === undefined && (RESOURCE_FALLBACK_ATTRIBUTES as readonly string[]).includes(key)) {
      value = this.resource.get(key)
      where = `resource ${key}`
    }
    if (value === undefined) return undefined
    const result = as(value)
    if (result.ok) return result.value
    this.errors.push({ path: where, message: result.message })
    return undefined
  }

  /** The first of `keys` present on the record, else the first present on the resource. */
  readFirst<T>(keys: readonly string[], as: (value: OtlpAnyValue) => ValueResult<T>): T | undefined {
    const key = keys.find((k) => this.recordAttributes.has(k)) ?? keys.find((k) => this.resource.has(k))
    return key === undefined ? undefined : this.read(key, as)
  }

  put(target: Record<string, FeatureValue>, key: string, name: string, result: ValueResult<FeatureValue>): void {
    if (result.ok) setField(target, name, result.value)
    else this.errors.push({ path: key, message: result.message })
  }

  unknown(key: string, type: 'prediction' | 'outcome'): void {
    this.errors.push({ path: key, message: `not an attribute of an AIMS ${type} event (see docs/semantic-conventions.md)` })
  }
}

/**
 * The resource's attributes as a map, built once per resource rather than once per record: the
 * records of a request share their resource's attribute list (the same array object).
 */
const RESOURCE_MAPS = new WeakMap<readonly OtlpKeyValue[], Map<string, OtlpAnyValue>>()
function resourceMap(list: readonly OtlpKeyValue[]): Map<string, OtlpAnyValue> {
  let map = RESOURCE_MAPS.get(list)
  if (map === undefined) {
    map = toMap(list)
    RESOURCE_MAPS.set(list, map)
  }
  return map
}

/** Attributes by key; empty values count as absent. A repeated key (which OTLP forbids) keeps its last value. */
function toMap(list: readonly OtlpKeyValue[]): Map<string, OtlpAnyValue> {
  const map = new Map<string, OtlpAnyValue>()
  for (const { key, value } of list) if (value.kind !== 'empty') map.set(key, value)
  return map
}

function stringOrUndefined(value: OtlpAnyValue | undefined): string | undefined {
  return value?.kind === 'string' ? value.value : undefined
}

function notAimsMessage(fieldName: string, eventName: string | undefined): string {
  const expected = `"${AIMS_EVENT_NAMES.prediction}" or "${AIMS_EVENT_NAMES.outcome}"`
  if (eventName === undefined) return `not an AIMS event: the record has no eventName nor "${EVENT_NAME_ATTRIBUTE}" attribute (expected ${expected})`
  const source = fieldName !== '' ? 'eventName' : `the "${EVENT_NAME_ATTRIBUTE}" attribute`
  return `not an AIMS event: ${source} is ${JSON.stringify(eventName.length > 64 ? eventName.slice(0, 64) + '…' : eventName)}, expected ${expected}`
}
