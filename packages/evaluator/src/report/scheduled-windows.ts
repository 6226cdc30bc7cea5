import { Cron } from 'croner'
import { CRON_MODE, type Control } from '@aims-monitor/controls'
import { currentWindow, type Window } from '../windows.js'

/** At most this many windows per control in one report: a 1-second schedule over a year stops here. */
export const MAX_WINDOWS_PER_CONTROL = 20_000

const DEFAULT_ROLLING_STEP_MS = 60_000

/**
 * The windows a control's schedule should have produced whose end lies in [from, to), counting only
 * fire times up to `now` (a window not yet due is not missed). Every fire time `t` of the schedule
 * (multiples of `every` since the epoch, or the cron expression's runs through croner with the same
 * mode and time zone as the scheduler) evaluates `currentWindow(control, t)`, exactly as the
 * scheduler does; windows are deduplicated (two fires may land on one window).
 *
 * A fire at t evaluates a window ending at most `labelDelay` before t and at least one window length
 * (tumbling) or step (rolling) earlier, so only fire times in [from + labelDelay, to + labelDelay +
 * granule) can produce a window ending in the period.
 *
 * @example
 * scheduledWindows(dailyControl, Date.parse('2026-11-01'), Date.parse('2026-11-08'), Date.now())
 * // { windows: [7 windows], truncated: false }
 */
export function scheduledWindows(control: Control, from: number, to: number, now: number): { windows: Window[]; truncated: boolean } {
  const delay = control.window.labelDelay
  const current = control.window.current
  const granule = current.type === 'tumbling' ? current.size : current.step ?? ('every' in control.schedule ? control.schedule.every : DEFAULT_ROLLING_STEP_MS)
  const lower = from + delay
  const upper = Math.min(to + delay + granule, now + 1)
  const windows = new Map<number, Window>()
  let truncated = false
  const consider = (t: number): boolean => {
    const window = currentWindow(control, t)
    if (window.to >= from && window.to < to) windows.set(window.to, window)
    if (windows.size >= MAX_WINDOWS_PER_CONTROL) truncated = true
    return !truncated
  }
  const schedule = control.schedule
  if ('every' in schedule) {
    for (let t = Math.ceil(lower / schedule.every) * schedule.every; t < upper; t += schedule.every) if (!consider(t)) break
  } else {
    const cron = new Cron(schedule.cron, { paused: true, mode: CRON_MODE, timezone: schedule.timezone })
    // nextRun is strictly after its argument: start one millisecond before the lower bound.
    let next = cron.nextRun(new Date(lower - 1))
    for (let guard = 0; next !== null && next.getTime() < upper && guard < MAX_WINDOWS_PER_CONTROL * 4; guard++) {
      if (!consider(next.getTime())) break
      next = cron.nextRun(next)
    }
  }
  return { windows: [...windows.values()].sort((a, b) => a.from - b.from), truncated }
}
