import { addColumnsSql, createPredictionsTableSql } from './prediction-table-ddl.js'
import { predictionsTableName, type ColumnSpec } from './prediction-layout.js'
import type { Store } from './open-store.js'

/**
 * Creates each model's predictions table on first use, registers it in `models`, and adds the
 * columns of features first seen later (`ALTER … ADD COLUMN IF NOT EXISTS`: metadata only, old rows
 * read the default, which means missing). Known columns are cached, so the common case is no query.
 */
export class PredictionTables {
  private readonly knownColumns = new Map<string, Set<string>>()

  constructor(private readonly store: Store) {}

  async ensure(project: string, modelId: string, columns: readonly ColumnSpec[]): Promise<string> {
    const table = predictionsTableName(project, modelId)
    let known = this.knownColumns.get(table)
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
    return table
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
