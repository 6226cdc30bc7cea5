/**
 * The one reader of times that people and programs give the collector and the CLI (query
 * parameters, `at`, `--from`/`--to`/`--at`): epoch milliseconds as digits, or an ISO 8601 date
 * (`2026-11-01`, midnight UTC) or date-time with an offset (`2026-11-01T12:00:00Z`,
 * `2026-11-01T12:00:00.250+01:00`). Nothing else: V8's Date.parse reads "-5" as May 2001, "1.5" as
 * 5 January 2001 and "2026-02-30" as 2 March, so a typo would silently become another period. A
 * date-time needs its offset because local time would be the server's, which the client cannot see.
 * Kept free of imports so that the CLI can load it (`@aims-monitor/collector/strict-time`) without
 * the collector.
 */

/** Nothing in the store is older than the epoch. */
export const EARLIEST_TIME_MS = 0
/** DateTime64(3) reaches 2299-12-31. */
export const LATEST_TIME_MS = Date.UTC(2299, 11, 31)

/** What every refusal shows as accepted forms. */
export const TIME_FORMATS = 'an ISO 8601 date or date-time with its offset, such as 2026-11-01 or 2026-11-01T12:00:00Z, or epoch milliseconds such as 1793491200000'

export interface TimeBounds {
  /** Inclusive, epoch ms. */
  readonly min: number
  /** Inclusive, epoch ms. */
  readonly max: number
  /** How the bounds read in a message; default the two dates. */
  readonly describe?: string
}

/** The store's range: 1970-01-01 to 2299-12-31. */
export const STORE_TIME_BOUNDS: TimeBounds = { min: EARLIEST_TIME_MS, max: LATEST_TIME_MS, describe: 'from 1970-01-01 to 2299-12-31' }

/** No evaluation window of AI monitoring data starts before this: `at: 1` is a typo, not 1970. */
export const EARLIEST_EVALUATION_MS = Date.UTC(2000, 0, 1)
/** How far ahead of now an evaluation time may be: clock skew and time zones, not future windows. */
export const EVALUATION_LEAD_MS = 24 * 60 * 60 * 1000

/**
 * Where an evaluation time (`at` of POST /v1/controls/evaluate, `aims evaluate --at`) may fall:
 * 2000-01-01 to one day after now. A window further ahead has no data yet, and its hash-chained
 * record would stay the control's latest outcome for good.
 */
export function evaluationTimeBounds(now = Date.now()): TimeBounds {
  const max = now + EVALUATION_LEAD_MS
  return { min: EARLIEST_EVALUATION_MS, max, describe: `from 2000-01-01 to one day after now (${new Date(max).toISOString()})` }
}

export type ParsedTime = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly problem: string }

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/i

/**
 * Reads `text` as a time within `bounds` (default the store's). The problem, when refused, is a
 * sentence without the parameter's name (the caller puts it in front: `from: …`, `--at 1.5: …`).
 *
 * @example
 * parseStrictTime('2026-11-01')          // { ok: true, ms: 1793491200000 }
 * parseStrictTime('1793491200000')       // the same
 * parseStrictTime('2026-02-30').ok       // false: no such date
 */
export function parseStrictTime(text: string, bounds: TimeBounds = STORE_TIME_BOUNDS): ParsedTime {
  let ms: number
  if (/^\d+$/.test(text)) ms = Number(text)
  else {
    const fields = DATE_TIME.exec(text)
    if (!fields) return { ok: false, problem: `expected ${TIME_FORMATS}; got ${quote(text)}` }
    const read = readDateTime(fields)
    if (read === undefined) return { ok: false, problem: `${quote(text)} is not a date and time of the calendar (month 01-12, a day the month has, hours 00-23, minutes and seconds 00-59)` }
    ms = read
  }
  return checkBounds(ms, bounds, text)
}

/** The same check for a number given as a number (JSON `at: 1793491200000`). */
export function checkTimeNumber(value: number, bounds: TimeBounds = STORE_TIME_BOUNDS): ParsedTime {
  if (!Number.isSafeInteger(value)) return { ok: false, problem: `expected whole epoch milliseconds; got ${value}` }
  return checkBounds(value, bounds, String(value))
}

function checkBounds(ms: number, bounds: TimeBounds, text: string): ParsedTime {
  if (Number.isSafeInteger(ms) && ms >= bounds.min && ms <= bounds.max) return { ok: true, ms }
  const given = Number.isSafeInteger(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : quote(text)
  const range = bounds.describe ?? `from ${new Date(bounds.min).toISOString()} to ${new Date(bounds.max).toISOString()}`
  return { ok: false, problem: `expected a time ${range}; got ${given}` }
}

/** Epoch ms of the matched fields, or undefined when they name no real instant (2026-02-30, 25:00). */
function readDateTime(fields: RegExpExecArray): number | undefined {
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset = 'Z'] = fields
  const year = Number(y), month = Number(mo), day = Number(d)
  const hour = Number(h), minute = Number(mi), second = Number(s)
  if (hour > 23 || minute > 59 || second > 59) return undefined
  let offsetMinutes = 0
  if (offset.toUpperCase() !== 'Z') {
    const oh = Number(offset.slice(1, 3)), om = Number(offset.slice(4, 6))
    if (oh > 23 || om > 59) return undefined
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om)
  }
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  // The round trip: an impossible day (02-30) rolls over into another month and is caught here.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined
  date.setUTCHours(hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)))
  return date.getTime() - offsetMinutes * 60_000
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}
