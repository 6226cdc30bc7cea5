import { z } from 'zod'
import { HttpError } from '../http/http-error.js'
import { parseStrictTime } from '../http/strict-time.js'

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * A time in a query: epoch milliseconds or a strict ISO 8601 date or date-time (http/strict-time.ts),
 * within what the store can hold (1970 to 2299). Every route's from/to goes through this one.
 */
export const queryTime = z.string().transform((s, ctx) => {
  const parsed = parseStrictTime(s)
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.problem })
    return z.NEVER
  }
  return parsed.ms
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
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown, code = 'invalid_dashboard_query'): z.output<T> {
  const parsed = schema.safeParse(query)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${issue.keys.join(', ')}: unknown parameter`
    return `${issue.path.join('.') || 'query'}: ${issue.message}`
  })
  throw new HttpError(400, code, problems.join('; '))
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
