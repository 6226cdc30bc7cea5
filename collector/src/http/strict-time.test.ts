import { describe, expect, it } from 'vitest'
import { checkTimeNumber, evaluationTimeBounds, parseStrictTime, STORE_TIME_BOUNDS } from './strict-time.js'

const ms = (text: string) => {
  const parsed = parseStrictTime(text)
  if (!parsed.ok) throw new Error(parsed.problem)
  return parsed.ms
}
const problem = (text: string, bounds = STORE_TIME_BOUNDS) => {
  const parsed = parseStrictTime(text, bounds)
  if (parsed.ok) throw new Error(`${text} was accepted as ${new Date(parsed.ms).toISOString()}`)
  return parsed.problem
}

describe('parseStrictTime', () => {
  it('reads digits as epoch ms, a date as midnight UTC, and a date-time with its offset', () => {
    expect(ms('0')).toBe(0)
    expect(ms('1793491200000')).toBe(Date.UTC(2026, 10, 1))
    expect(ms('2026-11-01')).toBe(Date.UTC(2026, 10, 1))
    expect(ms('2026-11-01T12:30:15Z')).toBe(Date.UTC(2026, 10, 1, 12, 30, 15))
    expect(ms('2026-11-01T12:30Z')).toBe(Date.UTC(2026, 10, 1, 12, 30))
    expect(ms('2026-11-01T13:30:15.5+01:00')).toBe(Date.UTC(2026, 10, 1, 12, 30, 15, 500))
    expect(ms('2026-11-01T00:00:00.123456789-02:30')).toBe(Date.UTC(2026, 10, 1, 2, 30, 0, 123))
    expect(ms('2026-11-01t12:00:00z')).toBe(Date.UTC(2026, 10, 1, 12))
    expect(ms('2028-02-29')).toBe(Date.UTC(2028, 1, 29))
    expect(ms('2299-12-31')).toBe(Date.UTC(2299, 11, 31))
  })

  it('refuses what Date.parse would bend into another time, saying what it accepts', () => {
    for (const text of ['-5', '1.5', '', ' 1', '1 ', '0x10', '1e3', '+010000-01-01', '2026-11-01T00:00:00', '2026-11-01 00:00:00Z', 'Sun, 01 Nov 2026 00:00:00 GMT', '2026-11-01T00:00:00Z\u0000', '2026-1-1', 'yesterday']) {
      expect(problem(text), JSON.stringify(text)).toMatch(/ISO 8601 date or date-time .*epoch milliseconds/)
    }
    for (const text of ['2026-02-30', '2027-02-29', '2026-13-01', '2026-00-10', '2026-11-00', '2026-11-01T24:00:00Z', '2026-11-01T12:60:00Z', '2026-11-01T12:00:60Z', '2026-11-01T12:00:00+24:00']) {
      expect(problem(text), text).toMatch(/not a date and time of the calendar/)
    }
  })

  it('keeps to the bounds: the store holds 1970 to 2299', () => {
    expect(problem('1969-12-31')).toMatch(/from 1970-01-01 to 2299-12-31; got 1969-12-31T00:00:00.000Z/)
    expect(problem('0050-01-01')).toMatch(/from 1970-01-01/) // not read as 1950
    expect(problem('2300-01-01')).toMatch(/to 2299-12-31/)
    expect(problem('99999999999999999999')).toMatch(/got "99999999999999999999"/)
    expect(problem('9'.repeat(10_000))).toMatch(/got "9{40}…"/)
  })

  it('evaluation times: 2000-01-01 to one day after now, numbers whole', () => {
    const now = Date.UTC(2026, 10, 27, 12)
    const bounds = evaluationTimeBounds(now)
    expect(parseStrictTime('2000-01-01', bounds)).toEqual({ ok: true, ms: Date.UTC(2000, 0, 1) })
    expect(problem('1999-12-31T23:59:59.999Z', bounds)).toMatch(/from 2000-01-01 to one day after now \(2026-11-28T12:00:00.000Z\)/)
    expect(checkTimeNumber(now + 86_400_000, bounds).ok).toBe(true)
    expect(checkTimeNumber(now + 86_400_001, bounds).ok).toBe(false)
    expect(checkTimeNumber(1.5, bounds)).toEqual({ ok: false, problem: 'expected whole epoch milliseconds; got 1.5' })
    expect(checkTimeNumber(Number.NaN, bounds).ok).toBe(false)
    expect(checkTimeNumber(1e15, bounds).ok).toBe(false)
  })
})
