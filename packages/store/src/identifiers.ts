/**
 * Quotes a ClickHouse identifier (table or column name) with backticks. Identifiers cannot be bound
 * as `{name:Type}` values inside DDL column lists, so the few that are generated (per-model tables,
 * feature columns) go through this one function; every value is still a bound parameter.
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.length > 512) throw new Error(`identifier length out of range: ${name.length}`)
  if (/[\u0000-\u001f]/.test(name)) throw new Error('identifier contains a control character')
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`'
}

/** `database`.`table`, both quoted. */
export function qualifiedTable(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`
}
