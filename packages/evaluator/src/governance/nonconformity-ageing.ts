import type { Nonconformity } from '../nonconformity-repository.js'

const DAY_MS = 86_400_000

/** How old a nonconformity is and whether its corrective action is late (clause 10.2 ageing). */
export interface NonconformityAgeing {
  /** Whole days from opening to closure, or to now while it is not closed. */
  readonly ageDays: number
  /** Whole days left until the due date (negative: that many days late); null once closed. */
  readonly dueInDays: number | null
  /** Not closed and past its due date. */
  readonly overdue: boolean
  /** Closed after its due date (null while not closed). */
  readonly closedLate: boolean | null
}

/**
 * The due date as a moment: a date alone (`2026-12-01`, as people give it) is due by the end of that
 * day (UTC), a full time at that time.
 */
export function dueAt(dueDate: string): number {
  const ms = Date.parse(dueDate)
  return /^\d{4}-\d{2}-\d{2}$/.test(dueDate) ? ms + DAY_MS : ms
}

/**
 * The ageing of `record` at `now`.
 *
 * @example
 * nonconformityAgeing(record, Date.parse('2026-12-15T00:00:00Z'))
 * // { ageDays: 14, dueInDays: -2, overdue: true, closedLate: null }
 */
export function nonconformityAgeing(record: Pick<Nonconformity, 'openedAt' | 'dueDate' | 'status' | 'closed'>, now = Date.now()): NonconformityAgeing {
  const opened = Date.parse(record.openedAt)
  const due = dueAt(record.dueDate)
  const closedAt = record.status === 'closed' && record.closed ? Date.parse(record.closed.at) : null
  const ageDays = Math.max(0, Math.floor(((closedAt ?? now) - opened) / DAY_MS))
  if (closedAt !== null) return { ageDays, dueInDays: null, overdue: false, closedLate: Number.isNaN(due) ? null : closedAt > due }
  if (Number.isNaN(due)) return { ageDays, dueInDays: null, overdue: false, closedLate: null }
  // Rounded towards "later": due in 0.4 days is 0 days left, 0.4 days late is -1 (already late).
  const dueInDays = Math.floor((due - now) / DAY_MS)
  return { ageDays, dueInDays, overdue: now > due, closedLate: null }
}

/** The record with its ageing beside it, as the API answers it. */
export function withAgeing<T extends Pick<Nonconformity, 'openedAt' | 'dueDate' | 'status' | 'closed'>>(record: T, now = Date.now()): T & { ageing: NonconformityAgeing } {
  return { ...record, ageing: nonconformityAgeing(record, now) }
}
