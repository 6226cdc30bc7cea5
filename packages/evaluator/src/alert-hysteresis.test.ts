// Alert hysteresis through Evaluator.evaluate on a real embedded store: a batch reads its controls'
// active alerts once and re-reads them only when an evaluation may write to one (evaluate-control.ts),
// so this holds the whole cycle to the state machine — a breach opens the alert, each pass counts
// toward clearAfterPasses, the alert clears on the second pass and a later pass writes nothing —
// across batches that each evaluate several controls.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadPolicy } from '@aims-monitor/controls'
import { openStore, PredictionTables, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { Evaluator } from './evaluator.js'
import { controlYaml } from './test-support/control-yaml.js'

const DAY = 86_400_000
const START = Date.parse('2026-11-01T00:00:00Z')
const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-hysteresis-'))
let store: Store
let evaluator: Evaluator

const control = (id: string, breachBelow: number) => controlYaml(id, `    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { direction: below, breach: ${breachBelow}, rationale: Fewer predictions than the service makes on a quiet day. }
    response: { clearAfterPasses: 2 }
`, { title: `Daily volume of ${id}` })

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
  const table = store.table(await new PredictionTables(store).ensure('default', 'm', []))
  // Day 0: 10 predictions (VOLUME breaches), days 1–3: 100 each (it passes). LOW never breaches.
  for (const [day, count] of [[0, 10], [1, 100], [2, 100], [3, 100]] as const) {
    await store.client.command({
      query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label)
        SELECT generateUUIDv4(), fromUnixTimestamp64Milli(toInt64(${START + day * DAY} + number * 1000)), now64(3), '1', 'production', 'ok', 'yes' FROM numbers(${count})`,
    })
  }
  const loaded = loadPolicy(`apiVersion: aims-monitor/v1\nkind: ControlPolicy\nmetadata: { name: hysteresis, version: 1 }\ncontrols:\n${control('VOLUME', 50)}${control('LOW', 1)}`)
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
  evaluator = new Evaluator({ store, policy: loaded })
}, 60_000)

afterAll(async () => {
  await evaluator?.stop()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

const afterDay = (day: number) => START + (day + 1) * DAY + 60_000

it('opens on a breach, counts each pass, clears after two and then stays quiet, batch after batch', async () => {
  const outcomes = async (day: number) => Object.fromEntries((await evaluator.evaluate({ at: afterDay(day) })).map((r) => [r.controlId, r.outcome]))
  const volumeAlerts = async () => (await evaluator.alerts.list({ controlId: 'VOLUME' }))

  expect(await outcomes(0)).toEqual({ VOLUME: 'breach', LOW: 'pass' })
  let [alert] = await volumeAlerts()
  expect(alert).toMatchObject({ state: 'open', consecutivePasses: 0 })

  expect(await outcomes(1)).toEqual({ VOLUME: 'pass', LOW: 'pass' })
  ;[alert] = await volumeAlerts()
  expect(alert).toMatchObject({ state: 'open', consecutivePasses: 1 })

  expect(await outcomes(2)).toEqual({ VOLUME: 'pass', LOW: 'pass' })
  ;[alert] = await volumeAlerts()
  expect(alert!.state).toBe('resolved')

  // A pass with no active alert opens nothing and leaves the resolved one as it was.
  const before = await volumeAlerts()
  expect(await outcomes(3)).toEqual({ VOLUME: 'pass', LOW: 'pass' })
  expect(await volumeAlerts()).toEqual(before)
  expect(await evaluator.alerts.list({ controlId: 'LOW' })).toEqual([])
})
