import { featureRollupNumbers, parseColumnName, type FeatureKind, type Store } from '@aims-monitor/store'
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
  const [rollupFeature, columns] = await Promise.all([
    featureRollupNumbers(store, table),
    queryRows<{ name: string }>(store, {
      query: 'SELECT name FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position',
      params: { db: store.config.database, table },
    }),
  ])
  const features: { name: string; kind: FeatureKind }[] = []
  const attributes: string[] = []
  for (const { name } of columns) {
    const parsed = parseColumnName(name)
    if (parsed.role === 'feature') features.push({ name: parsed.feature, kind: parsed.kind })
    else if (parsed.role === 'attribute') attributes.push(parsed.attribute)
  }
  features.sort((a, b) => (a.name === b.name ? a.kind.localeCompare(b.kind) : a.name < b.name ? -1 : 1))
  attributes.sort()
  return { id: modelId, table: store.table(table), features, attributes, rollupFeature }
}
