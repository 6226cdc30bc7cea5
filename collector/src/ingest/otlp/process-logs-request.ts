import { acceptedIndexes, validateEventBatch, type FieldError, type RejectedEvent, type WireEvent, type WireEventInput } from '@aims-monitor/schema'
import { mapLogRecord } from './map-log-record.js'
import type { OtlpLogsRequest, OtlpRecordLocation } from './otlp-model.js'
import { wirePathToAttribute } from './wire-path-to-attribute.js'

/** `too_many_columns`: the event would add a column to a model whose table is at its column limit (BatchEncoder). */
export type RecordRejectionReason = 'not_aims_event' | 'invalid_event' | 'duplicate_in_batch' | 'too_many_columns'

export interface RecordRejection {
  location: OtlpRecordLocation
  reason: RecordRejectionReason
  /** Paths name OTLP attributes or record fields; empty for the record as a whole. */
  errors: FieldError[]
}

export interface ProcessedLogsRequest {
  /** Log records in the request, AIMS or not. */
  total: number
  /** Valid wire events, in request order, ready to ingest. */
  accepted: WireEvent[]
  /** In request order. */
  rejected: RecordRejection[]
}

/** A processed request, and where its k-th accepted event is in it (worked out on first use). */
export interface ProcessedWithOrigins {
  processed: ProcessedLogsRequest
  originOfAccepted: (k: number) => EventOrigin
}

/**
 * Turns a decoded request into events to ingest and per-record rejections: maps each record by the
 * semantic conventions, then validates the events with the same `validateEventBatch` as /v1/events,
 * so limits, timestamps, NaN and duplicate ids are judged identically on both interfaces.
 */
export function processLogsRequest(request: OtlpLogsRequest): ProcessedLogsRequest {
  return processLogsRequestWithOrigins(request).processed
}

/** processLogsRequest, also telling where each accepted event is in the request (for a later refusal). */
export function processLogsRequestWithOrigins(request: OtlpLogsRequest): ProcessedWithOrigins {
  const rejected: OrderedRejection[] = []
  const events: WireEventInput[] = []
  const eventOrigins: EventOrigin[] = []
  let order = 0
  request.resourceLogs.forEach((resourceLogs, resource) => {
    resourceLogs.scopeLogs.forEach((scopeLogs, scope) => {
      scopeLogs.logRecords.forEach((record, index) => {
        const location = { resource, scope, record: index }
        const mapped = mapLogRecord(record, resourceLogs.resourceAttributes)
        if (mapped.kind === 'event') {
          events.push(mapped.event)
          eventOrigins.push({ location, order })
        } else if (mapped.kind === 'not_aims') {
          rejected.push({ location, reason: 'not_aims_event', errors: [{ path: '', message: mapped.message }], order })
        } else {
          rejected.push({ location, reason: 'invalid_event', errors: mapped.errors, order })
        }
        order++
      })
    })
  })
  return validateMappedEventsWithOrigins(order, events, (i) => eventOrigins[i]!, rejected)
}

/** Where a mapped event came from: its place in the request, and its rank among the request's records. */
export interface EventOrigin {
  location: OtlpRecordLocation
  order: number
}

type OrderedRejection = RecordRejection & { order: number }

/**
 * The second half of processLogsRequest, for events however they were mapped (the general mapping,
 * or protobuf-fast-events.ts): validates them with `validateEventBatch`, as /v1/events does, and
 * merges its rejections with the mapping's, in request order.
 */
export function validateMappedEvents(total: number, events: readonly WireEventInput[], originOf: (index: number) => EventOrigin, mappingRejections: OrderedRejection[] = []): ProcessedLogsRequest {
  return validateMappedEventsWithOrigins(total, events, originOf, mappingRejections).processed
}

/** validateMappedEvents, also telling where each accepted event is in the request. */
export function validateMappedEventsWithOrigins(total: number, events: readonly WireEventInput[], originOf: (index: number) => EventOrigin, mappingRejections: OrderedRejection[] = []): ProcessedWithOrigins {
  const rejected = mappingRejections
  const validation = validateEventBatch(events)
  for (const r of validation.rejected) {
    const origin = originOf(r.index)
    const eventType = events[r.index]!.type
    rejected.push({
      location: origin.location,
      reason: r.reason === 'duplicate' ? 'duplicate_in_batch' : 'invalid_event',
      errors: r.errors.map((e) => ({ path: wirePathToAttribute(eventType, e.path), message: duplicateMessage(e.message, r.reason, originOf) })),
      order: origin.order,
    })
  }
  rejected.sort((a, b) => a.order - b.order)
  let eventIndexes: number[] | undefined
  return {
    processed: { total, accepted: validation.accepted, rejected: rejected.map(({ order: _order, ...rejection }) => rejection) },
    originOfAccepted: (k) => originOf((eventIndexes ??= acceptedIndexes(validation))[k]!),
  }
}

/** validateEventBatch names the first copy by its index among the events; name it by its place in the request. */
function duplicateMessage(message: string, reason: RejectedEvent['reason'], originOf: (index: number) => EventOrigin): string {
  if (reason !== 'duplicate') return message
  const match = /index (\d+)/.exec(message)
  const first = match ? originOf(Number(match[1])) : undefined
  return first ? `duplicate of the record at ${formatLocation(first.location)} in this request` : message
}

/** `resourceLogs[0].scopeLogs[1].logRecords[2]`: the record's path in the request, as OTLP/JSON spells it. */
export function formatLocation(location: OtlpRecordLocation): string {
  return `resourceLogs[${location.resource}].scopeLogs[${location.scope}].logRecords[${location.record}]`
}
