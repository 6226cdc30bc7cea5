import { addColumnsSql, createPredictionsTableSql } from './prediction-table-ddl.js'
import { attributeColumn, featureColumn, parseColumnName, predictionsTableName, type ColumnSpec } from './prediction-layout.js'
import {
  backfillFeatureRollupsSql, backfillRollupSql, createFeatureRollupTablesSql, createFeatureRollupViewsSql, createRollupTableSql,
  createRollupViewSql, featureRollupViewNames, numericFeatureRollupName, rollupTableName, rollupViewName, stringFeatureRollupName,
} from './rollup-table-ddl.js'
import { qualifiedTable, quoteIdentifier } from './identifiers.js'
import type { Store } from './open-store.js'

/**
 * Creates each model's predictions table on first use, registers it in `models`, and adds the
 * columns of features first seen later (`ALTER … ADD COLUMN IF NOT EXISTS`: metadata only, old rows
 * read the default, which means missing). Known columns are cached, so the common case is no query.
 * Each table also gets its minute rollup (rollup-table-ddl.ts) the first time a process ensures it.
 */
export class PredictionTables {
  private readonly knownColumns = new Map<string, Set<string>>()

  constructor(private readonly store: Store) {}

  async ensure(project: string, modelId: string, columns: readonly ColumnSpec[]): Promise<string> {
    const table = predictionsTableName(project, modelId)
    let known = this.knownColumns.get(table)
    const firstInProcess = !known
    if (!known) {
      const context = this.ddlContext()
      await this.store.client.command({ query: createPredictionsTableSql(table, context) })
      await this.store.client.insert({
        table: this.store.table('models'),
        values: [{ project, model_id: modelId, predictions_table: table, created_at: Date.now() }],
        format: 'JSONEachRow',
      })
      known = await this.readColumns(table)
      this.knownColumns.set(table, known)
    }
    const missing = columns.filter((c) => !known!.has(c.name))
    if (missing.length > 0) {
      await this.store.client.command({ query: addColumnsSql(table, missing, this.ddlContext()) })
      for (const c of missing) known.add(c.name)
    }
    // Last, so the model and its columns are visible as early as before; still before the caller's
    // first insert, which the view must see.
    if (firstInProcess) {
      try {
        await this.ensureRollup(table)
      } catch (error) {
        this.knownColumns.delete(table) // so that the next ensure() (the drainer's retry) tries again
        throw error
      }
    }
    return table
  }

  /**
   * Gives every registered predictions table its rollup (run when the store opens, before any
   * insert): tables created before rollups existed are filled once, so the dashboard, which reads
   * the rollups, never meets a model without one.
   */
  async ensureRollups(): Promise<void> {
    const rows = await (
      await this.store.client.query({
        query: `SELECT DISTINCT predictions_table FROM ${this.store.table('models')} FINAL`,
        format: 'JSONEachRow',
      })
    ).json<{ predictions_table: string }>()
    for (const { predictions_table: table } of rows) {
      if (await this.tableExists(table)) await this.ensureRollup(table)
    }
  }

  /**
   * The feature and attribute columns of every registered model's predictions table (the base
   * columns left out), read in two queries: what the collector's column limit starts counting from.
   */
  async dynamicColumns(): Promise<Array<{ project: string; modelId: string; columns: ColumnSpec[] }>> {
    const models = await (
      await this.store.client.query({
        query: `SELECT DISTINCT project, model_id, predictions_table FROM ${this.store.table('models')} FINAL`,
        format: 'JSONEachRow',
      })
    ).json<{ project: string; model_id: string; predictions_table: string }>()
    if (models.length === 0) return []
    const columns = await (
      await this.store.client.query({
        query: `SELECT table, name FROM system.columns WHERE database = {db:String} AND table IN {tables:Array(String)} AND (startsWith(name, 'f:') OR startsWith(name, 'a:')) ORDER BY table, position`,
        query_params: { db: this.store.config.database, tables: models.map((m) => m.predictions_table) },
        format: 'JSONEachRow',
      })
    ).json<{ table: string; name: string }>()
    const byTable = new Map<string, ColumnSpec[]>()
    for (const { table, name } of columns) {
      const parsed = parseColumnName(name)
      const spec = parsed.role === 'feature' ? featureColumn(parsed.feature, parsed.kind) : parsed.role === 'attribute' ? attributeColumn(parsed.attribute) : undefined
      if (spec === undefined) continue
      const list = byTable.get(table)
      if (list) list.push(spec)
      else byTable.set(table, [spec])
    }
    return models.map((m) => ({ project: m.project, modelId: m.model_id, columns: byTable.get(m.predictions_table) ?? [] }))
  }

  /**
   * Creates the rollups and their views (the minute rollup, then the hourly feature rollups), filling
   * each from the rows the table already holds when its view is new (a table created before that
   * rollup existed). A view is created last and is the marker: an interrupted backfill is redone
   * from an emptied rollup on the next ensure(). Rows inserted between the backfill and the view
   * would be missed, which cannot happen here: the table's writer (the spool drainer, the bench
   * fill) awaits ensure() before inserting.
   */
  private async ensureRollup(table: string): Promise<void> {
    const context = this.ddlContext()
    const onCluster = context.cluster ? ` ON CLUSTER ${quoteIdentifier(context.cluster)}` : ''
    const truncate = (name: string) => this.store.client.command({ query: `TRUNCATE TABLE IF EXISTS ${qualifiedTable(context.database, name)}${onCluster}` })
    const run = async (queries: string[]) => {
      for (const query of queries) await this.store.client.command({ query })
    }
    if (!(await this.tableExists(rollupViewName(table)))) {
      await this.store.client.command({ query: createRollupTableSql(table, context) })
      await truncate(rollupTableName(table))
      await this.store.client.command({ query: backfillRollupSql(table, context) })
      await this.store.client.command({ query: createRollupViewSql(table, context) })
    }
    // The hourly feature rollups (rollup-table-ddl.ts), the same way: both views are the marker.
    // Switched off (AIMS_FEATURE_ROLLUPS=off): views and tables dropped, so ingest no longer pays
    // for them and no stale rollup is left to read; switched on again, they are rebuilt from the rows.
    const views = featureRollupViewNames(table)
    if (this.store.config.featureRollups === 'off') {
      for (const name of [...views, numericFeatureRollupName(table), stringFeatureRollupName(table)]) {
        await this.store.client.command({ query: `DROP TABLE IF EXISTS ${qualifiedTable(context.database, name)}${onCluster} SYNC` })
      }
      return
    }
    if (!(await Promise.all(views.map((v) => this.tableExists(v)))).every(Boolean)) {
      await run(createFeatureRollupTablesSql(table, context))
      for (const name of [numericFeatureRollupName(table), stringFeatureRollupName(table)]) await truncate(name)
      await run(backfillFeatureRollupsSql(table, context))
      await run(createFeatureRollupViewsSql(table, context))
    }
  }

  private async tableExists(name: string): Promise<boolean> {
    const rows = await (
      await this.store.client.query({
        query: 'SELECT 1 FROM system.tables WHERE database = {db:String} AND name = {name:String}',
        query_params: { db: this.store.config.database, name },
        format: 'JSONEachRow',
      })
    ).json()
    return rows.length > 0
  }

  private ddlContext() {
    const { database, cluster, retentionDays } = this.store.config
    return { database, cluster, retentionDays }
  }

  private async readColumns(table: string): Promise<Set<string>> {
    const rows = await (
      await this.store.client.query({
        query: 'SELECT name FROM system.columns WHERE database = {db:String} AND table = {table:String}',
        query_params: { db: this.store.config.database, table },
        format: 'JSONEachRow',
      })
    ).json<{ name: string }>()
    return new Set(rows.map((r) => r.name))
  }
}
