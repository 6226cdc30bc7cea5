import { z } from 'zod'
import type { Evaluator } from '@aims-monitor/evaluator'
import { HttpError } from '../http/http-error.js'

/** Parses external input with zod, or answers 400 naming every field that was wrong and how. */
export function parseOr400<T extends z.ZodType>(schema: T, input: unknown, code: string): z.output<T> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    throw new HttpError(400, code, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '))
  }
  return parsed.data
}

/** A time given as epoch milliseconds or an ISO 8601 string. */
export const timeSchema = z.union([
  z.number().int().nonnegative(),
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time').transform((s) => Date.parse(s)),
])

/** The same, from a query string (always text). */
export const queryTimeSchema = z.string().transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s)
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected epoch milliseconds or an ISO 8601 time' })
    return z.NEVER
  }
  return ms
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
