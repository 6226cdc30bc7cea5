import { parseColumnName, type FeatureKind, type Store } from '@aims-monitor/store'
import { ReferenceImportError } from './reference-errors.js'
import { queryRows } from '@aims-monitor/store'

/** What a model's predictions table declares, to map a reference file's columns by name. */
export interface ModelColumns {
  /** Unqualified predictions table; null when the model has sent no prediction yet. */
  readonly table: string | null
  /** Feature → the kinds it has columns for (a feature sent as a number and later as a string has both). */
  readonly features: ReadonlyMap<string, readonly FeatureKind[]>
  readonly attributes: ReadonlySet<string>
}

/** A column of the file, by position. */
export interface FileColumn {
  readonly name: string
  readonly index: number
  /** The engine's type of a Parquet column (a CSV column is text). */
  readonly type?: string | undefined
}

/** Base columns a reference file may fill by naming a column after them. */
export const REFERENCE_BASE_SOURCES = ['model_version', 'output_label', 'output_score', 'output_value'] as const
export type ReferenceBaseColumn = (typeof REFERENCE_BASE_SOURCES)[number]

/** One file column bound for one table column. */
export type PlannedColumn =
  | {
      readonly role: 'feature'
      readonly source: FileColumn
      readonly feature: string
      /** Kinds the model declares for it; empty when unknown (then inferred from the data). */
      readonly declaredKinds: readonly FeatureKind[]
    }
  | { readonly role: 'attribute'; readonly source: FileColumn; readonly attribute: string }
  | { readonly role: 'base'; readonly source: FileColumn; readonly column: ReferenceBaseColumn }

export interface ColumnPlan {
  readonly columns: readonly PlannedColumn[]
  /** File columns not imported, by name (`(column N)` for a column without a name). */
  readonly ignored: readonly string[]
}

/** The predictions table registered for the model (registry `models`) and the columns it declares. */
export async function readModelColumns(store: Store, project: string, modelId: string): Promise<ModelColumns> {
  const registered = await queryRows<{ predictions_table: string }>(store, {
    query: `SELECT any(predictions_table) AS predictions_table FROM ${store.table('models')} FINAL
            WHERE project = {project:String} AND model_id = {model:String} GROUP BY model_id`,
    params: { project, model: modelId },
  })
  const table = registered[0]?.predictions_table ?? null
  const features = new Map<string, FeatureKind[]>()
  const attributes = new Set<string>()
  if (table === null) return { table, features, attributes }
  const names = await queryRows<{ name: string }>(store, {
    query: 'SELECT name FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position',
    params: { db: store.config.database, table },
  })
  for (const { name } of names) {
    const parsed = parseColumnName(name)
    if (parsed.role === 'feature') features.set(parsed.feature, [...(features.get(parsed.feature) ?? []), parsed.kind])
    else if (parsed.role === 'attribute') attributes.add(parsed.attribute)
  }
  return { table, features, attributes }
}

/**
 * Which file columns become which table columns. Explicit `features`/`attributes` replace the
 * model's declarations (each list on its own); a name they give must be a column of the file.
 * Without them, the file columns named like a declared feature or attribute are imported. Columns
 * named like a base column (`output_label`, `output_score`, `output_value`, `model_version`) fill it.
 *
 * @throws {ReferenceImportError} `missing_column`, `no_columns`, or `bad_file` for a used column
 *   named twice in the header.
 */
export function planColumns(
  fileColumns: readonly FileColumn[],
  model: ModelColumns,
  explicit: { features?: readonly string[] | undefined; attributes?: readonly string[] | undefined },
  sourceName: string,
): ColumnPlan {
  const byName = new Map<string, FileColumn[]>()
  for (const column of fileColumns) if (column.name !== '') byName.set(column.name, [...(byName.get(column.name) ?? []), column])
  const source = (name: string, what: string): FileColumn => {
    const found = byName.get(name)
    if (!found) {
      const padded = paddedColumn(fileColumns, name)
      if (padded !== undefined) throw paddedColumnError(padded, what, name, sourceName)
      const names = fileColumns.map((c) => c.name).filter((n) => n !== '')
      const shown = names.slice(0, 30).map((n) => JSON.stringify(n)).join(', ') + (names.length > 30 ? ', …' : '')
      throw new ReferenceImportError('missing_column', `${what} ${JSON.stringify(name)} is not a column of ${sourceName} (its columns: ${shown})`)
    }
    if (found.length > 1) throw new ReferenceImportError('bad_file', `column ${JSON.stringify(name)} appears ${found.length} times in the header of ${sourceName}`)
    return found[0]!
  }
  if (model.table === null && explicit.features === undefined && explicit.attributes === undefined) {
    throw new ReferenceImportError(
      'no_columns',
      'the model has no predictions yet, so its features and attributes are unknown: pass the features and attributes to import',
    )
  }
  // A header written "age, sex" names " sex": without this check, a declared attribute would be
  // left out of the reference without a word (the file's column only listed as ignored).
  for (const [what, declared, given] of [['feature', [...model.features.keys()], explicit.features], ['attribute', [...model.attributes], explicit.attributes]] as const) {
    if (given !== undefined) continue
    for (const name of declared) {
      const padded = byName.has(name) ? undefined : paddedColumn(fileColumns, name)
      if (padded !== undefined) throw paddedColumnError(padded, what, name, sourceName)
    }
  }
  const columns: PlannedColumn[] = []
  const featureNames = explicit.features ? unique(explicit.features) : [...model.features.keys()].filter((f) => byName.has(f))
  for (const feature of featureNames) {
    columns.push({ role: 'feature', source: source(feature, 'feature'), feature, declaredKinds: model.features.get(feature) ?? [] })
  }
  const attributeNames = explicit.attributes ? unique(explicit.attributes) : [...model.attributes].filter((a) => byName.has(a))
  for (const attribute of attributeNames) columns.push({ role: 'attribute', source: source(attribute, 'attribute'), attribute })
  if (columns.length === 0) {
    throw new ReferenceImportError(
      'no_columns',
      `no column of ${sourceName} is a feature or attribute of the model${explicit.features || explicit.attributes ? '' : ' (pass the features and attributes to import)'}`,
    )
  }
  for (const column of REFERENCE_BASE_SOURCES) if (byName.has(column)) columns.push({ role: 'base', source: source(column, 'column'), column })
  const used = new Set(columns.map((c) => c.source.index))
  const ignored = fileColumns.filter((c) => !used.has(c.index)).map((c) => (c.name === '' ? `(column ${c.index + 1})` : c.name))
  return { columns, ignored }
}

/** A column whose name is `name` with spaces or tabs around it. */
function paddedColumn(fileColumns: readonly FileColumn[], name: string): FileColumn | undefined {
  return fileColumns.find((c) => c.name !== name && c.name.trim() === name)
}

function paddedColumnError(column: FileColumn, what: string, name: string, sourceName: string): ReferenceImportError {
  return new ReferenceImportError(
    'missing_column',
    `column ${column.index + 1} of ${sourceName} is named ${JSON.stringify(column.name)}, with spaces around the ${what} ${JSON.stringify(name)}: remove them from the header`,
  )
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)]
}
