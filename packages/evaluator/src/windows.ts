import type { Control } from '@aims-monitor/controls'

/** A time window in epoch milliseconds, `from` inclusive, `to` exclusive. */
export interface Window {
  readonly from: number
  readonly to: number
}

/** Where a rolling window's end snaps to when neither `step` nor an `every` schedule gives a grid. */
const DEFAULT_ROLLING_STEP_MS = 60_000

/**
 * The current window a control evaluates at time `at`. The window ends `labelDelay` before `at`
 * (outcome-based metrics wait for their labels), snapped to a grid so that every replica, and a
 * re-run, derive the same window from nearby times:
 * - tumbling: the last complete window among back-to-back windows of `size` aligned to the epoch (UTC);
 * - rolling: the `size` before the end, the end aligned down to `step` (default: the `every` of the
 *   schedule, else one minute).
 *
 * @example
 * // a control with window.current = { type: 'tumbling', size: 1d } and no label delay:
 * currentWindow(control, Date.parse('2026-11-26T10:00:00Z'))
 * // { from: Date.parse('2026-11-25T00:00:00Z'), to: Date.parse('2026-11-26T00:00:00Z') }
 */
export function currentWindow(control: Control, at: number): Window {
  const { current, labelDelay } = control.window
  const end = at - labelDelay
  if (current.type === 'tumbling') {
    const to = Math.floor(end / current.size) * current.size
    return { from: to - current.size, to }
  }
  const step = current.step ?? ('every' in control.schedule ? control.schedule.every : DEFAULT_ROLLING_STEP_MS)
  const to = Math.floor(end / step) * step
  return { from: to - current.size, to }
}

/** The reference window of a control whose reference is a past window: ending `offset` before the current window starts. */
export function referenceWindow(control: Control, current: Window): Window | null {
  const reference = control.window.reference
  if (reference === undefined || !('window' in reference)) return null
  const to = current.from - reference.window.offset
  return { from: to - reference.window.size, to }
}

export function isoWindow(window: Window): { from: string; to: string } {
  return { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() }
}
