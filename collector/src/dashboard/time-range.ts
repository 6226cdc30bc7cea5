import { z } from 'zod'
import { HttpError } from '../http/http-error.js'

const DAY_MS = 24 * 60 * 60 * 1000
/** DateTime64(3) reaches 2299-12-31; nothing in the store is older than the epoch. */
const LATEST_MS = Date.UTC(2299, 11, 31)

/** A time in a query: epoch milliseconds or ISO 8601, within what the store can hold. */
export const queryTime = z.string().transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s)
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > LATEST_MS) {
    ctx.addIssue({ code: 'custom', message: 'expected epoch milliseconds or an ISO 8601 time between 1970 and 2299' })
    return z.NEVER
  }
  return ms
})

/** The query parameters every dashboard route takes; `project` is checked by requireScope. */
export const rangeParams = {
  from: queryTime.optional(),
  to: queryTime.optional(),
  project: z.string().optional(),
}

/**
 * Parses a route's query parameters, or answers 400 naming each bad parameter and why (an unknown
 * one too: a misspelt parameter is an error, not a silently ignored filter).
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${issue.keys.join(', ')}: unknown parameter`
    return `${issue.path.join('.') || 'query'}: ${issue.message}`
  })
  throw new HttpError(400, 'invalid_dashboard_query', problems.join('; '))
}

export interface TimeRange {
  /** Epoch ms, inclusive. */
  readonly from: number
  /** Epoch ms, exclusive. */
  readonly to: number
}

/**
 * `from` inclusive, `to` exclusive; default the last 24 hours (ending now, or 24 hours before `to`).
 * @throws {HttpError} 400 naming `to` when the range is empty.
 */
export function resolveRange(params: { from?: number | undefined; to?: number | undefined }, now = Date.now()): TimeRange {
  const to = params.to ?? (params.from !== undefined ? Math.max(now, params.from + 1) : now)
  const from = params.from ?? Math.max(0, to - DAY_MS)
  if (!(from < to)) throw new HttpError(400, 'invalid_dashboard_query', `to: expected a time after from (${new Date(from).toISOString()}), got ${new Date(to).toISOString()}`)
  return { from, to }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString()
}
