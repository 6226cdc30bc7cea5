import type { Store } from './open-store.js'

/** A read query with its bound `{name:Type}` parameters. */
export interface BoundQuery {
  readonly query: string
  readonly params?: Record<string, unknown> | undefined
}

/** Rows of a read query, as JSON objects (64-bit integers arrive as strings). */
export async function queryRows<T = Record<string, unknown>>(store: Store, query: BoundQuery): Promise<T[]> {
  const result = await store.client.query({ query: query.query, query_params: query.params, format: 'JSONEachRow' })
  return result.json<T>()
}

/** One bound value of an insert: its ClickHouse type and value, optionally wrapped in an expression. */
export interface BoundValue {
  readonly type: string
  readonly value: unknown
  /** e.g. `(p) => \`fromUnixTimestamp64Milli(${p})\`` to bind epoch ms for a DateTime64 column. */
  readonly wrap?: (placeholder: string) => string
}

/** A DateTime64(3) column bound from epoch milliseconds. */
export function epochMsValue(ms: number): BoundValue {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`expected epoch milliseconds, got ${ms}`)
  return { type: 'Int64', value: ms, wrap: (p) => `fromUnixTimestamp64Milli(${p})` }
}

/** Inserts one row, every value bound, optionally with an insert_deduplication_token: {@link insertRows} of one row. */
export function insertRow(store: Store, table: string, row: Record<string, BoundValue>, dedupToken?: string): Promise<void> {
  return insertRows(store, table, [row], dedupToken)
}

/**
 * Inserts rows (each with the same columns, in the same order) as ONE block, so that the engine
 * keeps or drops them together under one insert_deduplication_token: `INSERT … SELECT <columns>
 * FROM values('c0 Type, …', ({r0c0:Type}, …), …)` with every value bound. (A UNION ALL of one-row
 * SELECTs would arrive as one block per row, each de-duplicated on its own.) The table must not be
 * partitioned by anything the rows differ in: a block split across partitions is one part each.
 * @throws {RangeError} for no rows, rows whose columns or types differ from the first row's, or a type with quotes.
 */
export async function insertRows(store: Store, table: string, rows: readonly Record<string, BoundValue>[], dedupToken?: string): Promise<void> {
  const first = rows[0]
  if (first === undefined) throw new RangeError('insertRows: no rows')
  const names = Object.keys(first)
  const params: Record<string, unknown> = {}
  const tuples = rows.map((row, r) => {
    const columns = Object.keys(row)
    if (columns.length !== names.length || columns.some((name, i) => name !== names[i] || row[name]!.type !== first[name]!.type)) {
      throw new RangeError(`insertRows: row ${r} has columns ${columns.map((n) => `${n} ${row[n]!.type}`).join(', ')}, expected those of row 0`)
    }
    return `(${names.map((name, i) => {
      params[`r${r}c${i}`] = row[name]!.value
      return `{r${r}c${i}:${row[name]!.type}}`
    }).join(', ')})`
  })
  const structure = names.map((name, i) => {
    const type = first[name]!.type
    // The structure is a string literal: a type is letters, digits and `(), ` (no quote to escape).
    if (!/^[A-Za-z0-9_(), ]+$/.test(type)) throw new RangeError(`insertRows: column ${name} has type ${JSON.stringify(type)}, not one values() can declare`)
    return `c${i} ${type}`
  }).join(', ')
  const selected = names.map((name, i) => first[name]!.wrap?.(`c${i}`) ?? `c${i}`)
  await store.client.command({
    query: `INSERT INTO ${store.table(table)} (${names.map((n) => '`' + n + '`').join(', ')})${dedupSettings(dedupToken)}
SELECT ${selected.join(', ')} FROM values('${structure}', ${tuples.join(', ')})`,
    query_params: params,
  })
}

/**
 * The SETTINGS clause of an insert with a deduplication token. The token sits in the statement, not
 * in the client's settings: chDB applies client settings with SET, which would stay on the session
 * and silently de-duplicate later, unrelated inserts (see insertRowBinaryFile).
 */
function dedupSettings(dedupToken: string | undefined): string {
  if (dedupToken === undefined) return ''
  if (!/^[0-9A-Za-z._-]{1,128}$/.test(dedupToken)) throw new Error(`invalid deduplication token ${JSON.stringify(dedupToken)}`)
  return ` SETTINGS insert_deduplication_token = '${dedupToken}'`
}
