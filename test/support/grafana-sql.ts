/**
 * What Grafana and its official ClickHouse data source (grafana-clickhouse-datasource, v4) do to a
 * panel's `rawSql` before ClickHouse sees it, so that tests can run dashboard SQL against the store.
 *
 * Two steps, in this order (as the plugin does them):
 *
 * 1. In the browser, the plugin's `applyTemplateVariables` (src/data/CHDatasource.ts):
 *    - `$__conditionalAll(<condition>, $var)` becomes `<condition>`, or `1=1` when the variable's
 *      current value is All (`$__all`) or empty. Arguments are split at the first comma at bracket
 *      depth 1; the macro is replaced from the last occurrence backwards.
 *    - then Grafana's template service replaces variables, with the plugin's default format for
 *      a multi-value variable (`'a','b'`): `$var`, `${var}`, `[[var]]`, and `${var:<format>}` with the
 *      formats `singlequote` (`'a','b'`, `'` escaped as `\'`), `sqlstring` (`'` doubled), `raw`, `csv`
 *      and `text`. All (without a custom all value) expands to every option. Names that are not
 *      variables (`$__timeFilter`, …) are left as they are.
 * 2. On the server, the plugin's Go macros (pkg/macros/macros.go, applied through grafana/sqlds with
 *    the regex `\$__<name>\b(?:\((.*?)\))?`, so an argument must not contain `)`):
 *    | macro                       | expands to                                                                  |
 *    |-----------------------------|-----------------------------------------------------------------------------|
 *    | `$__timeFilter(col)`        | `col >= toDateTime(<from s>) AND col <= toDateTime(<to s>)`                  |
 *    | `$__timeFilter_ms(col)`     | `col >= fromUnixTimestamp64Milli(<from ms>) AND col <= fromUnixTimestamp64Milli(<to ms>)` |
 *    | `$__dateFilter(col)`        | `col >= toDate('<from date>') AND col <= toDate('<to date>')`                |
 *    | `$__fromTime`, `$__toTime`  | `toDateTime(<s>)`; `_ms` variants `fromUnixTimestamp64Milli(<ms>)`           |
 *    | `$__timeInterval(col)`      | `toStartOfInterval(toDateTime(col), INTERVAL <interval s> second)`          |
 *    | `$__timeInterval_ms(col)`   | `toStartOfInterval(toDateTime64(col, 3), INTERVAL <interval ms> millisecond)` |
 *    | `$__interval_s`             | the panel's interval in whole seconds (at least 1)                           |
 *
 * @example
 *   grafanaSql('SELECT count() FROM ${database}.t WHERE $__timeFilter(ts)', {
 *     from: Date.parse('2025-11-25T00:00:00Z'), to: Date.parse('2025-11-26T00:00:00Z'), intervalMs: 60_000,
 *     variables: { database: { selected: ['aims'], options: ['aims'] } },
 *   })
 *   // 'SELECT count() FROM aims.t WHERE ts >= toDateTime(1764028800) AND ts <= toDateTime(1764115200)'
 */

/** A dashboard variable as Grafana holds it while a dashboard is shown. */
export interface VariableState {
  /** The selected values, or 'all' for the All option. */
  readonly selected: readonly string[] | 'all'
  /** Every option the variable's query returned (what All expands to). */
  readonly options: readonly string[]
  /** Display texts, when they differ from the values (`${var:text}`). */
  readonly texts?: readonly string[]
}

export interface GrafanaQueryContext {
  /** Time range of the dashboard, epoch milliseconds. */
  readonly from: number
  readonly to: number
  /** The panel's interval (Grafana: time range / max data points, rounded), milliseconds. */
  readonly intervalMs: number
  readonly variables: Readonly<Record<string, VariableState>>
}

export class GrafanaSqlError extends Error {}

/** Both steps: the SQL that reaches ClickHouse. Throws when something is left unexpanded. */
export function grafanaSql(rawSql: string, context: GrafanaQueryContext): string {
  const sql = expandPluginMacros(interpolateVariables(applyConditionalAll(rawSql, context.variables), context.variables), context)
  const leftover = /\$\w+|\$\{[^}]*\}|\[\[\w+\]\]/.exec(stripStringLiterals(sql))
  if (leftover) throw new GrafanaSqlError(`unexpanded ${leftover[0]} in:\n${sql}`)
  return sql
}

// ── Step 1: the browser ────────────────────────────────────────────────────────────────────────

/** The plugin's `applyConditionalAll`, ported. */
export function applyConditionalAll(rawQuery: string, variables: Readonly<Record<string, VariableState>>): string {
  const macro = '$__conditionalAll('
  let query = rawQuery
  let index = query.lastIndexOf(macro)
  while (index !== -1) {
    const args = macroArgs(query, index + macro.length - 1)
    if (args.length !== 2) throw new GrafanaSqlError(`$__conditionalAll needs 2 arguments, got ${args.length} at ${query.slice(index, index + 60)}`)
    const [condition, variableArg] = args as [string, string]
    const name = /(?<=\$\{)\w+(?=\})|(?<=\$)\w+/.exec(variableArg.trim())?.[0]
    if (name === undefined) throw new GrafanaSqlError(`$__conditionalAll's second argument is not a variable: ${variableArg}`)
    const state = variables[name]
    if (state === undefined) throw new GrafanaSqlError(`$__conditionalAll names an unknown variable ${name}`)
    const isAllOrEmpty = state.selected === 'all' || state.selected.join(',') === ''
    query = query.replace(`${macro}${condition},${variableArg})`, isAllOrEmpty ? '1=1' : condition)
    index = query.lastIndexOf(macro)
  }
  return query
}

/** The plugin's `getMacroArgs`: arguments of the call whose `(` is at `openIndex`, split at depth-1 commas. */
function macroArgs(query: string, openIndex: number): string[] {
  const args: string[] = []
  const text = query.slice(openIndex)
  const re = /\(|\)|,/g
  let depth = 0
  let lastEnd = 1
  let match: RegExpExecArray | null
  while ((match = re.exec(text)) !== null) {
    if (match[0] === '(') depth++
    else if (match[0] === ')') depth--
    if (match[0] === ',' && depth === 1) {
      args.push(text.slice(lastEnd, re.lastIndex - 1))
      lastEnd = re.lastIndex
    }
    if (depth === 0) {
      args.push(text.slice(lastEnd, re.lastIndex - 1))
      return args
    }
  }
  return []
}

/** Grafana's variable syntax (public/app/features/variables/utils.ts `variableRegex`). */
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g

export function interpolateVariables(query: string, variables: Readonly<Record<string, VariableState>>): string {
  return query.replace(VARIABLE_REGEX, (match, plain?: string, bracket?: string, bracketFormat?: string, braced?: string, fieldPath?: string, bracedFormat?: string) => {
    const name = plain ?? bracket ?? braced!
    const state = variables[name]
    if (state === undefined) return match // not a variable: a macro, or Grafana leaves it
    if (fieldPath !== undefined) throw new GrafanaSqlError(`field paths are not supported here: ${match}`)
    const all = state.selected === 'all'
    const values = all ? state.options : state.selected as readonly string[]
    const texts = all ? ['All'] : (state.texts ?? values)
    const multi = all || values.length !== 1
    return formatValues(values, texts, multi, bracketFormat ?? bracedFormat, match)
  })
}

function formatValues(values: readonly string[], texts: readonly string[], multi: boolean, format: string | undefined, match: string): string {
  switch (format) {
    case undefined:
      // The plugin's own format function: an array becomes 'a','b'; a single value is inserted as it is.
      return multi ? `'${values.join("','")}'` : values[0]!
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',')
    case 'sqlstring':
      return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')
    case 'raw':
    case 'csv':
      return values.join(',')
    case 'text':
      return texts.join(' + ')
    default:
      throw new GrafanaSqlError(`variable format ${format} is not supported here: ${match}`)
  }
}

// ── Step 2: the plugin's backend ───────────────────────────────────────────────────────────────

type Macro = (args: string[], context: GrafanaQueryContext) => string

const seconds = (ms: number) => Math.floor(ms / 1000)
const toDateTime = (ms: number) => `toDateTime(${seconds(ms)})`
const toDateTime64 = (ms: number) => `fromUnixTimestamp64Milli(${Math.floor(ms)})`
const toDate = (ms: number) => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`

function oneArg(name: string, args: string[]): string {
  if (args.length !== 1 || args[0] === '') throw new GrafanaSqlError(`$__${name} expects 1 argument, received ${args.length}`)
  return args[0]!
}

const MACROS: Readonly<Record<string, Macro>> = {
  fromTime: (_, c) => toDateTime(c.from),
  toTime: (_, c) => toDateTime(c.to),
  fromTime_ms: (_, c) => toDateTime64(c.from),
  toTime_ms: (_, c) => toDateTime64(c.to),
  timeFilter: (args, c) => { const col = oneArg('timeFilter', args); return `${col} >= ${toDateTime(c.from)} AND ${col} <= ${toDateTime(c.to)}` },
  timeFilter_ms: (args, c) => { const col = oneArg('timeFilter_ms', args); return `${col} >= ${toDateTime64(c.from)} AND ${col} <= ${toDateTime64(c.to)}` },
  dateFilter: (args, c) => { const col = oneArg('dateFilter', args); return `${col} >= ${toDate(c.from)} AND ${col} <= ${toDate(c.to)}` },
  timeInterval: (args, c) => `toStartOfInterval(toDateTime(${oneArg('timeInterval', args)}), INTERVAL ${Math.max(seconds(c.intervalMs), 1)} second)`,
  timeInterval_ms: (args, c) => `toStartOfInterval(toDateTime64(${oneArg('timeInterval_ms', args)}, 3), INTERVAL ${Math.max(Math.floor(c.intervalMs), 1)} millisecond)`,
  interval_s: (_, c) => String(Math.max(seconds(c.intervalMs), 1)),
}

export function expandPluginMacros(query: string, context: GrafanaQueryContext): string {
  let sql = query
  for (const [name, macro] of Object.entries(MACROS)) {
    const re = new RegExp(`\\$__${name}\\b(?:\\((.*?)\\))?`, 'g')
    sql = sql.replace(re, (_match, rawArgs: string | undefined) => {
      const args = rawArgs === undefined ? [] : rawArgs.split(',').map((a) => a.trim())
      // sqlds reads the arguments up to the first ')': an argument with parentheses would be cut.
      if (args.some((a) => a.includes('('))) throw new GrafanaSqlError(`$__${name} arguments must be plain columns (sqlds stops at the first ')'): ${rawArgs}`)
      return macro(args, context)
    })
  }
  return sql
}

/** The query with the contents of '…' literals blanked, to look for leftovers outside strings. */
function stripStringLiterals(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.|'')*'/g, "''")
}
