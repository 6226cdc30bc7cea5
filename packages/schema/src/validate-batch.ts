import type { z } from 'zod'
import { wireEventSchema, type WireEvent } from './events.js'
import { fastAccept } from './fast-accept.js'

export interface FieldError {
  /** Where in the event, e.g. `features.age` or `model.version`; empty for the event itself. */
  path: string
  message: string
}

export interface RejectedEvent {
  index: number
  /**
   * `invalid`: the event breaks the schema; `duplicate`: its id was already in this batch;
   * `too_many_columns` (set by the collector, never here): it would add a column to a model whose
   * table is at its column limit.
   */
  reason: 'invalid' | 'duplicate' | 'too_many_columns'
  errors: FieldError[]
}

export interface BatchValidation {
  accepted: WireEvent[]
  rejected: RejectedEvent[]
}

/**
 * Validates each event of a batch on its own (one bad event never fails the others) and rejects a
 * second event with the same identity in the batch: a prediction's `id`, an outcome's
 * `predictionId` with the same timestamp.
 */
export function validateEventBatch(events: readonly unknown[]): BatchValidation {
  const accepted: WireEvent[] = []
  const rejected: RejectedEvent[] = []
  const firstIndexByKey = new Map<string, number>()
  for (let index = 0; index < events.length; index++) {
    // The fast acceptor takes the valid events; zod, the authority, parses the rest and says why.
    let event = fastAccept(events[index])
    if (event === undefined) {
      // reportInput: zod 4 drops `input` from issues without it, and issueMessage needs it to tell a
      // missing field from a wrong type (`"12"` for a number must not read as "is required").
      const result = wireEventSchema.safeParse(events[index], { reportInput: true })
      if (!result.success) {
        rejected.push({ index, reason: 'invalid', errors: toFieldErrors(result.error) })
        continue
      }
      event = result.data
    }
    const key = event.type === 'prediction' ? `p:${event.model.id}:${event.id}` : `o:${event.model.id}:${event.predictionId}:${event.timestamp}`
    const first = firstIndexByKey.get(key)
    if (first !== undefined) {
      rejected.push({
        index,
        reason: 'duplicate',
        errors: [{ path: event.type === 'prediction' ? 'id' : 'predictionId', message: `duplicate of the event at index ${first} in this batch` }],
      })
      continue
    }
    firstIndexByKey.set(key, index)
    accepted.push(event)
  }
  return { accepted, rejected }
}

/**
 * For each event a validateEventBatch accepted, its index in the batch: each event is accepted or
 * rejected once, in order, so the k-th accepted is the k-th index not rejected. Worked out on
 * demand (a rare path: reporting an accepted event refused later), not kept for every batch.
 */
export function acceptedIndexes(validation: BatchValidation): number[] {
  const skip = new Set(validation.rejected.map((r) => r.index))
  const indexes: number[] = []
  for (let i = 0; indexes.length < validation.accepted.length; i++) if (!skip.has(i)) indexes.push(i)
  return indexes
}

export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issueMessage(issue) }))
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
  if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined) return `is required (expected ${issue.expected})`
  return issue.message
}

/** `['features', 'age']` → `features.age`; `['events', 3]` → `events[3]`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out === '' ? String(part) : `.${String(part)}`
  }
  return out
}
