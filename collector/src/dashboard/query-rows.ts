import type { SqlQuery } from '@aims-monitor/metrics'
import type { Store } from '@aims-monitor/store'

/**
 * Rows of one aggregate query with bound parameters, as JSON objects (64-bit integers arrive as
 * strings). Every dashboard query goes through here and returns buckets, bins or groups: never
 * events.
 */
export async function queryRows<T = Record<string, unknown>>(store: Store, query: SqlQuery): Promise<T[]> {
  const result = await store.client.query({ query: query.query, query_params: query.params, format: 'JSONEachRow' })
  return result.json<T>()
}

/** A cell that ClickHouse may send as a quoted 64-bit integer, or a Float64 as null/'nan'/'inf'. */
export function num(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    if (value === 'nan' || value === 'NaN') return NaN
    if (value === 'inf' || value === '+inf') return Infinity
    if (value === '-inf') return -Infinity
    return Number(value)
  }
  return NaN
}

/** A finite number, or null (JSON has no NaN): what a rate or a mean over nothing becomes. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null
}
