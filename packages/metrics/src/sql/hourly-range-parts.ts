import type { ParamBag } from './params.js'
import type { TimeWindow } from './scope.js'

const HOUR_MS = 3_600_000

/** A window split for reading an hourly rollup (a table keyed by `hour`) beside the raw rows (keyed by `ts`). */
export interface HourlyRangeParts {
  /** The rollup's condition on `hour` for the window's whole hours, or null when it holds none. */
  readonly hours: string | null
  /** The raw rows' condition on `ts` for the parts of the hours the window's ends cut, or null when none. */
  readonly rawWhere: string | null
}

/**
 * The whole hours of a window (read from an hourly rollup) and the at most two cut parts at its
 * ends (read from the raw rows), every value bound. Hours are counted since the epoch, as the
 * store's rollups key them (not `toStartOfHour`, which follows the server's time zone). With
 * `wholeHours` false (no rollup to read) no hour is whole: the whole window is a raw part. Read by
 * the dashboard's distributions and the evaluator's rollup guide, so that both cut alike.
 *
 * @example
 * const { hours, rawWhere } = hourlyRangeParts({ from: Date.parse('2026-11-01T00:30Z'), to: Date.parse('2026-11-01T03:00Z') }, bag, true)
 * // hours: 01:00–03:00 on `hour`; rawWhere: 00:30–01:00 on `ts`
 */
export function hourlyRangeParts(window: TimeWindow, bag: ParamBag, wholeHours: boolean): HourlyRangeParts {
  const firstWhole = wholeHours ? Math.ceil(window.from / HOUR_MS) * HOUR_MS : Infinity
  const endWhole = wholeHours ? Math.floor(window.to / HOUR_MS) * HOUR_MS : -Infinity
  const pieces: [number, number][] = []
  let hours: string | null = null
  if (firstWhole < endWhole) {
    hours = `hour >= toDateTime(${bag.bind('whole_from_s', 'Int64', firstWhole / 1000)}) AND hour < toDateTime(${bag.bind('whole_to_s', 'Int64', endWhole / 1000)})`
    if (window.from < firstWhole) pieces.push([window.from, firstWhole])
    if (endWhole < window.to) pieces.push([endWhole, window.to])
  } else pieces.push([window.from, window.to])
  const rawWhere = pieces.length === 0 ? null : pieces.map(([a, b]) => `(ts >= ${bag.dateTime64('piece_from', a)} AND ts < ${bag.dateTime64('piece_to', b)})`).join(' OR ')
  return { hours, rawWhere }
}
