/** Conversions of OTLP log record timestamps and ids to the native wire format. */

const NANOS_PER_MICRO = 1000n

/**
 * The record's time in epoch milliseconds: `timeUnixNano`, or `observedTimeUnixNano` when the
 * former is 0 (unset), as the OTLP data model says; undefined when both are unset. Sub-millisecond
 * digits are kept as a fraction; the wire schema rounds.
 */
export function recordTimestampMs(timeUnixNano: bigint, observedTimeUnixNano: bigint): number | undefined {
  const nanos = timeUnixNano > 0n ? timeUnixNano : observedTimeUnixNano
  if (nanos <= 0n) return undefined
  return Number(nanos / NANOS_PER_MICRO) / 1000
}

/** A trace or span id as the wire format wants it: lower-case hex, absent when empty or all zeros (OTLP's "no id"). */
export function optionalHexId(hex: string): string | undefined {
  if (hex === '' || /^0+$/.test(hex)) return undefined
  return hex.toLowerCase()
}
