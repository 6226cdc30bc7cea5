import { assertTableExpression, quoteIdentifier } from './identifiers.js'
import type { ParamBag } from './params.js'

/** A time window, `from` inclusive, `to` exclusive, in epoch milliseconds. */
export interface TimeWindow {
  readonly from: number
  readonly to: number
}

/**
 * Which predictions a builder reads: the table, the window on `ts` and optional equality filters.
 * The table is a qualified table expression such as `store.table(predictionsTableName(p, m))`.
 */
export interface PredictionScope {
  /** `database`.`table` of a model's predictions (see {@link qualifiedTable}). */
  readonly table: string
  readonly window: TimeWindow
  readonly modelVersion?: string | undefined
  /** Any of these model versions (with `modelVersion`, both must hold). */
  readonly modelVersions?: readonly string[] | undefined
  readonly environment?: string | undefined
  /** Attribute equals value, e.g. `{ channel: 'web' }` reads `` `a:channel` = 'web' ``. */
  readonly attributes?: Readonly<Record<string, string>> | undefined
  /**
   * Read the table with FINAL (retried events collapsed before counting). Off by default: the
   * caller decides whether exact de-duplication is worth a merge at query time.
   */
  readonly final?: boolean | undefined
}

/** The table (with alias and FINAL) and the conditions of a scope, every value bound. */
export function scopeParts(scope: PredictionScope, bag: ParamBag, alias?: string): { from: string; where: string } {
  if (scope === null || typeof scope !== 'object') throw new TypeError('scope: expected an object')
  const table = assertTableExpression(scope.table, 'scope.table')
  const { from, to } = scope.window ?? ({} as TimeWindow)
  if (!(from < to)) throw new RangeError(`scope.window: expected from < to, got from=${from}, to=${to}`)
  const prefix = alias ? `${alias}.` : ''
  const conditions = [`${prefix}ts >= ${bag.dateTime64('from', from)}`, `${prefix}ts < ${bag.dateTime64('to', to)}`]
  if (scope.modelVersion !== undefined) conditions.push(`${prefix}model_version = ${bag.bind('model_version', 'String', stringValue(scope.modelVersion, 'scope.modelVersion'))}`)
  if (scope.modelVersions !== undefined) {
    if (!Array.isArray(scope.modelVersions) || scope.modelVersions.some((v) => typeof v !== 'string')) throw new TypeError('scope.modelVersions: expected an array of strings')
    conditions.push(`${prefix}model_version IN ${bag.bind('model_versions', 'Array(String)', scope.modelVersions)}`)
  }
  if (scope.environment !== undefined) conditions.push(`${prefix}environment = ${bag.bind('environment', 'String', stringValue(scope.environment, 'scope.environment'))}`)
  for (const [name, value] of Object.entries(scope.attributes ?? {})) {
    conditions.push(`${prefix}${quoteIdentifier(`a:${name}`)} = ${bag.bind('attribute', 'String', stringValue(value, `scope.attributes.${name}`))}`)
  }
  return { from: `${table}${alias ? ` AS ${alias}` : ''}${scope.final ? ' FINAL' : ''}`, where: conditions.join(' AND ') }
}

/** `FROM <table> [FINAL] WHERE <window and filters>`, every value bound. */
export function scopeClause(scope: PredictionScope, bag: ParamBag): string {
  const { from, where } = scopeParts(scope, bag)
  return `FROM ${from} WHERE ${where}`
}

function stringValue(value: unknown, argument: string): string {
  if (typeof value !== 'string') throw new TypeError(`${argument}: expected a string`)
  return value
}
