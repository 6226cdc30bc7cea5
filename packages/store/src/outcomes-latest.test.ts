import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { renderDdl, splitStatements } from './ddl-template.js'
import { loadMigrations, runMigrations } from './migrations.js'

// Migration 0005 on a store that already holds outcomes: the store is migrated up to 0004 first,
// outcomes arrive, then the remaining migrations run (as on an upgrade). One chDB data directory for
// the file (one per process), driven through the client the store itself uses.

type ChdbClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection']
const dir = mkdtempSync(path.join(tmpdir(), 'aims-outcomes-latest-'))
const context = { database: 'aims', retentionDays: 365 }
let client: ClickHouseClient

interface Outcome {
  project: string
  model_id: string
  prediction_id: string
  ts: number
  received: number
  label: string
  value: number
}
const sent: Outcome[] = []
const now = Date.now()
const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`

async function insert(rows: Outcome[]): Promise<void> {
  sent.push(...rows)
  await client.insert({
    table: 'aims.outcomes',
    values: rows.map((r) => ({ ...r, model_version: '1', ts: seconds(r.ts), received: seconds(r.received) })),
    format: 'JSONEachRow',
    // As the store inserts: no collapsing inside a block, so a retry in the same block reaches the view.
    clickhouse_settings: { optimize_on_insert: 0 },
  })
}

/** DateTime64(3) as the text 'seconds.mmm' (a JSON number with a fraction is not parsed as one). */
const seconds = (ms: number) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`

/** The rule of argMax over `outcomes`: later ts wins, then later received. */
function expectedLatest(): Map<string, Outcome> {
  const latest = new Map<string, Outcome>()
  for (const o of sent) {
    const key = `${o.project}/${o.model_id}/${o.prediction_id}`
    const seen = latest.get(key)
    if (!seen || o.ts > seen.ts || (o.ts === seen.ts && o.received > seen.received)) latest.set(key, o)
  }
  return latest
}

async function latestRows(final: boolean): Promise<Map<string, { label: string; value: number }>> {
  const rows = await (await client.query({
    query: `SELECT project, model_id, toString(prediction_id) AS prediction_id, label, value FROM aims.outcomes_latest ${final ? 'FINAL' : ''}`,
    format: 'JSONEachRow',
  })).json<{ project: string; model_id: string; prediction_id: string; label: string; value: number }>()
  const out = new Map<string, { label: string; value: number }>()
  for (const r of rows) {
    const key = `${r.project}/${r.model_id}/${r.prediction_id}`
    if (out.has(key)) throw new Error(`two rows for ${key}`)
    out.set(key, { label: r.label, value: r.value })
  }
  return out
}

function asExpected(): Map<string, { label: string; value: number }> {
  return new Map([...expectedLatest()].map(([k, o]) => [k, { label: o.label, value: o.value }]))
}

beforeAll(async () => {
  client = createClient({ connection: createChdbConnection({ path: path.join(dir, 'clickhouse') }) as unknown as ChdbClientConnection })
  const all = await loadMigrations()
  await runMigrations(client, context, all.filter((m) => m.version < 5))
})

afterAll(async () => {
  await client?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('migration 0005: outcomes_latest', () => {
  it('backfills the outcomes stored before it, keeping the latest per prediction', async () => {
    await insert([
      { project: 'p', model_id: 'm', prediction_id: id(1), ts: now - 9000, received: now - 8000, label: 'first', value: 1 },
      { project: 'p', model_id: 'm', prediction_id: id(1), ts: now - 5000, received: now - 4000, label: 'corrected', value: 2 },
      // Same ts, later receipt (a retry whose label changed): the later receipt wins.
      { project: 'p', model_id: 'm', prediction_id: id(2), ts: now - 5000, received: now - 4000, label: 'sent', value: 3 },
      { project: 'p', model_id: 'm', prediction_id: id(2), ts: now - 5000, received: now - 3000, label: 'resent', value: 4 },
      // A later receipt of an older outcome loses to the later ts.
      { project: 'p', model_id: 'm', prediction_id: id(3), ts: now - 5000, received: now - 4000, label: 'newer-ts', value: 5 },
      { project: 'p', model_id: 'm', prediction_id: id(3), ts: now - 6000, received: now - 1000, label: 'late-old', value: 6 },
      // The same prediction id under another model and another project stays apart.
      { project: 'p', model_id: 'other', prediction_id: id(1), ts: now - 9000, received: now - 8000, label: 'other-model', value: 7 },
      { project: 'q', model_id: 'm', prediction_id: id(1), ts: now - 9000, received: now - 8000, label: 'other-project', value: 8 },
    ])
    const result = await runMigrations(client, context)
    expect(result.applied.map((m) => m.version)).toContain(5)
    expect(await latestRows(true)).toEqual(asExpected())
    expect((await latestRows(true)).get(`p/m/${id(2)}`)).toEqual({ label: 'resent', value: 4 })
  })

  it('keeps up with later inserts: corrections, retries and exact duplicates', async () => {
    await insert([
      { project: 'p', model_id: 'm', prediction_id: id(1), ts: now - 1000, received: now - 500, label: 'corrected-again', value: 9 },
      { project: 'p', model_id: 'm', prediction_id: id(3), ts: now - 7000, received: now, label: 'too-old', value: 10 },
      { project: 'p', model_id: 'm', prediction_id: id(4), ts: now - 2000, received: now - 1500, label: 'new', value: 11 },
    ])
    // A retried batch: the same rows again.
    await insert([{ project: 'p', model_id: 'm', prediction_id: id(4), ts: now - 2000, received: now - 1500, label: 'new', value: 11 }])
    await insert([{ project: 'p', model_id: 'm', prediction_id: id(4), ts: now - 2000, received: now - 1400, label: 'new-retried', value: 12 }])
    const final = await latestRows(true)
    expect(final).toEqual(asExpected())
    expect(final.get(`p/m/${id(1)}`)?.label).toBe('corrected-again')
    expect(final.get(`p/m/${id(3)}`)?.label).toBe('newer-ts')
    expect(final.get(`p/m/${id(4)}`)?.label).toBe('new-retried')
    // Once merged, the table holds one row per prediction and reads the same without FINAL.
    await client.command({ query: 'OPTIMIZE TABLE aims.outcomes_latest FINAL' })
    expect(await latestRows(false)).toEqual(asExpected())
  })

  it('is idempotent: running its statements again (a crash before it was recorded) changes no result', async () => {
    const migration = (await loadMigrations()).find((m) => m.version === 5)!
    for (const statement of splitStatements(renderDdl(migration.sql, context))) await client.command({ query: statement })
    expect(await latestRows(true)).toEqual(asExpected())
    const again = await runMigrations(client, context)
    expect(again.applied).toEqual([])
  })
})
