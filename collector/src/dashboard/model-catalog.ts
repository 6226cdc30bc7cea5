import { NUMERIC_FEATURE_COLUMNS, STRING_FEATURE_COLUMNS, parseColumnName, type FeatureKind, type Store } from '@aims-monitor/store'
import { HttpError } from '../http/http-error.js'
import { queryRows } from './query-rows.js'

/** A model of the `models` registry: its predictions table and what that table declares. */
export interface DashboardModel {
  readonly id: string
  /** `database`.`table`, quoted, for the SQL builders. */
  readonly table: string
  /** One entry per (feature, kind) column, by name. */
  readonly features: readonly { readonly name: string; readonly kind: FeatureKind }[]
  readonly attributes: readonly string[]
  /**
   * Each feature column's number in the hourly feature rollups (rollup-table-ddl.ts): its 1-based
   * position among the numeric (num, bool) or the string feature columns, in table order.
   */
  readonly rollupFeature: Readonly<Record<string, number>>
}

/** The project's models and their predictions tables (unqualified), by id. */
export async function listModelTables(store: Store, project: string): Promise<{ id: string; table: string }[]> {
  const rows = await queryRows<{ model_id: string; predictions_table: string }>(store, {
    query: `SELECT model_id, any(predictions_table) AS predictions_table FROM ${store.table('models')} FINAL
            WHERE project = {project:String} GROUP BY model_id ORDER BY model_id`,
    params: { project },
  })
  return rows.map((r) => ({ id: r.model_id, table: r.predictions_table }))
}

/**
 * The model with its feature and attribute columns.
 * @throws {HttpError} 404 when the project has no such model (it never sent a prediction).
 */
export async function findModel(store: Store, project: string, modelId: string): Promise<DashboardModel> {
  const rows = await queryRows<{ predictions_table: string }>(store, {
    query: `SELECT any(predictions_table) AS predictions_table FROM ${store.table('models')} FINAL
            WHERE project = {project:String} AND model_id = {model:String} GROUP BY model_id`,
    params: { project, model: modelId },
  })
  const table = rows[0]?.predictions_table
  if (table === undefined) throw new HttpError(404, 'unknown_model', `project "${project}" has no model "${modelId}" (a model appears with its first prediction; GET /v1/models lists them)`)
  // In table order, matched by ClickHouse with the views' own patterns, so the numbers are the views'.
  const columns = await queryRows<{ name: string; num: number; str: number }>(store, {
    query: `SELECT name, match(name, {num:String}) AS num, match(name, {str:String}) AS str
            FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position`,
    params: { db: store.config.database, table, num: NUMERIC_FEATURE_COLUMNS, str: STRING_FEATURE_COLUMNS },
  })
  const features: { name: string; kind: FeatureKind }[] = []
  const attributes: string[] = []
  const rollupFeature: Record<string, number> = Object.create(null) as Record<string, number>
  let numbers = 0
  let strings = 0
  for (const { name, num, str } of columns) {
    if (Number(num) === 1) rollupFeature[name] = ++numbers
    else if (Number(str) === 1) rollupFeature[name] = ++strings
    const parsed = parseColumnName(name)
    if (parsed.role === 'feature') features.push({ name: parsed.feature, kind: parsed.kind })
    else if (parsed.role === 'attribute') attributes.push(parsed.attribute)
  }
  features.sort((a, b) => (a.name === b.name ? a.kind.localeCompare(b.kind) : a.name < b.name ? -1 : 1))
  attributes.sort()
  return { id: modelId, table: store.table(table), features, attributes, rollupFeature }
}
