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

/**
 * recordTimestampMs without bigint: nanoseconds = high·2^32 + low, and the time in ms is
 * ⌊nanos / 1000⌋ / 1000. high·2^32 = 1000·(high·4,294,967) + high·296, so
 * ⌊nanos / 1000⌋ = high·4,294,967 + ⌊(high·296 + low) / 1000⌋, every term an exact double while
 * high < 2^31 (until the year 2262). Later times, or none: undefined (the protobuf fast readers then hand the record to the general path).
 */
export function timestampMsOfHalves(timeHigh: number, timeLow: number, observedHigh: number, observedLow: number): number | undefined {
  let high = timeHigh
  let low = timeLow
  if (high === 0 && low === 0) {
    high = observedHigh
    low = observedLow
  }
  if ((high === 0 && low === 0) || high >= 0x80000000) return undefined
  const micros = high * 4294967 + Math.floor((high * 296 + low) / 1000)
  return micros / 1000
}
