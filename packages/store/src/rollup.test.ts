import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { storeConfigFromEnv } from './config.js'
import { openStore, type Store } from './open-store.js'
import { BASE_PREDICTION_COLUMNS, structureOf } from './prediction-layout.js'
import { PredictionTables } from './prediction-tables.js'
import { rollupLatencyFunction, rollupTableName, rollupViewName } from './rollup-table-ddl.js'

// One embedded store for the file (chDB: one data directory per process).
const dir = mkdtempSync(path.join(tmpdir(), 'aims-rollup-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const T0 = Date.parse('2026-11-23T10:00:00Z')

/** n rows from row `first`: one every 7 s, every 10th an error, labels a/b/'' and finite latencies. */
async function insertRows(store: Store, table: string, first: number, n: number): Promise<void> {
  await store.client.command({
    query: `INSERT INTO ${store.table(table)} (id, ts, received, model_version, environment, status, output_label, output_score, latency_ms)
      SELECT generateUUIDv4(), fromUnixTimestamp64Milli(toInt64(${T0} + number * 7000)), now64(3), if(number % 2 = 0, '1', '2'), 'prod',
        if(number % 10 = 0, 'error', 'ok'), if(number % 10 = 0, '', if(number % 3 = 0, 'a', 'b')),
        if(number % 10 = 0, nan, (number % 100) / 100), 1 + number % 50
      FROM numbers(${first}, ${n})`,
  })
}

async function rows<T>(store: Store, query: string): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json<T>()
}

/** Per (version, minute) totals of the rollup and of the raw rows, for comparison. */
async function both(store: Store, table: string) {
  const rollup = await rows(store, `SELECT model_version, toUnixTimestamp(minute) AS m, sum(predictions) AS n, sum(errors) AS e, sum(latency_n) AS ln,
      sumMap(labels) AS labels, round(sum(score_sum), 9) AS ss, sum(score_n) AS sn
    FROM ${store.table(rollupTableName(table))} GROUP BY model_version, m ORDER BY model_version, m`)
  const raw = await rows(store, `SELECT model_version, toUnixTimestamp(toStartOfMinute(ts)) AS m, count() AS n, countIf(status = 'error') AS e, countIf(isFinite(latency_ms)) AS ln,
      sumMapIf([toString(output_label)], [toUInt64(1)], output_label != '') AS labels, round(sumIf(output_score, isFinite(output_score)), 9) AS ss, countIf(isFinite(output_score)) AS sn
    FROM ${store.table(table)} GROUP BY model_version, m ORDER BY model_version, m`)
  return { rollup, raw }
}

describe('minute rollup', () => {
  it('is kept at insert, and a table older than rollups is backfilled once on the next ensure()', async () => {
    const store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
    try {
      const table = await new PredictionTables(store).ensure('default', 'rolled', BASE_PREDICTION_COLUMNS)
      await insertRows(store, table, 0, 500)
      let { rollup, raw } = await both(store, table)
      expect(rollup.length).toBeGreaterThan(50)
      expect(rollup).toEqual(raw)

      // A table from before this change: no view, no rollup, rows already there.
      await store.client.command({ query: `DROP VIEW ${store.table(rollupViewName(table))}` })
      await store.client.command({ query: `DROP TABLE ${store.table(rollupTableName(table))}` })
      await insertRows(store, table, 500, 300)
      await new PredictionTables(store).ensure('default', 'rolled', BASE_PREDICTION_COLUMNS)
      ;({ rollup, raw } = await both(store, table))
      expect(rollup).toEqual(raw)

      // Idempotent: a later ensure() (another process) and the open-time pass do not fill it again.
      await new PredictionTables(store).ensure('default', 'rolled', BASE_PREDICTION_COLUMNS)
      await new PredictionTables(store).ensureRollups()
      await insertRows(store, table, 800, 100) // and the view keeps counting after the backfill
      ;({ rollup, raw } = await both(store, table))
      expect(rollup).toEqual(raw)

      // A spool segment re-sent whole (same deduplication token) counts once, here as in the table.
      const file = path.join(dir, 'segment.bin')
      await store.client.command({
        query: `INSERT INTO FUNCTION file({file:String}, 'RowBinary', {structure:String})
          SELECT generateUUIDv4(), fromUnixTimestamp64Milli(toInt64(${T0} + number * 1000)), now64(3), '1', 'prod', 'ok', '', 'a', 0.5, nan, 2, nan, '', '' FROM numbers(40)`,
        query_params: { file, structure: structureOf(BASE_PREDICTION_COLUMNS) },
      })
      for (let i = 0; i < 2; i++) await store.insertRowBinaryFile({ table, columns: BASE_PREDICTION_COLUMNS, file, dedupToken: 'segment-1' })
      ;({ rollup, raw } = await both(store, table))
      expect(rollup).toEqual(raw)

      // The latency sketch answers the percentiles of the finite latencies within 1 %.
      const [q] = await rows<{ q: number[]; exact: number[] }>(store, `SELECT (SELECT ${rollupLatencyFunction('Merge')}(latency) FROM ${store.table(rollupTableName(table))}) AS q,
        (SELECT quantilesExactLow(0.5, 0.95, 0.99)(latency_ms) FROM ${store.table(table)}) AS exact`)
      q!.q.forEach((value, k) => expect(Math.abs(value - q!.exact[k]!)).toBeLessThanOrEqual(q!.exact[k]! * 0.01 + 1))
    } finally {
      await store.close()
    }
  })
})
