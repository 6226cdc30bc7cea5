import { z } from 'zod'

/**
 * A whole number in a query string, written as decimal digits only. `z.coerce.number()` would take
 * "0x10" as 16, "1e2" as 100, " 5 " as 5 and "" as 0: a client sending those meant something else,
 * so they are refused, naming the accepted range.
 *
 * @example
 * z.strictObject({ limit: queryInteger(1, 10_000).default(100) }) // ?limit=50 → 50; ?limit=1e2 → 400
 */
export function queryInteger(min: number, max: number) {
  const expected = `expected a whole number from ${min} to ${max}, in decimal digits`
  return z.string().transform((s, ctx) => {
    const n = /^\d{1,16}$/.test(s) ? Number(s) : NaN
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${expected}; got ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}` })
      return z.NEVER
    }
    return n
  })
}

/** The longest read-your-writes wait (`?wait=` of GET /v1/models and /v1/register); more is cut to it. */
export const MAX_WAIT_MS = 60_000

/** `?wait=<ms>`: digits; values above a minute wait a minute. */
export const waitParam = z.string().transform((s, ctx) => {
  if (!/^\d{1,16}$/.test(s)) {
    ctx.addIssue({ code: 'custom', message: `expected milliseconds in decimal digits (0 to ${MAX_WAIT_MS}; more waits ${MAX_WAIT_MS / 1000} s)` })
    return z.NEVER
  }
  return Math.min(Number(s), MAX_WAIT_MS)
})
