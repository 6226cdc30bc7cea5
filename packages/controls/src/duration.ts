import { z } from 'zod'

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

/**
 * Milliseconds of a duration such as `90s`, `15m`, `1h`, `7d`, `2w` (or `0`), or undefined when
 * the text is not one. Months and years are refused: their length varies, and a window whose
 * length varies cannot be compared with the last one.
 *
 * @example
 * parseDuration('7d') // 604800000
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(text)
  if (match === null) return undefined
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
  return Number.isSafeInteger(ms) ? ms : undefined
}

/** A duration in the policy file, parsed to milliseconds. */
export const durationSchema = z.union([z.string(), z.literal(0)]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? 0 : parseDuration(value)
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 30s, 15m, 1h, 7d or 2w, got ${JSON.stringify(value)}` })
    return z.NEVER
  }
  return ms
})

/**
 * A duration in milliseconds written back the way a policy would say it (`86400000` → `1d`).
 *
 * @example
 * formatDuration(5_400_000) // '90m'
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0'
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
  }
  return `${ms}ms`
}
