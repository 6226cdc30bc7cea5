import { createReadStream } from 'node:fs'
import path from 'node:path'
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import type { StoreConfig } from './config.js'
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js'
import { qualifiedTable } from './identifiers.js'
import { runMigrations, type MigrationResult } from './migrations.js'
import { applyRetention } from './retention.js'
import { PredictionTables } from './prediction-tables.js'
import { structureOf, type ColumnSpec } from './prediction-layout.js'

export type StoreMode = 'embedded' | 'server'

type ChdbClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection']

/**
 * An open ClickHouse store. Every query goes through `client` (`@clickhouse/client`); the
 * embedded engine is plugged in as its connection, so SQL and migrations are the same on both.
 */
export interface Store {
  readonly client: ClickHouseClient
  readonly config: StoreConfig
  readonly mode: StoreMode
  /** Held for embedded stores; the caller takes its own for a server store's local spool. */
  readonly lock: DataDirLock | undefined
  readonly migrations: MigrationResult
  /** `database`.`table`, quoted. */
  table(name: string): string
  /**
   * Inserts a file of RowBinary rows with the given columns. Embedded: the engine reads the file
   * itself through `file()`, no copy through JavaScript. Server: the file is streamed as the body.
   * `dedupToken` makes a replay of the same file after a crash a no-op.
   * `optimize_on_insert = 0`: ReplacingMergeTree would otherwise collapse duplicates inside each
   * inserted block, which cost 20-27% of insert speed (measured); duplicates across blocks are only
   * collapsed on merge and under FINAL anyway, which is how every count is read.
   */
  insertRowBinaryFile(params: { table: string; columns: readonly ColumnSpec[]; file: string; dedupToken: string }): Promise<void>
  close(): Promise<void>
}

export async function openStore(config: StoreConfig): Promise<Store> {
  const mode: StoreMode = config.url ? 'server' : 'embedded'
  let lock: DataDirLock | undefined
  let client: ClickHouseClient
  if (mode === 'embedded') {
    lock = acquireDataDirLock(config.dataDir)
    try {
      // chdb types its connection against @clickhouse/client-common, which the client bundles its own
      // copy of; the shapes are the same contract (chdb/connection's documented use), the types differ.
      const connection = createChdbConnection({ path: path.join(config.dataDir, 'clickhouse') }) as unknown as ChdbClientConnection
      client = createClient({ connection })
    } catch (error) {
      lock.release()
      throw error
    }
  } else {
    client = createClient({
      url: config.url,
      username: config.username,
      password: config.password,
      request_timeout: 60_000,
      compression: { request: false, response: true },
      clickhouse_settings: { date_time_input_format: 'best_effort' },
      // Failures reach our own logs through the callers (the drainer retries and logs each one);
      // the client's own ERROR lines with stacks would only repeat them.
      log: { level: ClickHouseLogLevel.OFF },
    })
  }
  let migrations: MigrationResult
  try {
    migrations = await runMigrations(client, { database: config.database, cluster: config.cluster, retentionDays: config.retentionDays })
  } catch (error) {
    // Closing after a failed migration: the migration error is the one worth reporting.
    await client.close().catch(() => undefined)
    lock?.release()
    const where = mode === 'server' ? `the ClickHouse server at ${config.url} (check AIMS_CLICKHOUSE_URL, AIMS_CLICKHOUSE_USER, AIMS_CLICKHOUSE_PASSWORD)` : `the embedded store in ${config.dataDir}`
    throw new Error(`cannot open ${where}: ${(error as Error).message}`, { cause: error })
  }
  const table = (name: string) => qualifiedTable(config.database, name)
  const store: Store = {
    client,
    config,
    mode,
    lock,
    migrations,
    table,
    async insertRowBinaryFile({ table: name, columns, file, dedupToken }) {
      const columnList = columns.map((c) => '`' + c.name + '`').join(', ')
      if (!/^[0-9a-zA-Z-]{1,64}$/.test(dedupToken)) throw new Error(`invalid deduplication token ${JSON.stringify(dedupToken)}`)
      if (mode === 'embedded') {
        // In the statement, not as clickhouse_settings: chDB applies those with SET, which would
        // stay on the session and silently de-duplicate later, unrelated inserts.
        await client.command({
          query: `INSERT INTO ${table(name)} (${columnList}) SETTINGS insert_deduplication_token = '${dedupToken}', optimize_on_insert = 0, deduplicate_blocks_in_dependent_materialized_views = 1
                  SELECT * FROM file({file:String}, 'RowBinary', {structure:String})`,
          query_params: { file, structure: structureOf(columns) },
        })
      } else {
        const result = await client.exec({
          query: `INSERT INTO ${table(name)} (${columnList}) FORMAT RowBinary`,
          values: createReadStream(file),
          // The minute rollups' views drop a re-sent segment too (else the rollup would count it twice).
          clickhouse_settings: { insert_deduplication_token: dedupToken, optimize_on_insert: 0, deduplicate_blocks_in_dependent_materialized_views: 1 },
        })
        result.stream.resume()
      }
    },
    async close() {
      try {
        await client.close()
      } finally {
        lock?.release()
      }
    },
  }
  try {
    await applyRetention(store)
    await new PredictionTables(store).ensureRollups()
  } catch (error) {
    // Closing after a failed start: the start error (rethrown below) is the one worth reporting.
    await store.close().catch(() => undefined)
    throw new Error(`cannot apply the retention of ${config.retentionDays} days or create the minute rollups: ${(error as Error).message}`, { cause: error })
  }
  return store
}
