import { Cron } from 'croner'

/**
 * Checks a control's `schedule.cron` at load, with the same library that can run it (croner), so
 * that a schedule the evaluator could not follow fails validation instead of silently never firing.
 * Five fields only (minute hour day-of-month month day-of-week, or @hourly/@daily/@weekly/
 * @monthly/@yearly): second-precision schedules make no sense for windows of minutes or more.
 */
export const CRON_MODE = '5-part' as const

/**
 * Undefined when `expression` is a five-field cron expression that fires at least once in the
 * time zone (UTC when none), otherwise why not.
 *
 * @example
 * cronProblem('0 6 * * 1')  // undefined: Mondays at 06:00
 * cronProblem('61 * * * *') // 'invalid cron expression "61 * * * *": Invalid value for minute: 61; …'
 */
export function cronProblem(expression: string, timezone = 'UTC'): string | undefined {
  let next: Date | null
  try {
    next = new Cron(expression, { paused: true, mode: CRON_MODE, timezone }).nextRun()
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error)
    return `invalid cron expression ${JSON.stringify(expression)}: ${reason}; expected five fields (minute hour day-of-month month day-of-week) such as "0 6 * * 1", or @hourly, @daily, @weekly, @monthly`
  }
  return next === null ? `cron expression ${JSON.stringify(expression)} never fires (no such date)` : undefined
}

/**
 * Undefined when `timezone` is an IANA time zone this Node.js knows (`Europe/Paris`, `UTC`),
 * otherwise what was expected.
 */
export function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone })
    return undefined
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    return `unknown time zone ${JSON.stringify(timezone)}: expected an IANA name such as UTC or Europe/Paris`
  }
}
