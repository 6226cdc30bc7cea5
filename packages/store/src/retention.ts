import { qualifiedTable, quoteIdentifier } from './identifiers.js'
import type { Store } from './open-store.js'
import { featureRollupTtlExpression, numericFeatureRollupName, rollupTableName, rollupTtlExpression, stringFeatureRollupName } from './rollup-table-ddl.js'

/**
 * Keeps the TTL of every event table equal to the configured retention. Tables get the retention in
 * force when they are created; when `AIMS_RETENTION_DAYS` changes later, this rewrites their TTL
 * (`ALTER … MODIFY TTL`, which re-evaluates existing parts) and records the new value in `meta`.
 * Returns the previous retention when it changed.
 */
export async function applyRetention(store: Store): Promise<{ changedFrom: number } | undefined> {
  const days = Math.trunc(store.config.retentionDays)
  const rows = await (
    await store.client.query({
      query: `SELECT argMax(value, updated) AS value FROM ${store.table('meta')} WHERE key = 'retention_days' GROUP BY key`,
      format: 'JSONEachRow',
    })
  ).json<{ value: string }>()
  const recorded = rows[0] ? Number(rows[0].value) : undefined
  if (recorded === days) return undefined
  if (recorded !== undefined) {
    const tables = await (
      await store.client.query({
        query: `SELECT DISTINCT predictions_table FROM ${store.table('models')} FINAL`,
        format: 'JSONEachRow',
      })
    ).json<{ predictions_table: string }>()
    const onCluster = store.config.cluster ? ` ON CLUSTER ${quoteIdentifier(store.config.cluster)}` : ''
    // outcomes_latest (migration 0005) holds the same outcomes, so it keeps them exactly as long.
    for (const table of ['outcomes', 'outcomes_latest', ...tables.map((t) => t.predictions_table)]) {
      await store.client.command({
        query: `ALTER TABLE ${qualifiedTable(store.config.database, table)}${onCluster} MODIFY TTL toDateTime(ts) + toIntervalDay(${days})`,
      })
    }
    // Each predictions table's rollups keep their minutes and hours exactly as long as the rows they sum.
    // (A table older than rollups has none until the store opens it: they are then created with the new TTL.)
    const ttlOf = new Map<string, string>()
    for (const { predictions_table: t } of tables) {
      ttlOf.set(rollupTableName(t), rollupTtlExpression(days))
      for (const name of [numericFeatureRollupName(t), stringFeatureRollupName(t)]) ttlOf.set(name, featureRollupTtlExpression(days))
    }
    const rollups = await (
      await store.client.query({
        query: 'SELECT name FROM system.tables WHERE database = {db:String} AND has({names:Array(String)}, name)',
        query_params: { db: store.config.database, names: [...ttlOf.keys()] },
        format: 'JSONEachRow',
      })
    ).json<{ name: string }>()
    for (const { name } of rollups) {
      await store.client.command({
        query: `ALTER TABLE ${qualifiedTable(store.config.database, name)}${onCluster} MODIFY TTL ${ttlOf.get(name)!}`,
      })
    }
  }
  await store.client.insert({
    table: store.table('meta'),
    values: [{ key: 'retention_days', value: String(days), updated: Date.now() }],
    format: 'JSONEachRow',
  })
  return recorded === undefined ? undefined : { changedFrom: recorded }
}

/** The TTL expression of a table as ClickHouse reports it, for checks and the evidence report. */
export async function tableTtl(store: Store, table: string): Promise<string | undefined> {
  const rows = await (
    await store.client.query({
      query: 'SELECT create_table_query AS ddl FROM system.tables WHERE database = {db:String} AND name = {table:String}',
      query_params: { db: store.config.database, table },
      format: 'JSONEachRow',
    })
  ).json<{ ddl: string }>()
  return rows[0] ? /TTL (.+?)(?: SETTINGS |$)/.exec(rows[0].ddl)?.[1] : undefined
}
