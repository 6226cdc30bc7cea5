import { LIMITS } from '@aims-monitor/schema'
import { textOf } from './call-error.js'

/** The wire format's id pattern (packages/schema patterns.ts ID_PATTERN): printable ASCII, no spaces. */
const ID_PATTERN = /^[\x21-\x7e]+$/

/** Whether the collector takes `id` as a prediction id: a string of 1-128 printable ASCII characters without spaces. */
export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && id.length >= 1 && id.length <= LIMITS.maxIdLength && ID_PATTERN.test(id)
}

/**
 * Epoch milliseconds of a logPrediction/logOutcome timestamp: now when not given (undefined or
 * null); NaN when the collector would refuse it — not convertible to a number (a Symbol, a
 * valueOf that throws, an invalid Date), not finite, before 2000-01-01, or more than the tolerated
 * skew (10 minutes) ahead of this clock. Never throws.
 */
export function timestampOf(value: unknown): number {
  if (value === undefined || value === null) return Date.now()
  let ms: number
  if (typeof value === 'number') ms = value
  else {
    try {
      ms = Number(value) // a Date, a BigInt of milliseconds, an object with valueOf (a moment)
    } catch {
      // A Symbol, or a valueOf/toPrimitive that throws: not a timestamp.
      return NaN
    }
  }
  return ms >= LIMITS.minTimestampMs && ms <= Date.now() + LIMITS.maxFutureSkewMs ? ms : NaN
}

/** A short description of a refused argument, for a warning (never the whole of a 10 kB id). */
export function preview(value: unknown): string {
  if (typeof value !== 'string') return value === null ? 'null' : typeof value
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
}

/**
 * logPrediction's `error` as the wire format takes it: a non-empty type ('Error' otherwise) and
 * the message as a string. May throw (a getter, a toString that throws): the caller guards it.
 */
export function manualError(error: unknown): { type: string; message: string | undefined } | undefined {
  if (error === undefined || error === null) return undefined
  if (typeof error !== 'object') return { type: typeof error === 'string' && error.length > 0 ? error : 'Error', message: undefined }
  const { type, message } = error as { type?: unknown; message?: unknown }
  return { type: typeof type === 'string' && type.length > 0 ? type : 'Error', message: textOf(message) }
}
