import { describe, expect, it } from 'vitest'
import { dueAt, nonconformityAgeing } from './nonconformity-ageing.js'

const DAY = 86_400_000
const OPENED = '2026-12-01T10:00:00.000Z'
const open = (dueDate: string) => ({ openedAt: OPENED, dueDate, status: 'open' as const, closed: null })

describe('nonconformity ageing', () => {
  it('counts whole days since opening and days left until the due date', () => {
    const now = Date.parse(OPENED) + 3.5 * DAY
    expect(nonconformityAgeing(open('2026-12-31T10:00:00.000Z'), now)).toEqual({ ageDays: 3, dueInDays: 26, overdue: false, closedLate: null })
  })

  it('reads a date alone as due by the end of that day (UTC)', () => {
    expect(dueAt('2026-12-05')).toBe(Date.parse('2026-12-06T00:00:00Z'))
    expect(nonconformityAgeing(open('2026-12-05'), Date.parse('2026-12-05T23:59:00Z')).overdue).toBe(false)
    expect(nonconformityAgeing(open('2026-12-05'), Date.parse('2026-12-06T00:01:00Z'))).toEqual({ ageDays: 4, dueInDays: -1, overdue: true, closedLate: null })
  })

  it('is overdue, with a negative count of days, once past the due date', () => {
    expect(nonconformityAgeing(open('2026-12-02T10:00:00.000Z'), Date.parse(OPENED) + 10 * DAY)).toEqual({ ageDays: 10, dueInDays: -9, overdue: true, closedLate: null })
  })

  it('stops ageing at closure and says whether it closed late', () => {
    const closed = (at: string) => ({ openedAt: OPENED, dueDate: '2026-12-10', status: 'closed' as const, closed: { at, by: 'x', note: 'done' } })
    expect(nonconformityAgeing(closed('2026-12-08T10:00:00.000Z'), Date.parse('2027-06-01T00:00:00Z'))).toEqual({ ageDays: 7, dueInDays: null, overdue: false, closedLate: false })
    expect(nonconformityAgeing(closed('2026-12-20T10:00:00.000Z'), Date.parse('2027-06-01T00:00:00Z'))).toEqual({ ageDays: 19, dueInDays: null, overdue: false, closedLate: true })
  })
})
