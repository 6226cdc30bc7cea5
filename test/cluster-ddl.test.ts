import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouseClient } from '@clickhouse/client'
import {
  addColumnsSql,
  attributeColumn,
  backfillRollupSql,
  createRollupTableSql,
  createRollupViewSql,
  createPredictionsTableSql,
  featureColumn,
  loadMigrations,
  predictionsTableName,
  renderDdl,
  runMigrations,
  splitStatements,
} from '@aims-monitor/store'
import { ChdbEngine } from './support/chdb-engine.js'

// No ClickHouse cluster can run here, so the cluster DDL is proven the way that is possible: every
// statement the store would send to a cluster is parsed by ClickHouse itself (chDB's formatQuery),
// and its shape (ON CLUSTER, Replicated* engines with the {shard}/{replica} macros) is checked on
// the parsed form. The single-node rendering runs for real in the other tests.

const cluster = { database: 'aims', cluster: 'aims_cluster', retentionDays: 365 }
const single = { database: 'aims', retentionDays: 365 }
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-cluster-ddl-'))
let engine: ChdbEngine

beforeAll(() => {
  engine = new ChdbEngine(path.join(root, 'clickhouse'))
})
afterAll(() => {
  engine?.close()
  rmSync(root, { recursive: true, force: true })
})

/** ClickHouse's own parse of `sql`, printed back; throws with ClickHouse's message if it does not parse. */
async function parsed(sql: string): Promise<string> {
  const [row] = await engine.rows<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q: sql })
  return row!.f
}

/**
 * What runMigrations sends before the numbered migrations (database and bookkeeping table), caught
 * by a client that records statements and reports that nothing was applied yet.
 */
async function bootstrapStatements(context: typeof cluster | typeof single): Promise<string[]> {
  const sent: string[] = []
  const recorder = {
    command: async ({ query }: { query: string }) => void sent.push(query),
    query: async () => ({ json: async () => [] }),
    insert: async () => undefined,
  } as unknown as ClickHouseClient
  await runMigrations(recorder, context, [])
  return sent
}

async function migrationStatements(context: typeof cluster | typeof single): Promise<Array<{ where: string; sql: string }>> {
  const statements = (await bootstrapStatements(context)).map((sql) => ({ where: 'runMigrations bootstrap', sql }))
  for (const migration of await loadMigrations()) {
    for (const sql of splitStatements(renderDdl(migration.sql, context))) statements.push({ where: `migration ${migration.version}_${migration.name}`, sql })
  }
  return statements
}

const table = predictionsTableName('default', 'credit-risk')
const newColumns = [featureColumn('age', 'num'), featureColumn('region', 'str'), featureColumn('has_default', 'bool'), attributeColumn('sex')]

describe('cluster DDL (AIMS_CLICKHOUSE_CLUSTER)', () => {
  it('every migration statement parses in ClickHouse, with ON CLUSTER and a Replicated engine', async () => {
    const statements = await migrationStatements(cluster)
    expect(statements.length).toBeGreaterThan(2)
    for (const { where, sql } of statements) {
      const formatted = await parsed(sql).catch((error: Error) => {
        throw new Error(`${where} does not parse:\n${sql}\n${error.message}`)
      })
      // A backfill (INSERT … SELECT, migration 0005) is data, not DDL: INSERT takes no ON CLUSTER. On the
      // supported single-shard cluster it runs on the node that migrates, and replication carries it to
      // the other replicas; its target must be a table the migrations create ON CLUSTER.
      const insert = /^INSERT INTO aims\.(\w+)/.exec(formatted)
      if (insert) {
        expect(statements.some((s) => new RegExp(`^CREATE TABLE IF NOT EXISTS \`aims\`\\.\`?${insert[1]}\`?\\s.*ON CLUSTER`, 's').test(s.sql)), where).toBe(true)
        continue
      }
      expect(formatted, where).toMatch(/\bON CLUSTER aims_cluster\b/)
      if (/^CREATE TABLE/i.test(formatted)) {
        expect(formatted, where).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'/)
      }
    }
    const tables = statements.filter(({ sql }) => /^CREATE TABLE/i.test(sql))
    expect(tables.map(({ sql }) => /CREATE TABLE IF NOT EXISTS `aims`\.`?(\w+)/.exec(sql)?.[1])).toEqual(
      expect.arrayContaining(['schema_migrations', 'meta', 'models', 'outcomes', 'outcomes_latest', 'api_keys']),
    )
  })

  it('the predictions table and its ALTER … ADD COLUMN parse, on the cluster', async () => {
    const create = await parsed(createPredictionsTableSql(table, cluster))
    expect(create).toMatch(new RegExp(`^CREATE TABLE IF NOT EXISTS aims\\.${table} ON CLUSTER aims_cluster`))
    expect(create).toMatch(/ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}', received\)/)
    expect(create).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(365\)/)
    const alter = await parsed(addColumnsSql(table, newColumns, cluster))
    expect(alter).toMatch(new RegExp(`^ALTER TABLE aims\\.${table} ON CLUSTER aims_cluster`))
    for (const column of newColumns) expect(alter).toContain(`ADD COLUMN IF NOT EXISTS \`${column.name}\``)
  })

  it('the minute rollup, its materialized view and its backfill parse, on the cluster', async () => {
    const rollup = await parsed(createRollupTableSql(table, cluster))
    expect(rollup).toMatch(new RegExp(`^CREATE TABLE IF NOT EXISTS aims\\.rollup_${table} ON CLUSTER aims_cluster`))
    expect(rollup).toMatch(/ENGINE = ReplicatedAggregatingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'\)/)
    expect(rollup).toMatch(/TTL minute \+ toIntervalDay\(365\)/)
    const view = await parsed(createRollupViewSql(table, cluster))
    expect(view).toMatch(new RegExp(`^CREATE MATERIALIZED VIEW IF NOT EXISTS aims\\.rollup_${table}_mv ON CLUSTER aims_cluster TO aims\\.rollup_${table}`))
    // The backfill is data (INSERT … SELECT: no ON CLUSTER); replication carries it to the replicas.
    expect(await parsed(backfillRollupSql(table, cluster))).toMatch(new RegExp(`^INSERT INTO aims\\.rollup_${table}`))
  })
})

describe('single-node DDL (the default)', () => {
  it('every migration statement parses, without ON CLUSTER or Replicated engines', async () => {
    for (const { where, sql } of await migrationStatements(single)) {
      const formatted = await parsed(sql).catch((error: Error) => {
        throw new Error(`${where} does not parse:\n${sql}\n${error.message}`)
      })
      expect(formatted, where).not.toMatch(/ON CLUSTER|Replicated/)
    }
  })

  it('the predictions table and its ALTER parse, without ON CLUSTER or Replicated engines', async () => {
    const create = await parsed(createPredictionsTableSql(table, single))
    expect(create).toMatch(/ENGINE = ReplacingMergeTree\(received\)/)
    const alter = await parsed(addColumnsSql(table, newColumns, single))
    for (const sql of [create, alter]) expect(sql).not.toMatch(/ON CLUSTER|Replicated/)
    const rollup = await parsed(createRollupTableSql(table, single))
    expect(rollup).toMatch(/ENGINE = AggregatingMergeTree/)
    for (const sql of [rollup, await parsed(createRollupViewSql(table, single))]) expect(sql).not.toMatch(/ON CLUSTER|Replicated/)
  })
})

describe('renderDdl', () => {
  it('the parse check has teeth: a malformed statement is refused with ClickHouse\'s syntax error', async () => {
    await expect(parsed('CREATE TABLE aims.t ON CLUSTER c (x UInt8) ENGINE = ReplicatedMergeTree(')).rejects.toThrow(/SYNTAX_ERROR/)
  })

  it('leaves no template placeholder behind and keeps the server macros for the cluster', async () => {
    for (const migration of await loadMigrations()) {
      for (const context of [cluster, single]) {
        const sql = renderDdl(migration.sql, context)
        expect(sql, migration.name).not.toMatch(/\{\{|\}\}/)
      }
      if (/\{\{engine /.test(migration.sql)) expect(renderDdl(migration.sql, cluster)).toContain("'{replica}'")
    }
    expect(() => renderDdl('CREATE TABLE {{nope}}', single)).toThrow(/unknown placeholder \{\{nope\}\}/)
  })
})
