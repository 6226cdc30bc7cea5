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

/**
 * Inserts one row as `INSERT … SELECT {p0:Type}, …` with every value bound, optionally with an
 * insert_deduplication_token. The token sits in the statement, not in the client's settings:
 * chDB applies client settings with SET, which would stay on the session and silently
 * de-duplicate later, unrelated inserts (see insertRowBinaryFile).
 */
export async function insertRow(store: Store, table: string, row: Record<string, BoundValue>, dedupToken?: string): Promise<void> {
  const names = Object.keys(row)
  const params: Record<string, unknown> = {}
  const values = names.map((name, i) => {
    const bound = row[name]!
    params[`p${i}`] = bound.value
    const placeholder = `{p${i}:${bound.type}}`
    return bound.wrap ? bound.wrap(placeholder) : placeholder
  })
  let settings = ''
  if (dedupToken !== undefined) {
    if (!/^[0-9A-Za-z._-]{1,128}$/.test(dedupToken)) throw new Error(`invalid deduplication token ${JSON.stringify(dedupToken)}`)
    settings = ` SETTINGS insert_deduplication_token = '${dedupToken}'`
  }
  await store.client.command({
    query: `INSERT INTO ${store.table(table)} (${names.map((n) => '`' + n + '`').join(', ')})${settings} SELECT ${values.join(', ')}`,
    query_params: params,
  })
}
