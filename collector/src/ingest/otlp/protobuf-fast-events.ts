import protobuf from 'protobufjs'
import {
  AIMS_ATTRIBUTES as A,
  AIMS_EVENT_NAMES,
  ENVIRONMENT_ATTRIBUTES,
  EVENT_NAME_ATTRIBUTE,
  type FeatureValue,
  type OutcomeEventInput,
  type PredictionEventInput,
  type WireEventInput,
} from '@aims-monitor/schema'
import { decodeResourceAttributes } from './decode-protobuf.js'
import { NO_FALLBACK, resourceFallback, type ResourceFallback } from './resource-fallback.js'
import { cachedWithBytes, KeysByPosition, KNOWN_KEY_SLOTS, nextRecordSerial, OUTCOME_ONLY_SLOTS, PREDICTION_ONLY_SLOTS, roleOf, RoleKind, SLOT, type KeyRole, type KnownKey } from './attribute-key-roles.js'
import { setField } from './set-field.js'
import { buildOutcome, buildPrediction } from './wire-event-builders.js'
import type { EventOrigin } from './process-logs-request.js'
import { messageEnd, OTLP_TAGS, readHex, readInterned, safeInt64At, varintLength, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-wire.js'
import { optionalHexId, timestampMsOfHalves } from './time-and-ids.js'

/**
 * The fast path of `POST /v1/logs` for protobuf: reads the wire events straight off the bytes of a
 * request in which every record is an AIMS event the mapping reads without complaint — what the
 * AIMS SDK and any OpenTelemetry SDK following docs/semantic-conventions.md send — and gives up
 * (returns null) at the first thing it does not handle, leaving the whole request to the general
 * path (decodeProtobufLogsRequest, then mapLogRecord), which also writes every error message.
 *
 * Why: the general path builds the OTLP model (a KeyValue and an AnyValue per attribute), a Map per
 * record and then the event: 27 µs of CPU per SDK record of UCI Adult rows on this machine, against
 * 15 µs here (`pnpm bench otlp-decode`), most of the difference allocation and the garbage
 * collection it causes; at 100k records per second either is more than the machine's two cores can
 * give (BENCHMARKS.md, `pnpm bench sdk`). The same pattern as the native
 * route's fast acceptor: an exact fast path for the common case and the general code as the
 * authority for everything else. A differential test (protobuf-fast-events.test.ts) holds it to
 * the general path's events on generated and mutated requests.
 *
 * The events it returns are equal to what mapLogRecord returns for each record; they are then
 * validated by validateEventBatch like any others.
 */
export interface FastEvents {
  total: number
  events: WireEventInput[]
  originOf: (index: number) => EventOrigin
}

export function fastProtobufEvents(body: Buffer): FastEvents | null {
  const reader = protobuf.Reader.create(body)
  const state = new FastState()
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32()
      if (tag !== RESOURCE_LOGS_TAG) return null
      if (!readResourceLogs(reader, messageEnd(reader, tag, 'ExportLogsServiceRequest.resource_logs'), state)) return null
      state.resource++
    }
  } catch {
    // Malformed input of any kind: the general path decodes it again and says what is wrong.
    return null
  }
  const { events, scopes } = state
  return {
    total: events.length,
    events,
    originOf: (index) => {
      // Scopes in request order, each with the index of its first event: the last one starting at or before `index`.
      let s = scopes.length - 1
      while (s > 0 && scopes[s]!.firstEvent > index) s--
      const scope = scopes[s]!
      return { location: { resource: scope.resource, scope: scope.scope, record: index - scope.firstEvent }, order: index }
    },
  }
}

const { resourceLogs: RESOURCE_LOGS_TAG, resource: RESOURCE_TAG, scopeLogs: SCOPE_LOGS_TAG, logRecord: LOG_RECORDS_TAG, key: KEY_TAG, value: VALUE_TAG } = OTLP_TAGS

class FastState {
  readonly events: WireEventInput[] = []
  readonly scopes: { resource: number; scope: number; firstEvent: number }[] = []
  resource = 0
  /** Fallbacks of the current resource: model id, version, environment (NO_FALLBACK when it has none). */
  fallback: ResourceFallback = NO_FALLBACK
}

function readResourceLogs(reader: protobuf.Reader, end: number, state: FastState): boolean {
  state.fallback = NO_FALLBACK
  let scope = 0
  let sawScopes = false
  while (reader.pos < end) {
    const tag = reader.uint32()
    if (tag === RESOURCE_TAG) {
      // Resources come before their scopes in every encoder; one after them would have applied to records already read.
      if (sawScopes) return false
      state.fallback = resourceFallback(decodeResourceAttributes(reader, messageEnd(reader, tag, 'ResourceLogs.resource')))
    } else if (tag === SCOPE_LOGS_TAG) {
      sawScopes = true
      state.scopes.push({ resource: state.resource, scope, firstEvent: state.events.length })
      if (!readScopeLogs(reader, messageEnd(reader, tag, 'ResourceLogs.scope_logs'), state)) return false
      scope++
    } else if ((tag >>> 3) <= 2) return false // field 0 is invalid, 1 and 2 misplaced: the general path says so
    else reader.skipType(tag & 7)
  }
  return reader.pos === end
}

function readScopeLogs(reader: protobuf.Reader, end: number, state: FastState): boolean {
  while (reader.pos < end) {
    const tag = reader.uint32()
    if (tag === LOG_RECORDS_TAG) {
      const event = readLogRecord(reader, messageEnd(reader, tag, 'ScopeLogs.log_records'), state)
      if (event === null) return false
      state.events.push(event)
    } else if ((tag >>> 3) === 2 || (tag >>> 3) === 0) return false
    else reader.skipType(tag & 7)
  }
  return reader.pos === end
}

interface KeyAtPosition {
  bytes: Uint8Array
  role: KeyRole
}
const keysAtPosition = new KeysByPosition<KeyAtPosition>()

function readKeyRole(reader: protobuf.Reader, position: number): KeyRole | null {
  const length = reader.uint32()
  const start = reader.pos
  if (start + length > reader.len) return null
  const buf = reader.buf
  reader.pos = start + length
  const hit = keysAtPosition.find(buf, start, length, position)
  if (hit !== undefined) return hit.role
  const role = roleOf((buf as Buffer).toString('utf8', start, start + length))
  if (keysAtPosition.forgetIfStale()) return role
  keysAtPosition.remember(position, { bytes: Uint8Array.prototype.slice.call(buf, start, start + length), role })
  return role
}

/** Values of the known keys in the record being read (reset per record). `undefined`: absent. */
const slots: (string | number | boolean | undefined)[] = new Array(KNOWN_KEY_SLOTS.length).fill(undefined)
/** A value the fast path does not read: the record goes to the general path. */
const NOT_READ = Symbol('not read')
/** LogRecord fields the fast path reads: one of them with an unexpected wire type is malformed, for the general path to report. */
const READ_FIELDS = (1 << 1) | (1 << 6) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12)

function readLogRecord(reader: protobuf.Reader, end: number, state: FastState): WireEventInput | null {
  const serial = nextRecordSerial()
  slots.fill(undefined)
  let features: Record<string, FeatureValue> | undefined
  let attributes: Record<string, FeatureValue> | undefined
  let timeLow = 0
  let timeHigh = 0
  let observedLow = 0
  let observedHigh = 0
  let eventName = ''
  let traceId = ''
  let spanId = ''
  let ordinal = 0
  while (reader.pos < end) {
    const tag = reader.uint32()
    switch (tag) {
      case (1 << 3) | WIRE_FIXED64:
        timeLow = reader.fixed32()
        timeHigh = reader.fixed32()
        break
      case (11 << 3) | WIRE_FIXED64:
        observedLow = reader.fixed32()
        observedHigh = reader.fixed32()
        break
      case (6 << 3) | WIRE_LENGTH_DELIMITED: {
        const kvEnd = messageEnd(reader, tag, 'LogRecord.attributes')
        if (reader.pos >= kvEnd || reader.uint32() !== KEY_TAG) return null
        const role = readKeyRole(reader, ordinal++)
        if (role === null || role.stamp === serial || role.kind === RoleKind.Unknown) return null
        role.stamp = serial
        if (reader.pos >= kvEnd || reader.uint32() !== VALUE_TAG) return null
        const valueEnd = messageEnd(reader, VALUE_TAG, 'KeyValue.value')
        if (valueEnd !== kvEnd) return null
        if (role.kind === RoleKind.Ignored) {
          reader.pos = valueEnd
          break
        }
        const value = readScalarValue(reader, valueEnd, ordinal - 1)
        if (value === NOT_READ) return null
        if (role.kind === RoleKind.Known) slots[role.slot] = value
        else if (role.kind === RoleKind.Feature) (features ??= {})[role.name] = value
        else if (role.kind === RoleKind.Attribute) (attributes ??= {})[role.name] = value
        else if (role.kind === RoleKind.OwnFeature) setField((features ??= {}), role.name, value)
        else setField((attributes ??= {}), role.name, value)
        break
      }
      case (9 << 3) | WIRE_LENGTH_DELIMITED:
        traceId = optionalHexId(readHex(reader, tag, 'LogRecord.trace_id')) ?? ''
        break
      case (10 << 3) | WIRE_LENGTH_DELIMITED:
        spanId = optionalHexId(readHex(reader, tag, 'LogRecord.span_id')) ?? ''
        break
      case (12 << 3) | WIRE_LENGTH_DELIMITED:
        eventName = readInterned(reader, 'LogRecord.event_name')
        break
      default:
        // A known field with another wire type is malformed: the general path says so.
        if (tag >>> 3 < 32 && (READ_FIELDS >>> (tag >>> 3)) & 1) return null
        if (tag >>> 3 === 0) return null // not a valid field number: the general path says so
        reader.skipType(tag & 7)
    }
  }
  if (reader.pos !== end) return null
  if (eventName === '') {
    const fromAttribute = slots[SLOT[EVENT_NAME_ATTRIBUTE]]
    if (typeof fromAttribute !== 'string') return null
    eventName = fromAttribute
  }
  const timestamp = timestampMsOfHalves(timeHigh, timeLow, observedHigh, observedLow)
  if (timestamp === undefined) return null
  if (eventName === AIMS_EVENT_NAMES.prediction) return prediction(state, timestamp, features, attributes, traceId, spanId)
  if (eventName === AIMS_EVENT_NAMES.outcome) return features === undefined && attributes === undefined ? outcome(state, timestamp) : null
  return null
}

/**
 * A string, bool, double or safe-integer AnyValue, as the mapping's readScalar reads it; NOT_READ
 * for anything else (an integer beyond ±(2^53 − 1), bytes, arrays, kvlists, an empty or repeated value).
 */
function readScalarValue(reader: protobuf.Reader, end: number, position: number): string | number | boolean | typeof NOT_READ {
  if (reader.pos >= end) return NOT_READ
  const tag = reader.uint32()
  let value: string | number | boolean | typeof NOT_READ
  switch (tag) {
    case (1 << 3) | WIRE_LENGTH_DELIMITED:
      value = readShortString(reader, position)
      break
    case (2 << 3) | WIRE_VARINT:
      value = reader.bool()
      break
    case (3 << 3) | WIRE_VARINT:
      value = readSafeInt64(reader)
      break
    case (4 << 3) | WIRE_FIXED64:
      value = reader.double()
      break
    default:
      return NOT_READ
  }
  return reader.pos === end ? value : NOT_READ
}

/** An int64 varint as a number when it is within ±(2^53 − 1) (what readSafeInt accepts), else NOT_READ. */
function readSafeInt64(reader: protobuf.Reader): number | typeof NOT_READ {
  const length = varintLength(reader.buf, reader.pos, reader.len)
  if (length < 0) return NOT_READ
  const value = safeInt64At(reader.buf, reader.pos, length)
  reader.pos += length
  return Number.isNaN(value) ? NOT_READ : value
}

/**
 * A string value, reused when one of the last few values at the same position had the same bytes
 * (categories, labels and model ids repeat; values longer than 32 bytes, ids mostly, are decoded).
 */
interface CachedValue {
  bytes: Uint8Array
  text: string
}
const VALUES_PER_POSITION = 8
const MAX_CACHED_VALUE_BYTES = 32
const valuesAtPosition: CachedValue[][] = []
const nextValueSlot: number[] = []

function readShortString(reader: protobuf.Reader, position: number): string | typeof NOT_READ {
  const length = reader.uint32()
  const start = reader.pos
  const end = start + length
  if (end > reader.len) return NOT_READ
  reader.pos = end
  const buf = reader.buf
  if (length > MAX_CACHED_VALUE_BYTES || position >= KeysByPosition.MAX_POSITIONS) return (buf as Buffer).toString('utf8', start, end)
  let cached = valuesAtPosition[position]
  if (cached === undefined) {
    cached = []
    valuesAtPosition[position] = cached
    nextValueSlot[position] = 0
  }
  const hit = cachedWithBytes(cached, buf, start, length)
  if (hit !== undefined) return hit.text
  const text = (buf as Buffer).toString('utf8', start, end)
  const copy = new Uint8Array(length)
  for (let i = 0; i < length; i++) copy[i] = buf[start + i]!
  const slot = nextValueSlot[position]!
  cached[slot] = { bytes: copy, text }
  nextValueSlot[position] = (slot + 1) % VALUES_PER_POSITION
  return text
}

/** A known key's value read as a string, or from the resource for the keys that fall back; NOT_READ when it is of another kind. */
function stringSlot(state: FastState, key: KnownKey, fallsBack: boolean): string | undefined | typeof NOT_READ {
  const value = slots[SLOT[key]]
  if (value !== undefined) return typeof value === 'string' ? value : NOT_READ
  if (!fallsBack) return undefined
  const resourceValue = state.fallback.values.get(key)
  if (resourceValue === undefined) return undefined
  return resourceValue.kind === 'string' ? resourceValue.value : NOT_READ
}

function numberSlot(key: KnownKey): number | undefined | typeof NOT_READ {
  const value = slots[SLOT[key]]
  return value === undefined || typeof value === 'number' ? value : NOT_READ
}

/** The environment as readFirst finds it: the first key present on the record, else the first on the resource. */
function environmentOf(state: FastState): string | undefined | typeof NOT_READ {
  for (const key of ENVIRONMENT_ATTRIBUTES) if (slots[SLOT[key]] !== undefined) return stringSlot(state, key, false)
  for (const key of ENVIRONMENT_ATTRIBUTES) if (state.fallback.values.has(key)) return stringSlot(state, key, true)
  return undefined
}

function prediction(state: FastState, timestamp: number, features: Record<string, FeatureValue> | undefined, attributes: Record<string, FeatureValue> | undefined, traceId: string, spanId: string): PredictionEventInput | null {
  for (const slot of OUTCOME_ONLY_SLOTS) if (slots[slot] !== undefined) return null
  const id = stringSlot(state, A.predictionId, false)
  const modelId = stringSlot(state, A.modelId, true)
  const modelVersion = stringSlot(state, A.modelVersion, true)
  const environment = environmentOf(state)
  const score = numberSlot(A.outputScore)
  const value = numberSlot(A.outputValue)
  const latencyMs = numberSlot(A.latencyMs)
  const streamItems = numberSlot(A.streamItems)
  const errorType = stringSlot(state, A.errorType, false)
  const errorMessage = stringSlot(state, A.errorMessage, false)
  if (id === NOT_READ || modelId === NOT_READ || modelVersion === NOT_READ || environment === NOT_READ || score === NOT_READ || value === NOT_READ) return null
  if (latencyMs === NOT_READ || streamItems === NOT_READ || errorType === NOT_READ || errorMessage === NOT_READ) return null
  const label = slots[SLOT[A.outputLabel]]
  return buildPrediction({
    id, timestamp, modelId, modelVersion, features: features ?? {}, attributes: attributes ?? {}, environment, label, score, value, errorType, errorMessage, latencyMs, streamItems,
    traceId: traceId === '' ? undefined : traceId, spanId: spanId === '' ? undefined : spanId,
  })
}

function outcome(state: FastState, timestamp: number): OutcomeEventInput | null {
  for (const slot of PREDICTION_ONLY_SLOTS) if (slots[slot] !== undefined) return null
  const predictionId = stringSlot(state, A.predictionId, false)
  const modelId = stringSlot(state, A.modelId, true)
  const version = stringSlot(state, A.modelVersion, true)
  const value = numberSlot(A.outcomeValue)
  if (predictionId === NOT_READ || modelId === NOT_READ || version === NOT_READ || value === NOT_READ) return null
  const label = slots[SLOT[A.outcomeLabel]]
  return buildOutcome({ predictionId, timestamp, modelId, modelVersion: version, label, value })
}
