// The collector's own reader of times (no other import: the CLI starts without the collector).
import { parseStrictTime, type TimeBounds } from '@aims-monitor/collector/strict-time'
import { CliError } from './cli-error.js'

/**
 * A time option (`--from`, `--to`, `--at`): epoch milliseconds or a strict ISO 8601 date or
 * date-time, read exactly as the collector reads its query parameters, or a CliError naming the
 * option and its value.
 *
 * @example
 * parseTimeOption('2026-11-01', '--from')  // 1793491200000
 * parseTimeOption('1.5', '--at')           // throws "--at 1.5: expected epoch milliseconds or …"
 */
export function parseTimeOption(value: string, option: string, options: { bounds?: TimeBounds; exitCode?: number } = {}): number {
  const parsed = parseStrictTime(value, options.bounds)
  if (!parsed.ok) throw new CliError(`${option} ${value}: ${parsed.problem}`, options.exitCode)
  return parsed.ms
}

/** A date option (`--due-date`): a calendar date only, such as 2026-12-31. */
export function parseDateOption(value: string, option: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !parseStrictTime(value).ok) throw new CliError(`${option} ${value}: expected a calendar date such as 2026-12-31`)
  return value
}
