import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { ClickHouseClient } from '@clickhouse/client'
import { renderDdl, splitStatements, tableEngine, type DdlContext } from './ddl-template.js'
import { qualifiedTable, quoteIdentifier } from './identifiers.js'

/** Migrations shipped with the package: `migrations/NNNN_name.sql`, one change per file. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url))

export interface Migration {
  version: number
  name: string
  sql: string
  checksum: string
}

export interface MigrationResult {
  applied: Migration[]
  alreadyApplied: number
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const file of files) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file)
    if (!match) throw new Error(`migration file ${file} is not named NNNN_name.sql`)
    const version = Number(match[1])
    if (migrations.some((m) => m.version === version)) throw new Error(`two migrations numbered ${match[1]}`)
    const sql = await readFile(`${dir}/${file}`, 'utf8')
    migrations.push({ version, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') })
  }
  return migrations
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, and records each.
 * Refuses to run when an applied migration's file has changed since: a migration is history, and
 * editing it would leave stores that ran the old text behind silently.
 */
export async function runMigrations(client: ClickHouseClient, context: DdlContext, migrations?: Migration[]): Promise<MigrationResult> {
  const all = migrations ?? (await loadMigrations())
  const db = quoteIdentifier(context.database)
  const onCluster = context.cluster ? `ON CLUSTER ${quoteIdentifier(context.cluster)}` : ''
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db} ${onCluster}` })
  const table = qualifiedTable(context.database, 'schema_migrations')
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${table} ${onCluster} (version UInt32, name String, checksum String, applied_at DateTime64(3))
            ENGINE = ${tableEngine('ReplacingMergeTree', 'applied_at', context.cluster)} ORDER BY version`,
  })
  const rows = await (
    await client.query({ query: `SELECT version, name, checksum FROM ${table} FINAL ORDER BY version`, format: 'JSONEachRow' })
  ).json<{ version: number; name: string; checksum: string }>()
  const done = new Map(rows.map((r) => [Number(r.version), r]))
  const applied: Migration[] = []
  for (const migration of all) {
    const recorded = done.get(migration.version)
    if (recorded) {
      if (recorded.checksum !== migration.checksum) {
        throw new Error(
          `migration ${migration.version} (${migration.name}) was changed after it was applied to this store; add a new migration instead of editing it`,
        )
      }
      continue
    }
    for (const statement of splitStatements(renderDdl(migration.sql, context))) {
      await client.command({ query: statement })
    }
    await client.insert({
      table,
      values: [{ version: migration.version, name: migration.name, checksum: migration.checksum, applied_at: Date.now() }],
      format: 'JSONEachRow',
    })
    applied.push(migration)
  }
  return { applied, alreadyApplied: done.size }
}
