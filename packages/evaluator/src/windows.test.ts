import { describe, expect, it } from 'vitest'
import { controlSchema, type Control } from '@aims-monitor/controls'
import { currentWindow, isoWindow, referenceWindow } from './windows.js'

function control(window: Record<string, unknown>, schedule: Record<string, unknown> = { every: '1h' }): Control {
  return controlSchema.parse({
    id: 'W-1', version: 1, title: 'window test', status: 'active',
    approval: { by: 'x', at: '2026-01-01', reference: 'r' }, references: { iso42001: ['9.1'] },
    owner: { accountable: 'a', responsible: 'b' }, scope: { model: 'm' },
    metric: { kind: 'data_quality', name: 'volume' },
    window, thresholds: { breach: 1, rationale: 'a test threshold' }, schedule, severity: 'low',
  })
}

const iso = (w: { from: number; to: number }) => isoWindow(w)

describe('currentWindow', () => {
  it('tumbling: the last complete window aligned to the epoch', () => {
    const c = control({ current: { type: 'tumbling', size: '1d' } })
    expect(iso(currentWindow(c, Date.parse('2026-11-26T10:00:00Z')))).toEqual({ from: '2026-11-25T00:00:00.000Z', to: '2026-11-26T00:00:00.000Z' })
    // At the boundary itself the window that just ended is evaluated.
    expect(iso(currentWindow(c, Date.parse('2026-11-26T00:00:00Z')))).toEqual({ from: '2026-11-25T00:00:00.000Z', to: '2026-11-26T00:00:00.000Z' })
    expect(iso(currentWindow(c, Date.parse('2026-11-25T23:59:59.999Z')))).toEqual({ from: '2026-11-24T00:00:00.000Z', to: '2026-11-25T00:00:00.000Z' })
  })

  it('tumbling 1h: nearby times give the same window (replicas agree)', () => {
    const c = control({ current: { type: 'tumbling', size: '1h' } })
    const a = currentWindow(c, Date.parse('2026-11-26T10:05:00Z'))
    const b = currentWindow(c, Date.parse('2026-11-26T10:59:00Z'))
    expect(a).toEqual(b)
    expect(iso(a)).toEqual({ from: '2026-11-26T09:00:00.000Z', to: '2026-11-26T10:00:00.000Z' })
  })

  it('rolling: size before an end aligned down to step', () => {
    const c = control({ current: { type: 'rolling', size: '28d', step: '1d' } })
    expect(iso(currentWindow(c, Date.parse('2011-03-01T13:45:00Z')))).toEqual({ from: '2011-02-01T00:00:00.000Z', to: '2011-03-01T00:00:00.000Z' })
    const c15 = control({ current: { type: 'rolling', size: '1h', step: '15m' } })
    expect(iso(currentWindow(c15, Date.parse('2026-11-26T10:44:59Z')))).toEqual({ from: '2026-11-26T09:30:00.000Z', to: '2026-11-26T10:30:00.000Z' })
  })

  it('rolling without step: aligned to the schedule\'s every, else to the minute', () => {
    const every = control({ current: { type: 'rolling', size: '1h' } }, { every: '10m' })
    expect(iso(currentWindow(every, Date.parse('2026-11-26T10:19:00Z')))).toEqual({ from: '2026-11-26T09:10:00.000Z', to: '2026-11-26T10:10:00.000Z' })
    const cron = control({ current: { type: 'rolling', size: '1h' } }, { cron: '0 * * * *' })
    expect(iso(currentWindow(cron, Date.parse('2026-11-26T10:19:31Z')))).toEqual({ from: '2026-11-26T09:19:00.000Z', to: '2026-11-26T10:19:00.000Z' })
  })

  it('label delay: the window ends that long before the evaluation time', () => {
    const tumbling = control({ current: { type: 'tumbling', size: '1d' }, labelDelay: '2d' })
    expect(iso(currentWindow(tumbling, Date.parse('2026-11-26T10:00:00Z')))).toEqual({ from: '2026-11-23T00:00:00.000Z', to: '2026-11-24T00:00:00.000Z' })
    const rolling = control({ current: { type: 'rolling', size: '7d', step: '1h' }, labelDelay: '36h' })
    expect(iso(currentWindow(rolling, Date.parse('2026-11-26T10:30:00Z')))).toEqual({ from: '2026-11-17T22:00:00.000Z', to: '2026-11-24T22:00:00.000Z' })
  })
})

describe('referenceWindow', () => {
  it('a past window ending offset before the current one starts', () => {
    const c = control({ current: { type: 'tumbling', size: '1d' }, reference: { window: { offset: '7d', size: '7d' } } })
    const current = currentWindow(c, Date.parse('2026-11-26T10:00:00Z'))
    expect(iso(referenceWindow(c, current)!)).toEqual({ from: '2026-11-11T00:00:00.000Z', to: '2026-11-18T00:00:00.000Z' })
    const adjacent = control({ current: { type: 'tumbling', size: '1d' }, reference: { window: { offset: 0, size: '1d' } } })
    expect(iso(referenceWindow(adjacent, current)!)).toEqual({ from: '2026-11-24T00:00:00.000Z', to: '2026-11-25T00:00:00.000Z' })
  })

  it('null for a data set reference or none', () => {
    const current = { from: 0, to: 86_400_000 }
    expect(referenceWindow(control({ current: { type: 'tumbling', size: '1d' }, reference: { dataset: 'ref-1' } }), current)).toBeNull()
    expect(referenceWindow(control({ current: { type: 'tumbling', size: '1d' } }), current)).toBeNull()
  })
})
