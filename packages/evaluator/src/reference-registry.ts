import { epochMsToDateTime64Param } from '@aims-monitor/metrics'
import type { Store } from '@aims-monitor/store'
import type { ReferenceDataset, ReferenceProfile } from './reference-dataset.js'
import { insertRow, queryRows } from '@aims-monitor/store'

/** The registry table (migration 0011): one row per (project, model, id), read FINAL. */
export const REFERENCE_REGISTRY_TABLE = 'reference_datasets'

interface RegistryRow {
  project: string
  model_id: string
  id: string
  sha256: string
  source_name: string
  format: string
  row_count: string | number
  rows_table: string
  profile: string
  created_ms: string | number
  created_by: string
}

/** Registry rows matching the filter, ordered by model, creation time and id. */
export async function readReferenceDatasets(store: Store, filter: { project: string; modelId?: string | undefined; id?: string | undefined }): Promise<ReferenceDataset[]> {
  const conditions = ['project = {project:String}']
  const params: Record<string, unknown> = { project: filter.project }
  if (filter.modelId !== undefined) {
    conditions.push('model_id = {model:String}')
    params.model = filter.modelId
  }
  if (filter.id !== undefined) {
    conditions.push('id = {id:String}')
    params.id = filter.id
  }
  // Times leave the engine as epoch milliseconds so the server's time zone never matters.
  const rows = await queryRows<RegistryRow>(store, {
    query: `SELECT project, model_id, id, sha256, source_name, format, row_count, rows_table, profile,
                   toUnixTimestamp64Milli(created_at) AS created_ms, created_by
            FROM ${store.table(REFERENCE_REGISTRY_TABLE)} FINAL
            WHERE ${conditions.join(' AND ')}
            ORDER BY model_id, created_at, id`,
    params,
  })
  return rows.map(fromRow)
}

/** Writes the registry row: the last step of an import, so a registered data set is always whole. */
export async function insertReferenceDataset(store: Store, dataset: ReferenceDataset): Promise<void> {
  await insertRow(store, REFERENCE_REGISTRY_TABLE, {
    project: { type: 'String', value: dataset.project },
    model_id: { type: 'String', value: dataset.modelId },
    id: { type: 'String', value: dataset.id },
    sha256: { type: 'FixedString(64)', value: dataset.sha256 },
    source_name: { type: 'String', value: dataset.sourceName },
    format: { type: 'String', value: dataset.format },
    row_count: { type: 'UInt64', value: dataset.rowCount },
    rows_table: { type: 'String', value: dataset.rowsTable },
    profile: { type: 'String', value: JSON.stringify(dataset.profile) },
    created_at: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(Date.parse(dataset.createdAt), 'createdAt') },
    created_by: { type: 'String', value: dataset.createdBy },
  })
}

function fromRow(row: RegistryRow): ReferenceDataset {
  if (row.format !== 'csv' && row.format !== 'parquet') throw new TypeError(`reference data set ${row.id}: unknown format ${JSON.stringify(row.format)} in the registry`)
  return {
    project: row.project,
    modelId: row.model_id,
    id: row.id,
    sha256: row.sha256,
    sourceName: row.source_name,
    format: row.format,
    rowCount: Number(row.row_count),
    rowsTable: row.rows_table,
    profile: JSON.parse(row.profile) as ReferenceProfile,
    createdAt: new Date(Number(row.created_ms)).toISOString(),
    createdBy: row.created_by,
  }
}
