import { acceptedIndexes, eventBatchEnvelopeSchema, validateEventBatch, type BatchValidation, type RejectedEvent } from '@aims-monitor/schema'
import { HttpError } from '../http/http-error.js'
import type { BatchEncoder, ColumnRefusal, EncodedChunk } from './batch-encoder.js'
import { predictionPositions, toRecords } from './to-records.js'
import { NOT_UTF8_MESSAGE, utf8Text } from './utf8-text.js'

/**
 * Everything `POST /v1/events` does to a body before the spool: parse, check the envelope,
 * validate each event, map to records, encode rows. Pure CPU and free of the engine, so it runs in
 * ingest worker threads (or in the request's thread when there are none).
 */
export type NativeBatchResult =
  | { ok: true; events: number; predictions: number; outcomes: number; rejected: RejectedEvent[]; chunks: EncodedChunk[] }
  | { ok: false; status: number; code: string; message: string; events: number }

export function processNativeBatch(body: Uint8Array, project: string, encoder: BatchEncoder, receivedMs: number): NativeBatchResult {
  try {
    const parsed = parseJson(body)
    const envelope = eventBatchEnvelopeSchema.safeParse(parsed)
    if (!envelope.success) {
      const issue = envelope.error.issues[0]!
      const where = issue.path.length > 0 ? issue.path.join('.') : 'the body'
      const what = issue.code === 'invalid_type' && issue.path.length === 0 ? 'expected an object { "events": [ … ] }' : issue.message
      return { ok: false, status: 400, code: 'invalid_batch', message: `not an event batch: ${where}: ${what}`, events: 0 }
    }
    const events = envelope.data.events
    const validation = validateEventBatch(events)
    const { accepted, rejected } = validation
    const { predictions, outcomes } = toRecords(accepted, receivedMs)
    if (accepted.length === 0) return { ok: true, events: events.length, predictions: 0, outcomes: 0, rejected, chunks: [] }
    const { chunks, refused } = encoder.encodeAccepting(project, predictions, outcomes)
    if (refused.length > 0) {
      const past = columnRejections(refused, validation) // before the push: it reads validation's own rejections
      rejected.push(...past)
      rejected.sort((a, b) => a.index - b.index)
    }
    return { ok: true, events: events.length, predictions: predictions.length - refused.length, outcomes: outcomes.length, rejected, chunks }
  } catch (error) {
    if (error instanceof HttpError) return { ok: false, status: error.status, code: error.code, message: error.message, events: 0 }
    throw error
  }
}

/** Predictions refused for their model's column limit, as rejected events at their index in the batch. */
function columnRejections(refused: readonly ColumnRefusal[], validation: BatchValidation): RejectedEvent[] {
  const eventIndex = acceptedIndexes(validation)
  const predictionIndex = predictionPositions(validation.accepted)
  return refused.map((r) => ({ index: eventIndex[predictionIndex[r.index]!]!, reason: 'too_many_columns', errors: [{ path: r.path, message: r.message }] }))
}

function parseJson(body: Uint8Array): unknown {
  if (body.length === 0) throw new HttpError(400, 'empty_body', 'the body is empty; send { "events": [ … ] }')
  const text = utf8Text(body)
  if (text === null) throw new HttpError(400, 'malformed_json', NOT_UTF8_MESSAGE)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new HttpError(400, 'malformed_json', `the body is not valid JSON: ${(error as Error).message}`, { cause: error })
  }
  if (repeatsEventsKey(text)) throw new HttpError(400, 'malformed_json', 'the body names "events" more than once: JSON.parse would keep the last list and drop the others; send one { "events": [ … ] }')
  return parsed
}

/**
 * Whether the (valid JSON) body's top-level object has the key "events" more than once: JSON.parse
 * keeps the last, so the events before it would be dropped while the client hears "accepted". Hand
 * written because no parser here reports duplicate keys. The literal is looked for first (native,
 * well under a millisecond per MB); only a body holding it twice is walked, by depth and strings.
 * (A key spelled with escapes, "ev\u0065nts", is not recognised.)
 */
export function repeatsEventsKey(text: string): boolean {
  const first = text.indexOf('"events"')
  if (first < 0 || first === text.lastIndexOf('"events"')) return false
  let depth = 0
  let seen = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      const start = i
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === 0x5c) i++
        else if (d === 0x22) break
      }
      if (depth !== 1 || i - start !== 7 || !text.startsWith('"events"', start)) continue
      let next = i + 1
      while (next < text.length && (text.charCodeAt(next) === 0x20 || text.charCodeAt(next) === 0x0a || text.charCodeAt(next) === 0x0d || text.charCodeAt(next) === 0x09)) next++
      if (text.charCodeAt(next) === 0x3a && ++seen > 1) return true
    } else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}
