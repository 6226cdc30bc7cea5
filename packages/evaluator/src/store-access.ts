import type { Store } from '@aims-monitor/store'
import type { SqlQuery } from '@aims-monitor/metrics'

/** Rows of a read query with bound parameters, as JSON objects (numbers of 64-bit types arrive as strings). */
export async function queryRows<T = Record<string, unknown>>(store: Store, query: SqlQuery | { query: string; params?: Record<string, unknown> }): Promise<T[]> {
  const result = await store.client.query({
    query: query.query,
    query_params: 'params' in query ? query.params : undefined,
    format: 'JSONEachRow',
  })
  return result.json<T>()
}

/** One bound value of an insert: its ClickHouse type and its value. */
export interface BoundValue {
  readonly type: string
  readonly value: unknown
}

/**
 * Inserts one row as `INSERT … SELECT {p0:Type}, …` with every value bound, optionally with an
 * insert_deduplication_token. The token sits in the statement, not in the client's settings:
 * chDB applies client settings with SET, which would stay on the session and silently
 * de-duplicate later, unrelated inserts (see the store's insertRowBinaryFile).
 */
export async function insertRow(store: Store, table: string, row: Record<string, BoundValue>, dedupToken?: string): Promise<void> {
  const names = Object.keys(row)
  const params: Record<string, unknown> = {}
  const values = names.map((name, i) => {
    params[`p${i}`] = row[name]!.value
    return `{p${i}:${row[name]!.type}}`
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
