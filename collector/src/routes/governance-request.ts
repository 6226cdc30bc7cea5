import { z } from 'zod'
import type { Evaluator } from '@aims-monitor/evaluator'
import { HttpError } from '../http/http-error.js'
import { checkTimeNumber, evaluationTimeBounds, parseStrictTime, TIME_FORMATS } from '../http/strict-time.js'

/** Parses external input with zod, or answers 400 naming every field that was wrong and how. */
export function parseOr400<T extends z.ZodType>(schema: T, input: unknown, code: string): z.output<T> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    throw new HttpError(400, code, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '))
  }
  return parsed.data
}

/**
 * An evaluation time (`at`): whole epoch milliseconds or a strict ISO 8601 string
 * (http/strict-time.ts), from 2000-01-01 to one day after now. Checked when the request is read,
 * so "now" is the request's.
 */
export const evaluationTimeSchema = z.unknown().transform((value, ctx) => {
  const bounds = evaluationTimeBounds()
  const parsed =
    typeof value === 'number' ? checkTimeNumber(value, bounds)
    : typeof value === 'string' ? parseStrictTime(value, bounds)
    : { ok: false as const, problem: `expected ${TIME_FORMATS}; got ${value === null ? 'null' : typeof value}` }
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.problem })
    return z.NEVER
  }
  return parsed.ms
})

/** Who changes an alert or a nonconformity, and why: both recorded as evidence. */
export const changeSchema = z.strictObject({
  /** Defaults to the API key's name. */
  by: z.string().trim().min(1).max(200).optional(),
  note: z.string().trim().min(3, 'say why (note)').max(4000),
})

/** The evaluator of the loaded policy, or 409 saying how to load one (the governance routes need it). */
export function requireEvaluator(evaluator: () => Evaluator | undefined): Evaluator {
  const current = evaluator()
  if (!current) throw new HttpError(409, 'no_policy', 'no control policy is loaded: start the collector with --policy <file> (or AIMS_POLICY_FILE)')
  return current
}
