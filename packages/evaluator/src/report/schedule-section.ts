import type { EvaluationRecord } from '../evaluation-record.js'
import type { PolicySegment } from './policies-in-force.js'
import type { ControlSchedule, ReportSchedule, ScheduledWindow } from './report-data.js'
import { scheduledWindows } from './scheduled-windows.js'

/** Exceptions (missed and not-judged windows) listed per control; counts stay exact beyond it. */
const MAX_EXCEPTIONS = 200

/**
 * Scheduled vs executed vs missed (ISO/IEC 42001 9.1: monitoring ran as planned). In each part of
 * the period, each control active in the policy in force then (policySegments) is held to the
 * windows its schedule should have produced whose end lies in that part; the windows are compared
 * with the evaluation records by (control id, window): a window with a record is executed (one
 * whose outcome is insufficient_data or error too, listed as not judged), one without is missed.
 * Records of a control for windows no schedule produced (evaluations on demand, or while the control
 * was not active) are counted as unscheduled. A control appears once, its parts summed.
 */
export function scheduleSection(segments: readonly PolicySegment[], records: readonly EvaluationRecord[], now: number): ReportSchedule {
  const byControl = new Map<string, Map<string, EvaluationRecord>>()
  for (const record of records) {
    const windows = byControl.get(record.control.id) ?? new Map<string, EvaluationRecord>()
    windows.set(`${record.window.from}/${record.window.to}`, record)
    byControl.set(record.control.id, windows)
  }
  const rows = new Map<string, { row: Mutable<ControlSchedule>; exceptions: ScheduledWindow[]; matched: Set<string> }>()
  for (const segment of segments) {
    for (const control of segment.controls) {
      if (control.status !== 'active') continue
      let entry = rows.get(control.id)
      if (!entry) {
        const exceptions: ScheduledWindow[] = []
        entry = { row: { controlId: control.id, scheduled: 0, executed: 0, missed: 0, notJudged: 0, unscheduled: 0, exceptions, truncated: false }, exceptions, matched: new Set() }
        rows.set(control.id, entry)
      }
      const { windows, truncated } = scheduledWindows(control, segment.from, segment.to, now)
      const evaluated = byControl.get(control.id) ?? new Map<string, EvaluationRecord>()
      const { row, exceptions, matched } = entry
      row.truncated ||= truncated
      row.scheduled += windows.length
      for (const window of windows) {
        const iso = { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() }
        const key = `${iso.from}/${iso.to}`
        const record = evaluated.get(key)
        if (record) {
          matched.add(key)
          row.executed++
          if (record.outcome === 'insufficient_data' || record.outcome === 'error') {
            row.notJudged++
            if (exceptions.length < MAX_EXCEPTIONS) exceptions.push({ ...iso, status: 'executed', outcome: record.outcome })
          }
        } else {
          row.missed++
          if (exceptions.length < MAX_EXCEPTIONS) exceptions.push({ ...iso, status: 'missed', outcome: null })
        }
      }
    }
  }
  const controls: ControlSchedule[] = [...rows.values()].map(({ row, matched }) => {
    row.unscheduled = [...(byControl.get(row.controlId)?.keys() ?? [])].filter((key) => !matched.has(key)).length
    return row
  })
  const sum = (pick: (row: ControlSchedule) => number) => controls.reduce((n, row) => n + pick(row), 0)
  return {
    totals: { scheduled: sum((r) => r.scheduled), executed: sum((r) => r.executed), missed: sum((r) => r.missed), notJudged: sum((r) => r.notJudged), unscheduled: sum((r) => r.unscheduled) },
    controls,
    basis: segments.map((s) => s.basis),
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
