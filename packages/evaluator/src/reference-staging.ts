import { createReadStream } from 'node:fs'
import type { ClickHouseSettings } from '@clickhouse/client'
import { quoteIdentifier, tableEngine, type FeatureKind, type Store } from '@aims-monitor/store'
import type { FileColumn } from './reference-columns.js'
import { csvRecordStartLine } from './reference-csv.js'
import { ReferenceImportError } from './reference-errors.js'
import { queryRows } from '@aims-monitor/store'

/**
 * The staging step of an import: the file's columns land as text in a staging table (`c<index>
 * String`, '' for an empty field), where their kinds are inferred and their values checked in SQL
 * before anything is converted. The same statements run on the embedded engine and on a server;
 * only how the bytes reach the engine differs (`file()` on our disk, or the request body).
 */

/** The staging column of a file column. */
export function stagingColumn(index: number): string {
  return `c${index}`
}

/**
 * CSV as RFC 4180 says and as `reference-csv.ts` reads it: comma, double quotes only, no trimming
 * of spaces (the engine's default trims unquoted fields), columns by position (the header was read
 * already), no row skipped, one parsing thread so the "(at row N)" of an error is the row of the
 * file and not of a chunk, blank lines at the end skipped.
 */
const CSV_SETTINGS: Readonly<Record<string, string | number>> = {
  format_csv_delimiter: ',',
  format_csv_allow_single_quotes: 0,
  format_csv_allow_double_quotes: 1,
  input_format_csv_trim_whitespaces: 0,
  input_format_with_names_use_header: 0,
  input_format_allow_errors_num: 0,
  input_format_allow_errors_ratio: 0,
  input_format_parallel_parsing: 0,
  // Blank lines at the end are common (editors, exports); a blank line between rows stays an error.
  input_format_csv_skip_trailing_empty_lines: 1,
}

export async function createStagingTable(store: Store, table: string, indexes: readonly number[]): Promise<void> {
  const columns = indexes.map((i) => `${stagingColumn(i)} String`).join(', ')
  await store.client.command({ query: `CREATE TABLE ${store.table(table)}${onCluster(store)} (${columns}) ENGINE = ${tableEngine('MergeTree', '', store.config.cluster)} ORDER BY tuple()` })
}

export async function dropTable(store: Store, table: string): Promise<void> {
  await store.client.command({ query: `DROP TABLE IF EXISTS ${store.table(table)}${onCluster(store)} SYNC` })
}

/**
 * Loads every column of a CSV file as text. Embedded: the engine reads the file itself. Server:
 * the file is streamed as the body of `INSERT … FORMAT CSVWithNames` (a server's `file()` would
 * read the server's disk).
 */
export async function loadCsv(store: Store, table: string, file: string, columnCount: number, sourceName: string): Promise<void> {
  const indexes = Array.from({ length: columnCount }, (_, i) => i)
  const columnList = indexes.map((i) => stagingColumn(i)).join(', ')
  try {
    if (store.mode === 'embedded') {
      // Settings in the statement, not as client settings: chDB applies those with SET, which
      // would stay on the session for every later query.
      const settings = Object.entries(CSV_SETTINGS)
        .map(([name, value]) => `${name} = ${typeof value === 'string' ? `'${value}'` : value}`)
        .join(', ')
      await store.client.command({
        query: `INSERT INTO ${store.table(table)} (${columnList})
                SELECT * FROM file({file:String}, 'CSVWithNames', {structure:String}) SETTINGS ${settings}`,
        query_params: { file, structure: indexes.map((i) => `${stagingColumn(i)} String`).join(', ') },
      })
    } else {
      const result = await store.client.exec({
        query: `INSERT INTO ${store.table(table)} (${columnList}) FORMAT CSVWithNames`,
        values: createReadStream(file),
        // Sent as URL parameters, the server's own text form of every setting type.
        clickhouse_settings: CSV_SETTINGS as ClickHouseSettings,
      })
      result.stream.resume()
    }
  } catch (error) {
    // The engine counts rows, not lines: a quoted field spanning lines shifts them, so the line is read from the file.
    const row = /\(at row (\d+)\)/.exec(error instanceof Error ? error.message : String(error))
    const line = row ? await csvRecordStartLine(file, Number(row[1])) : undefined
    throw parseFailure(error, sourceName, 'CSV', line)
  }
}

/** The columns of a Parquet file on our disk (embedded engine only), with their types. */
export async function describeParquet(store: Store, file: string, sourceName: string): Promise<FileColumn[]> {
  try {
    const rows = await queryRows<{ name: string; type: string }>(store, { query: `DESCRIBE TABLE file({file:String}, 'Parquet')`, params: { file } })
    return rows.map((row, index) => ({ name: row.name, index, type: row.type }))
  } catch (error) {
    throw parseFailure(error, sourceName, 'Parquet')
  }
}

/**
 * Loads the used columns of a Parquet file as text: NULL and NaN as '' (missing), numbers in the
 * engine's shortest round-trip form, so the same checks and conversions as for CSV apply.
 */
export async function loadParquet(store: Store, table: string, file: string, columns: readonly FileColumn[], sourceName: string): Promise<void> {
  const select = columns.map((c) => {
    const x = quoteIdentifier(c.name)
    const text = /^Float|^BFloat/.test(baseType(c.type ?? '')) ? `if(isNaN(${x}), '', toString(${x}))` : `toString(${x})`
    return `ifNull(${text}, '')`
  })
  try {
    await store.client.command({
      query: `INSERT INTO ${store.table(table)} (${columns.map((c) => stagingColumn(c.index)).join(', ')})
              SELECT ${select.join(', ')} FROM file({file:String}, 'Parquet')`,
      query_params: { file },
    })
  } catch (error) {
    throw parseFailure(error, sourceName, 'Parquet')
  }
}

/** The kind a Parquet type stands for: numbers are `num`, `Bool` is `bool`, the rest `str`. */
export function kindOfParquetType(type: string): FeatureKind {
  const base = baseType(type)
  if (/^(U?Int\d+|Float\d+|BFloat16|Decimal(\d+)?\(.*\))$/.test(base)) return 'num'
  if (base === 'Bool') return 'bool'
  return 'str'
}

/** Rows of a staging table. */
export async function countRows(store: Store, table: string): Promise<number> {
  const rows = await queryRows<{ n: string }>(store, { query: `SELECT count() AS n FROM ${store.table(table)}` })
  return Number(rows[0]?.n ?? 0)
}

/** `trimBoth(c) = ''`: a field of spaces is missing for numbers and booleans. */
const trimmed = (index: number) => `trimBoth(${stagingColumn(index)})`
/** A non-empty field that is not a finite number (the engine's parser, spaces around allowed). */
export const notFiniteNumber = (index: number) => `(${trimmed(index)} != '' AND NOT ifNull(isFinite(toFloat64OrNull(${trimmed(index)})), 0))`
/** A non-empty field other than true/false (any case). */
const notTrueFalse = (index: number) => `(${trimmed(index)} != '' AND lower(${trimmed(index)}) NOT IN ('true', 'false'))`
/** A non-empty field other than true/false/1/0 (any case): what a boolean column accepts. */
export const notBoolean = (index: number) => `(${trimmed(index)} != '' AND lower(${trimmed(index)}) NOT IN ('true', 'false', '1', '0'))`

/**
 * The kind the data of each column fits: `num` when every non-empty value is a finite number,
 * else `bool` when every one is true or false, else `str`.
 */
export async function inferKinds(store: Store, table: string, indexes: readonly number[]): Promise<Map<number, FeatureKind>> {
  const kinds = new Map<number, FeatureKind>()
  if (indexes.length === 0) return kinds
  const select = indexes.flatMap((i) => [`countIf(${notFiniteNumber(i)}) AS not_num_${i}`, `countIf(${notTrueFalse(i)}) AS not_bool_${i}`])
  const row = (await queryRows<Record<string, string>>(store, { query: `SELECT ${select.join(', ')} FROM ${store.table(table)}` }))[0] ?? {}
  for (const i of indexes) kinds.set(i, Number(row[`not_num_${i}`]) === 0 ? 'num' : Number(row[`not_bool_${i}`]) === 0 ? 'bool' : 'str')
  return kinds
}

/** Values a column refused: how many, and a few distinct examples. */
export interface RefusedValues {
  /** Position of the check in the list given. */
  readonly check: number
  readonly index: number
  readonly count: number
  readonly examples: readonly string[]
}

/** Counts, per column, the values that its condition refuses (`notFiniteNumber`, `notBoolean`). */
export async function refusedValues(store: Store, table: string, checks: readonly { index: number; refuses: string }[]): Promise<RefusedValues[]> {
  if (checks.length === 0) return []
  const select = checks.flatMap(({ index, refuses }, k) => [`countIf(${refuses}) AS bad_${k}`, `groupUniqArrayIf(5)(${stagingColumn(index)}, ${refuses}) AS examples_${k}`])
  const row = (await queryRows<Record<string, unknown>>(store, { query: `SELECT ${select.join(', ')} FROM ${store.table(table)}` }))[0] ?? {}
  return checks
    .map(({ index }, k) => ({ check: k, index, count: Number(row[`bad_${k}`]), examples: ((row[`examples_${k}`] as string[] | undefined) ?? []).slice().sort() }))
    .filter((r) => r.count > 0)
}

function onCluster(store: Store): string {
  return store.config.cluster ? ` ON CLUSTER ${quoteIdentifier(store.config.cluster)}` : ''
}

function baseType(type: string): string {
  let t = type.trim()
  for (let m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t); m; m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t)) t = m[1]!.trim()
  return t
}

/** Errors the engine raises on content it cannot parse, by ClickHouse error type. */
const PARSE_ERRORS = new Set([
  'INCORRECT_DATA',
  'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  'CANNOT_PARSE_QUOTED_STRING',
  'CANNOT_PARSE_ESCAPE_SEQUENCE',
  'CANNOT_PARSE_TEXT',
  'CANNOT_READ_ALL_DATA',
  'CANNOT_EXTRACT_TABLE_STRUCTURE',
  'INCORRECT_NUMBER_OF_COLUMNS',
  'TOO_LARGE_STRING_SIZE',
  'UNKNOWN_TYPE',
  'STD_EXCEPTION',
  'CANNOT_OPEN_FILE',
  'FILE_DOESNT_EXIST',
])

/**
 * A parse error of the engine as a `bad_file` refusal naming the line when the engine gives its
 * row ("(at row N)": N counts data rows) and its line (`line`, read from the file; N + 1 when not
 * given). Other errors (a server down) pass through unchanged.
 */
function parseFailure(error: unknown, sourceName: string, format: string, line?: number): unknown {
  const message = error instanceof Error ? error.message : String(error)
  const type = (error as { type?: unknown } | null)?.type
  const row = /\(at row (\d+)\)/.exec(message)
  if (!row && !(typeof type === 'string' && PARSE_ERRORS.has(type))) return error
  const lines = message.split('\n').map((l) => l.trim())
  const first = lines[0]!.replace(/^Code: \d+\. DB::Exception: /, '').replace(/\s*\(at row \d+\)/, '').replace(/[\s:.]+$/, '')
  const detail = lines.find((l) => l.startsWith('ERROR: '))
  const where = row ? ` at line ${line ?? Number(row[1]) + 1} (data row ${row[1]})` : ''
  return new ReferenceImportError('bad_file', `${sourceName} cannot be read as ${format}${where}: ${first}${detail ? `; ${detail.slice('ERROR: '.length)}` : ''}`, { cause: error })
}
