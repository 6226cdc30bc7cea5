/**
 * Identifier quoting for the SQL builders.
 *
 * The same rules as `quoteIdentifier` in @aims-monitor/store (backticks; backslash and backtick
 * escaped; control characters and empty or over-long names rejected), written again here because
 * this package must not depend on the store: the store loads chDB's native engine, and the metrics
 * are pure TypeScript that a browser, a worker thread or another tool can load.
 * Values never go through this file: every value is a bound `{name:Type}` parameter.
 */

/**
 * Quotes a ClickHouse identifier (a column or table name) with backticks.
 *
 * @example
 * quoteIdentifier('f:age:num') // '`f:age:num`'
 * quoteIdentifier('a`b')       // '`a\\`b`'
 * @throws {TypeError} when `name` is not a string, is empty, longer than 512 characters or holds a
 *   control character (U+0000-U+001F).
 */
export function quoteIdentifier(name: string): string {
  if (typeof name !== 'string') throw new TypeError('identifier: expected a string')
  if (name.length === 0 || name.length > 512) throw new TypeError(`identifier: length out of range (${name.length})`)
  if (/[\u0000-\u001f]/.test(name)) throw new TypeError(`identifier ${JSON.stringify(name)}: contains a control character`)
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`'
}

/**
 * `database`.`table`, both quoted: the table expression every builder takes.
 *
 * @example
 * qualifiedTable('aims', 'outcomes') // '`aims`.`outcomes`'
 */
export function qualifiedTable(database: string, table: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(table)}`
}

// One part: a backticked identifier with escapes, or a plain identifier.
const PART = '(?:`(?:[^`\\\\\\u0000-\\u001f]|\\\\.)+`|[A-Za-z_][A-Za-z0-9_]*)'
const TABLE_EXPRESSION = new RegExp(`^${PART}(?:\\.${PART})?$`)

/**
 * Checks that a table expression handed to a builder is one identifier or `database.table`
 * (quoted or plain), so that a builder never splices arbitrary SQL in the place of a table name.
 *
 * @example
 * assertTableExpression('`aims`.`predictions__m__abc`', 'table') // passes
 * assertTableExpression('t; DROP TABLE x', 'table')               // throws TypeError
 * @throws {TypeError} naming `argument` when the expression has another shape.
 */
export function assertTableExpression(expression: string, argument: string): string {
  if (typeof expression !== 'string' || !TABLE_EXPRESSION.test(expression)) {
    throw new TypeError(`${argument}: expected a table name or \`database\`.\`table\`, got ${JSON.stringify(expression)}`)
  }
  return expression
}

/**
 * The database and table of a `` `database`.`table` `` expression (both quoted, as
 * {@link qualifiedTable} writes them), unescaped; null for any other shape.
 *
 * @example
 * splitQualifiedTable('`aims`.`predictions__m__abc`') // { database: 'aims', table: 'predictions__m__abc' }
 */
export function splitQualifiedTable(expression: string): { database: string; table: string } | null {
  const match = /^`((?:[^`\\]|\\.)*)`\.`((?:[^`\\]|\\.)*)`$/.exec(expression)
  if (!match) return null
  const unescape = (quoted: string) => quoted.replace(/\\(.)/g, '$1')
  return { database: unescape(match[1]!), table: unescape(match[2]!) }
}
