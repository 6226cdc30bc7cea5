import { queryRows } from './bound-rows.js'
import { NUMERIC_FEATURE_COLUMNS, STRING_FEATURE_COLUMNS } from './rollup-table-ddl.js'
import type { Store } from './open-store.js'

/**
 * Each feature column's number in the hourly feature rollups (rollup-table-ddl.ts): its 1-based
 * position among the numeric (num, bool) or among the string feature columns, in table order,
 * matched by ClickHouse with the views' own patterns, so that the numbers are the views'.
 * `table` is the unqualified table name in the store's database.
 */
export async function featureRollupNumbers(store: Store, table: string): Promise<Record<string, number>> {
  const columns = await queryRows<{ name: string; num: number; str: number }>(store, {
    query: `SELECT name, match(name, {num:String}) AS num, match(name, {str:String}) AS str
            FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position`,
    params: { db: store.config.database, table, num: NUMERIC_FEATURE_COLUMNS, str: STRING_FEATURE_COLUMNS },
  })
  const numbers: Record<string, number> = Object.create(null) as Record<string, number>
  let numeric = 0
  let strings = 0
  for (const { name, num, str } of columns) {
    if (Number(num) === 1) numbers[name] = ++numeric
    else if (Number(str) === 1) numbers[name] = ++strings
  }
  return numbers
}
