// The evidence report holds each control to the schedule of the policy version in force when its
// windows ended: a control retired mid-period is scheduled until then (its missed windows still
// count), a control added mid-period from then on, a rescheduled control by its old cadence and
// then its new one. Policy versions are recorded in the store's history at chosen times; the report
// is built from the store directly.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadPolicy, type PolicyLoaded } from '@aims-monitor/controls'
import { buildEvidenceReport, PolicyHistory, renderMarkdown } from '@aims-monitor/evaluator'
import { openStore, storeConfigFromEnv, type Store } from '@aims-monitor/store'

const DAY = 86_400_000
const D0 = Date.parse('2026-11-01T00:00:00Z')

function control(id: string, every: string, status = 'active'): string {
  return `  - id: ${id}
    version: 1
    title: Volume ${id}
    status: ${status}
    approval: { by: Risk committee, at: 2026-10-01, reference: RC-7 }
    references: { iso42001: [A.6.2.6] }
    owner: { accountable: Head of ML, responsible: ML ops }
    scope: { model: m }
    severity: low
    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: ${every} } }
    thresholds: { direction: below, breach: 1, rationale: No decisions means the service is down. }
    schedule: { every: ${every} }
`
}

function policy(version: number, controls: string[]): PolicyLoaded {
  const loaded = loadPolicy(`apiVersion: aims-monitor/v1\nkind: ControlPolicy\nmetadata: { name: versions-test, version: ${version} }\ncontrols:\n${controls.join('')}`)
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  return loaded
}

// v1 from D0: KEPT daily, RETIRED daily, RESCHEDULED daily. v2 from D0 + 3d: RETIRED removed,
// RESCHEDULED every 12 hours, ADDED daily. v3 (the one given to the report) from D0 + 5d: as v2
// but KEPT retired by status.
const v1 = policy(1, [control('KEPT', '1d'), control('RETIRED', '1d'), control('RESCHEDULED', '1d')])
const v2 = policy(2, [control('KEPT', '1d'), control('RESCHEDULED', '12h'), control('ADDED', '1d')])
const v3 = policy(3, [control('KEPT', '1d', 'retired'), control('RESCHEDULED', '12h'), control('ADDED', '1d')])

const dir = mkdtempSync(path.join(tmpdir(), 'aims-report-versions-'))
let store: Store

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(dir, 'store') }))
  const history = new PolicyHistory(store)
  await history.recordLoad(v1, 'test', D0 - 1)
  await history.recordLoad(v2, 'test', D0 + 3 * DAY)
  await history.recordLoad(v3, 'test', D0 + 5 * DAY)
}, 60_000)

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

it('schedules each control by the policy version in force when its windows ended', async () => {
  const report = await buildEvidenceReport(store, { project: 'default', from: D0, to: D0 + 7 * DAY, policy: v3, now: D0 + 30 * DAY })
  const scheduled = Object.fromEntries(report.schedule.controls.map((c) => [c.controlId, c.scheduled]))
  // Windows end in [from, to) of each part: [D0, D0+3d) under v1, [D0+3d, D0+5d) under v2, [D0+5d, D0+7d) under v3.
  expect(scheduled).toEqual({
    KEPT: 3 + 2, // daily under v1 and v2; retired in v3
    RETIRED: 3, // daily under v1 only
    RESCHEDULED: 3 + 4 + 4, // daily under v1, every 12 hours under v2 and v3
    ADDED: 2 + 2, // daily from v2 on
  })
  // Nothing was evaluated: everything scheduled is missed.
  expect(report.schedule.totals).toMatchObject({ scheduled: 23, executed: 0, missed: 23, unscheduled: 0 })
  expect(report.schedule.basis.map((b) => [b.from, b.to, b.version, b.reason])).toEqual([
    ['2026-11-01T00:00:00.000Z', '2026-11-04T00:00:00.000Z', '1', 'recorded'],
    ['2026-11-04T00:00:00.000Z', '2026-11-06T00:00:00.000Z', '2', 'recorded'],
    ['2026-11-06T00:00:00.000Z', '2026-11-08T00:00:00.000Z', '3', 'recorded'],
  ])
  expect(renderMarkdown(report)).toMatch(/\| 2026-11-04.* \| 2 \| [0-9a-f]{12}… \| recorded version \|/)
})

it('uses the policy given to the report before the first recorded version, and says so', async () => {
  const report = await buildEvidenceReport(store, { project: 'default', from: D0 - 2 * DAY, to: D0 + DAY, policy: v3, now: D0 + 30 * DAY })
  expect(report.schedule.basis.map((b) => [b.version, b.reason])).toEqual([['3', 'before_first_recorded_load'], ['1', 'recorded']])
  // Before D0 - 1 ms: v3's active controls, daily windows ending D0 - 2d and D0 - 1d (RESCHEDULED: four 12-hour windows); from then on v1's.
  expect(Object.fromEntries(report.schedule.controls.map((c) => [c.controlId, c.scheduled]))).toEqual({ RESCHEDULED: 4 + 1, ADDED: 2, KEPT: 1, RETIRED: 1 })
  expect(report.integrity.limitations.join('\n')).toMatch(/Schedules from 2026-10-30T00:00:00.000Z to 2026-10-31T23:59:59.999Z are those of the policy given to the report \(version 3, .*before the first version the policy history recorded/)
})
