/**
 * Reading query results: ClickHouse's JSON formats quote 64-bit integers (`"12"`) by default,
 * and a result is external input, so every count is checked once here.
 */

/** One result row as `JSONEachRow` returns it. */
export type ResultRow = Readonly<Record<string, unknown>>

/**
 * A non-negative integer count from a result cell (number or quoted 64-bit integer).
 * @throws {TypeError} naming `where` when the cell is missing or not a count.
 */
export function countCell(row: ResultRow, key: string, where: string): number {
  return countValue(row[key], where, `column ${key}`)
}

/** A count as a cell holds it (a UInt64 arrives as its decimal text); `what` names it in the error. */
export function countValue(value: unknown, where: string, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new TypeError(`${where}: ${what} is not a count (${JSON.stringify(value)})`)
  }
  return n
}

/**
 * A Float64 cell; ClickHouse writes nan and inf as JSON `null`/strings depending on settings, so
 * `'nan'`, `'inf'`, `'-inf'` and `null` are read as NaN and ±Infinity explicitly.
 */
export function floatCell(row: ResultRow, key: string, where: string): number {
  const value = row[key]
  if (typeof value === 'number') return value
  if (value === null || value === 'nan' || value === 'NaN') return NaN
  if (value === 'inf' || value === '+inf' || value === 'Infinity') return Infinity
  if (value === '-inf' || value === '-Infinity') return -Infinity
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value)
  throw new TypeError(`${where}: column ${key} is not a number (${JSON.stringify(value)})`)
}

/** A String cell. */
export function stringCell(row: ResultRow, key: string, where: string): string {
  const value = row[key]
  if (typeof value !== 'string') throw new TypeError(`${where}: column ${key} is not a string (${JSON.stringify(value)})`)
  return value
}

/** @throws {TypeError} naming `argument` unless `rows` is an array of objects. */
export function assertRows(rows: unknown, argument: string): asserts rows is readonly ResultRow[] {
  if (!Array.isArray(rows) || rows.some((r) => r === null || typeof r !== 'object')) {
    throw new TypeError(`${argument}: expected the result rows (JSONEachRow) as an array of objects`)
  }
}

/**
 * The single row a one-row statement returns (every aggregate without GROUP BY).
 * @throws {TypeError} unless `rows` is an array of exactly one object, naming the `statement`.
 */
export function singleRow(rows: unknown, statement: string): ResultRow {
  assertRows(rows, 'rows')
  if (rows.length !== 1) throw new TypeError(`rows: expected exactly one row from ${statement}, got ${rows.length}`)
  return rows[0]!
}
