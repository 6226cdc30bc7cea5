import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { epochMsToDateTime64Param } from '@aims-monitor/metrics'
import { attributeColumnName, featureColumnName, quoteIdentifier, tableEngine, type FeatureKind, type Store } from '@aims-monitor/store'
import { planColumns, readModelColumns, type FileColumn, type PlannedColumn } from './reference-columns.js'
import { countQuotes, findCsvLines, readCsvHead, refuseOpenQuote } from './reference-csv.js'
import type { ReferenceDataset } from './reference-dataset.js'
import { ReferenceImportError } from './reference-errors.js'
import { profileReferenceTable, type ProfiledColumn } from './reference-profile.js'
import { insertReferenceDataset, readReferenceDatasets } from './reference-registry.js'
import {
  countRows,
  createStagingTable,
  describeParquet,
  dropTable,
  inferKinds,
  kindOfParquetType,
  loadCsv,
  loadParquet,
  notBoolean,
  notFiniteNumber,
  refusedValues,
  stagingColumn,
  type RefusedValues,
} from './reference-staging.js'

export type ReferenceFormat = 'csv' | 'parquet'

export interface ImportReferenceOptions {
  readonly project: string
  readonly modelId: string
  /** Path of the file on this machine (read by us, or by the embedded engine). */
  readonly file: string
  /** Default: from the extension (`.csv`, `.parquet`/`.pq`). */
  readonly format?: ReferenceFormat | undefined
  /** Default: the file name and the first 12 hex digits of its SHA-256 (`hour-jan-09b19f387362`). */
  readonly id?: string | undefined
  /** File columns to import as features; default: those the model's predictions table declares. */
  readonly features?: readonly string[] | undefined
  /** File columns to import as attributes; default: those the model's predictions table declares. */
  readonly attributes?: readonly string[] | undefined
  readonly createdBy: string
  /** Recorded as the data set's origin; default: the file's base name. */
  readonly sourceName?: string | undefined
}

/** Ids: what a policy file, a URL and a table name can all carry. */
export const REFERENCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

const optionsSchema = z.object({
  project: z.string().min(1).max(256),
  modelId: z.string().min(1).max(256),
  file: z.string().min(1),
  format: z.enum(['csv', 'parquet']).optional(),
  id: z.string().regex(REFERENCE_ID_PATTERN, 'an id is 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit').optional(),
  features: z.array(z.string().min(1).max(256)).max(10_000).optional(),
  attributes: z.array(z.string().min(1).max(256)).max(10_000).optional(),
  createdBy: z.string().min(1).max(256),
  sourceName: z.string().min(1).max(1024).optional(),
})

/** Base columns every reference table has, so the metrics' SQL builders read it like a predictions table. */
const BASE_COLUMNS = [
  { name: 'ts', type: 'DateTime64(3)' },
  { name: 'model_version', type: 'LowCardinality(String)' },
  { name: 'environment', type: 'LowCardinality(String)' },
  { name: 'output_label', type: 'LowCardinality(String)' },
  { name: 'output_score', type: 'Float64' },
  { name: 'output_value', type: 'Float64' },
] as const

/**
 * Imports a reference data set: hashes the file, maps its columns onto the model's features and
 * attributes, loads it through a staging table (text, checked in SQL), converts it into its own
 * rows table (`reference__<slug>__<hash>`, MergeTree, no TTL: a reference is kept as long as the
 * controls that cite it), profiles it, and registers it last.
 *
 * Re-importing the same id with the same bytes returns the registered data set; with other bytes
 * it is refused. On any failure the staging and rows tables are dropped: nothing is half-imported.
 * Two imports of the same (project, model, id) at the same moment are not serialised.
 *
 * @throws {ReferenceImportError} with a code saying why (see reference-errors.ts).
 */
export async function importReferenceDataset(store: Store, options: ImportReferenceOptions): Promise<ReferenceDataset> {
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success) {
    throw new ReferenceImportError('invalid_options', `invalid reference import: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`)
  }
  const o = parsed.data
  const file = path.resolve(o.file)
  const sourceName = o.sourceName ?? path.basename(file)
  const format = o.format ?? formatOfName(file)
  if (format === 'parquet' && store.mode === 'server') {
    throw new ReferenceImportError(
      'unsupported_format',
      `Parquet reference files are only imported into the embedded store; with a ClickHouse server (AIMS_CLICKHOUSE_URL) import the data as CSV`,
    )
  }
  // A CSV file's quote characters are counted in the same pass (refuseOpenQuote reads them).
  let quotes = 0
  const sha256 = await sha256OfFile(file, format === 'csv' ? (chunk) => (quotes += countQuotes(chunk)) : undefined)
  const id = o.id ?? defaultReferenceId(sourceName, sha256)
  const [existing] = await readReferenceDatasets(store, { project: o.project, modelId: o.modelId, id })
  if (existing) {
    if (existing.sha256 === sha256) return existing
    throw new ReferenceImportError(
      'conflict',
      `reference data set ${JSON.stringify(id)} of model ${JSON.stringify(o.modelId)} was imported from a file with SHA-256 ${existing.sha256} (${existing.sourceName}); ${sourceName} has ${sha256}: a new file needs a new id`,
    )
  }

  const fileColumns = format === 'csv' ? await csvColumns(file, quotes, sourceName) : await describeParquet(store, file, sourceName)
  const model = await readModelColumns(store, o.project, o.modelId)
  const plan = planColumns(fileColumns, model, { features: o.features, attributes: o.attributes }, sourceName)
  const rowsTable = referenceRowsTableName(o.project, o.modelId, id)
  const staging = `${rowsTable}__staging_${randomBytes(4).toString('hex')}`
  const created: string[] = []
  let registering = false
  try {
    // No registry row names this table, so a table by this name is left over from an interrupted import.
    await dropTable(store, rowsTable)
    const staged = format === 'csv' ? fileColumns : uniqueSources(plan.columns)
    await createStagingTable(store, staging, staged.map((c) => c.index))
    created.push(staging)
    if (format === 'csv') await loadCsv(store, staging, file, fileColumns.length, sourceName)
    else await loadParquet(store, staging, file, staged, sourceName)
    const rowCount = await countRows(store, staging)
    if (rowCount === 0) throw new ReferenceImportError('empty_file', `${sourceName} holds no rows`)

    const kinds = await resolveKinds(store, staging, plan.columns, format)
    await refuseBadValues(store, staging, plan.columns, kinds, format === 'csv' ? file : undefined, sourceName)

    const importedAt = Date.now()
    const targets = plan.columns.filter((c) => c.role !== 'base').map((c) => targetOf(c, kinds))
    await createRowsTable(store, rowsTable, targets)
    created.push(rowsTable)
    await fillRowsTable(store, rowsTable, staging, plan.columns, targets, importedAt)
    await dropTable(store, staging)
    created.splice(created.indexOf(staging), 1)

    const profiled: ProfiledColumn[] = targets.map((t) => ({ name: t.column, kind: t.kind }))
    for (const c of plan.columns) if (c.role === 'base' && c.column !== 'model_version') profiled.push({ name: c.column, kind: c.column === 'output_label' ? 'str' : 'num' })
    const profile = await profileReferenceTable(store, rowsTable, profiled, plan.ignored)
    const dataset: ReferenceDataset = {
      project: o.project,
      modelId: o.modelId,
      id,
      sha256,
      sourceName,
      format,
      rowCount,
      rowsTable,
      profile,
      createdAt: new Date(importedAt).toISOString(),
      createdBy: o.createdBy,
    }
    registering = true
    await insertReferenceDataset(store, dataset)
    return dataset
  } catch (error) {
    // An insert whose answer was lost may still have been stored: then the import is whole.
    if (registering) {
      // A failed read here leaves the import failed: its own error is the one thrown below.
      const [registered] = await readReferenceDatasets(store, { project: o.project, modelId: o.modelId, id }).catch(() => [])
      if (registered?.sha256 === sha256 && registered.rowsTable === rowsTable) return registered
    }
    const failed: string[] = []
    for (const table of created) {
      await dropTable(store, table).catch((dropError: unknown) => failed.push(`${table} (${(dropError as Error).message})`))
    }
    if (failed.length > 0) {
      throw new Error(`${(error as Error).message}; dropping the tables of the failed import failed too: ${failed.join(', ')}`, { cause: error })
    }
    throw error
  }
}

/**
 * The rows table of a reference data set: readable (model and id), unique by a hash of
 * (project, model, id) since ids and model ids may hold characters a table name should not.
 */
export function referenceRowsTableName(project: string, modelId: string, id: string): string {
  const slug = `${modelId}_${id}`.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40)
  const hash = createHash('sha256').update(project).update('\0').update(modelId).update('\0').update(id).digest('hex').slice(0, 12)
  return `reference__${slug}__${hash}`
}

/** The id of an import without one: the file's name and the start of its SHA-256. */
export function defaultReferenceId(sourceName: string, sha256: string): string {
  const stem = path.basename(sourceName).replace(/\.[^.]*$/, '')
  const slug = stem.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|-+$/g, '').slice(0, 100)
  return `${slug || 'reference'}-${sha256.slice(0, 12)}`
}

/** SHA-256 of the file's bytes, streamed; `onChunk` sees each chunk on the way (one read of the file for both). */
export async function sha256OfFile(file: string, onChunk?: (chunk: Buffer) => void): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      hash.update(chunk)
      onChunk?.(chunk)
    }
  } catch (error) {
    throw new ReferenceImportError('unreadable_file', `cannot read ${file}: ${(error as Error).message}`, { cause: error })
  }
  return hash.digest('hex')
}

function formatOfName(file: string): ReferenceFormat {
  const extension = path.extname(file).toLowerCase()
  if (extension === '.csv') return 'csv'
  if (extension === '.parquet' || extension === '.pq') return 'parquet'
  throw new ReferenceImportError('unreadable_file', `cannot tell the format of ${path.basename(file)} from its extension: pass the format (csv or parquet)`)
}

async function csvColumns(file: string, quotes: number, sourceName: string): Promise<FileColumn[]> {
  const head = await readCsvHead(file, sourceName)
  await refuseOpenQuote(file, quotes, sourceName)
  if (head.columns.length === 0) throw new ReferenceImportError('empty_file', `${sourceName} is empty`)
  if (!head.hasRows) throw new ReferenceImportError('empty_file', `${sourceName} has a header but no rows`)
  return head.columns.map((name, index) => ({ name, index }))
}

function uniqueSources(columns: readonly PlannedColumn[]): FileColumn[] {
  const byIndex = new Map<number, FileColumn>()
  for (const c of columns) byIndex.set(c.source.index, c.source)
  return [...byIndex.values()].sort((a, b) => a.index - b.index)
}

/** A feature or attribute column of the rows table and the kind its values are converted to. */
interface Target {
  readonly source: FileColumn
  readonly column: string
  readonly kind: FeatureKind
}

function targetOf(c: PlannedColumn, kinds: ReadonlyMap<PlannedColumn, FeatureKind>): Target {
  if (c.role === 'attribute') return { source: c.source, column: attributeColumnName(c.attribute), kind: 'str' }
  if (c.role !== 'feature') throw new TypeError('targetOf: a base column has no target')
  const kind = kinds.get(c)!
  return { source: c.source, column: featureColumnName(c.feature, kind), kind }
}

/**
 * The kind of each feature: the model's when it declares one; inferred from the data when it
 * declares none (a Parquet column's type, or the CSV text); when it declares several (a feature
 * sent as a number and later as a string), the inferred one if declared, else `str` if declared.
 * Base columns: `output_score`/`output_value` numbers, the others text.
 */
async function resolveKinds(store: Store, staging: string, columns: readonly PlannedColumn[], format: ReferenceFormat): Promise<Map<PlannedColumn, FeatureKind>> {
  const kinds = new Map<PlannedColumn, FeatureKind>()
  const needData = columns.filter((c) => c.role === 'feature' && c.declaredKinds.length !== 1)
  const inferred =
    format === 'csv'
      ? await inferKinds(store, staging, [...new Set(needData.map((c) => c.source.index))])
      : new Map(needData.map((c) => [c.source.index, kindOfParquetType(c.source.type ?? 'String')]))
  for (const c of columns) {
    if (c.role === 'attribute') kinds.set(c, 'str')
    else if (c.role === 'base') kinds.set(c, c.column === 'output_score' || c.column === 'output_value' ? 'num' : 'str')
    else if (c.declaredKinds.length === 1) kinds.set(c, c.declaredKinds[0]!)
    else {
      const kind = inferred.get(c.source.index)!
      kinds.set(c, c.declaredKinds.length === 0 || c.declaredKinds.includes(kind) ? kind : c.declaredKinds.includes('str') ? 'str' : c.declaredKinds[0]!)
    }
  }
  return kinds
}

/** Refuses the import when a numeric or boolean column holds values of another kind, naming them and their lines. */
async function refuseBadValues(
  store: Store,
  staging: string,
  columns: readonly PlannedColumn[],
  kinds: ReadonlyMap<PlannedColumn, FeatureKind>,
  csvFile: string | undefined,
  sourceName: string,
): Promise<void> {
  const checks: { index: number; refuses: string; column: PlannedColumn; kind: FeatureKind }[] = []
  for (const c of columns) {
    const kind = kinds.get(c)!
    // One check per file column and kind (a column can fill a feature and a base column).
    if (checks.some((k) => k.index === c.source.index && k.kind === kind)) continue
    if (kind === 'num') checks.push({ index: c.source.index, refuses: notFiniteNumber(c.source.index), column: c, kind })
    else if (kind === 'bool') checks.push({ index: c.source.index, refuses: notBoolean(c.source.index), column: c, kind })
  }
  const refused = await refusedValues(store, staging, checks)
  if (refused.length === 0) return
  const lines = csvFile ? await findCsvLines(csvFile, new Map(refused.map((r) => [r.index, new Set(r.examples)])), 10) : []
  const described = refused.map((r: RefusedValues) => {
    const check = checks[r.check]!
    const what = check.kind === 'num' ? 'finite numbers' : 'booleans (true, false, 1, 0)'
    return `column ${JSON.stringify(check.column.source.name)}: ${r.count} value${r.count === 1 ? ' is' : 's are'} not ${what}, e.g. ${r.examples.map(shortValue).join(', ')}`
  })
  const where = lines.length > 0 ? ` (on line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}${lines.length === 10 ? ', …' : ''})` : ''
  throw new ReferenceImportError('bad_values', `${sourceName}: ${described.join('; ')}${where}`)
}

/** A refused value for a message: a field may be megabytes long. */
function shortValue(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
}

async function createRowsTable(store: Store, table: string, targets: readonly Target[]): Promise<void> {
  const definitions = [
    ...BASE_COLUMNS.map((c) => `${quoteIdentifier(c.name)} ${c.type}${c.name === 'ts' ? ' CODEC(Delta, ZSTD(1))' : ''}`),
    ...targets.map((t) => `${quoteIdentifier(t.column)} ${t.kind === 'str' ? 'LowCardinality(String)' : 'Float64'}`),
  ]
  const onCluster = store.config.cluster ? ` ON CLUSTER ${quoteIdentifier(store.config.cluster)}` : ''
  await store.client.command({
    query: `CREATE TABLE ${store.table(table)}${onCluster}\n(\n  ${definitions.join(',\n  ')}\n)\nENGINE = ${tableEngine('MergeTree', '', store.config.cluster)}\nORDER BY tuple()`,
  })
}

/** Text to typed values: numbers to Float64 (missing: NaN), booleans to 1/0/NaN, strings as they are ('' missing). */
function converted(index: number, kind: FeatureKind): string {
  const v = `trimBoth(${stagingColumn(index)})`
  if (kind === 'num') return `ifNull(toFloat64OrNull(${v}), nan)`
  if (kind === 'bool') return `multiIf(lower(${v}) IN ('true', '1'), 1., lower(${v}) IN ('false', '0'), 0., nan)`
  return stagingColumn(index)
}

async function fillRowsTable(store: Store, table: string, staging: string, columns: readonly PlannedColumn[], targets: readonly Target[], importedAt: number): Promise<void> {
  const base = (name: string, kind: FeatureKind, otherwise: string) => {
    const c = columns.find((p) => p.role === 'base' && p.column === name)
    return c ? converted(c.source.index, kind) : otherwise
  }
  const select = [
    '{imported_at:DateTime64(3)}',
    base('model_version', 'str', "''"),
    "''",
    base('output_label', 'str', "''"),
    base('output_score', 'num', 'nan'),
    base('output_value', 'num', 'nan'),
    ...targets.map((t) => converted(t.source.index, t.kind)),
  ]
  const names = [...BASE_COLUMNS.map((c) => c.name), ...targets.map((t) => t.column)].map(quoteIdentifier)
  await store.client.command({
    query: `INSERT INTO ${store.table(table)} (${names.join(', ')}) SELECT ${select.join(', ')} FROM ${store.table(staging)}`,
    query_params: { imported_at: epochMsToDateTime64Param(importedAt, 'importedAt') },
  })
}
