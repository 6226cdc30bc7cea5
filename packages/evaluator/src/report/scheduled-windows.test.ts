import { describe, expect, it } from 'vitest'
import { loadPolicy, type Control } from '@aims-monitor/controls'
import { scheduledWindows } from './scheduled-windows.js'

const DAY = 86_400_000
const FROM = Date.parse('2026-11-01T00:00:00Z')
const TO = Date.parse('2026-11-08T00:00:00Z')

function control(schedule: string, window: string, extra = ''): Control {
  const loaded = loadPolicy(`apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: t, version: 1 }
controls:
  - id: C
    version: 1
    title: Volume
    status: active
    approval: { by: A, at: 2026-10-01, reference: R }
    references: { iso42001: [A.6.2.6] }
    owner: { accountable: A, responsible: B }
    scope: { model: m }
    severity: low
    metric: { kind: data_quality, name: volume }
    window: ${window}
    thresholds: { direction: below, breach: 1, rationale: A unit test of the schedule. }
    schedule: ${schedule}
${extra}`)
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  return loaded.policy.controls[0]!
}

const ends = (c: Control, now = TO + DAY) => scheduledWindows(c, FROM, TO, now).windows.map((w) => new Date(w.to).toISOString().slice(0, 10))

describe('scheduledWindows', () => {
  it('every 1d over daily tumbling windows: one window per day ending in [from, to)', () => {
    expect(ends(control('{ every: 1d }', '{ current: { type: tumbling, size: 1d } }'))).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07'])
  })

  it('a cron at 01:00 produces the same daily windows; windows not yet due are not scheduled', () => {
    const c = control('{ cron: "0 1 * * *" }', '{ current: { type: tumbling, size: 1d } }')
    expect(ends(c)).toHaveLength(7)
    expect(ends(c, Date.parse('2026-11-03T12:00:00Z'))).toEqual(['2026-11-01', '2026-11-02', '2026-11-03'])
  })

  it('a label delay shifts the fires, not the windows counted; hourly fires dedupe onto daily windows', () => {
    expect(ends(control('{ every: 1h }', '{ current: { type: tumbling, size: 1d }, labelDelay: 2d }'))).toHaveLength(7)
  })
})
