import type { Control } from '@aims-monitor/controls'
import type { EvaluationRecord } from '../evaluation-record.js'
import type { ControlSchedule, ReportSchedule, ScheduledWindow } from './report-data.js'
import { scheduledWindows } from './scheduled-windows.js'

/** Exceptions (missed and not-judged windows) listed per control; counts stay exact beyond it. */
const MAX_EXCEPTIONS = 200

/**
 * Scheduled vs executed vs missed (ISO/IEC 42001 9.1: monitoring ran as planned). For each active
 * control, the windows its schedule should have produced in the period are compared with the
 * evaluation records by (control id, window): a window with a record is executed (one whose outcome
 * is insufficient_data or error too, listed as not judged), one without is missed. Records for
 * windows the schedule did not produce (evaluations on demand) are counted as unscheduled.
 */
export function scheduleSection(controls: readonly Control[], records: readonly EvaluationRecord[], from: number, to: number, now: number): ReportSchedule {
  const byControl = new Map<string, Map<string, EvaluationRecord>>()
  for (const record of records) {
    const windows = byControl.get(record.control.id) ?? new Map<string, EvaluationRecord>()
    windows.set(`${record.window.from}/${record.window.to}`, record)
    byControl.set(record.control.id, windows)
  }
  const rows = controls.filter((c) => c.status === 'active').map((control): ControlSchedule => {
    const { windows, truncated } = scheduledWindows(control, from, to, now)
    const evaluated = byControl.get(control.id) ?? new Map<string, EvaluationRecord>()
    const exceptions: ScheduledWindow[] = []
    let executed = 0
    let notJudged = 0
    const matched = new Set<string>()
    for (const window of windows) {
      const iso = { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() }
      const key = `${iso.from}/${iso.to}`
      const record = evaluated.get(key)
      if (record) {
        matched.add(key)
        executed++
        if (record.outcome === 'insufficient_data' || record.outcome === 'error') {
          notJudged++
          if (exceptions.length < MAX_EXCEPTIONS) exceptions.push({ ...iso, status: 'executed', outcome: record.outcome })
        }
      } else if (exceptions.length < MAX_EXCEPTIONS) exceptions.push({ ...iso, status: 'missed', outcome: null })
    }
    return {
      controlId: control.id, scheduled: windows.length, executed, missed: windows.length - executed, notJudged,
      unscheduled: [...evaluated.keys()].filter((key) => !matched.has(key)).length, exceptions, truncated,
    }
  })
  const sum = (pick: (row: ControlSchedule) => number) => rows.reduce((n, row) => n + pick(row), 0)
  return {
    totals: { scheduled: sum((r) => r.scheduled), executed: sum((r) => r.executed), missed: sum((r) => r.missed), notJudged: sum((r) => r.notJudged), unscheduled: sum((r) => r.unscheduled) },
    controls: rows,
  }
}
