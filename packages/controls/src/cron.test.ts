import { describe, expect, it } from 'vitest'
import { cronProblem, timezoneProblem } from './cron.js'

describe('cronProblem', () => {
  it('accepts five-field expressions and nicknames', () => {
    for (const expression of ['0 6 * * 1', '*/15 * * * *', '30 0 1 * *', '0 9-17 * * MON-FRI', '@daily', '@hourly']) {
      expect(cronProblem(expression), expression).toBeUndefined()
    }
    expect(cronProblem('0 6 * * 1', 'Europe/Paris')).toBeUndefined()
  })

  it('refuses out-of-range fields, wrong field counts and dates that never come', () => {
    expect(cronProblem('61 * * * *')).toMatch(/^invalid cron expression "61 \* \* \* \*": .*minute/)
    expect(cronProblem('0 0 6 * * *')).toMatch(/^invalid cron expression .*5 parts/)
    expect(cronProblem('* * * *')).toMatch(/^invalid cron expression/)
    expect(cronProblem('0 0 30 2 *')).toBe('cron expression "0 0 30 2 *" never fires (no such date)')
  })
})

describe('timezoneProblem', () => {
  it('knows IANA zones and refuses others', () => {
    expect(timezoneProblem('UTC')).toBeUndefined()
    expect(timezoneProblem('America/New_York')).toBeUndefined()
    expect(timezoneProblem('Mars/Olympus')).toMatch(/^unknown time zone "Mars\/Olympus"/)
  })
})
