import type { Store } from '@aims-monitor/store'
import { queryRows } from '@aims-monitor/store'

/** A model's predictions table and its columns, or null when the model has never sent a prediction. */
export async function modelTable(store: Store, project: string, modelId: string): Promise<{ table: string; columns: Set<string> } | null> {
  const rows = await queryRows<{ predictions_table: string }>(store, {
    query: `SELECT predictions_table FROM ${store.table('models')} FINAL WHERE project = {project:String} AND model_id = {model_id:String} LIMIT 1`,
    params: { project, model_id: modelId },
  })
  if (rows.length === 0) return null
  const table = rows[0]!.predictions_table
  return { table, columns: await tableColumns(store, table) }
}

/** Column names of a table in the store's database. */
export async function tableColumns(store: Store, table: string): Promise<Set<string>> {
  const rows = await queryRows<{ name: string }>(store, {
    query: 'SELECT name FROM system.columns WHERE database = {database:String} AND table = {table:String}',
    params: { database: store.config.database, table },
  })
  return new Set(rows.map((r) => r.name))
}
