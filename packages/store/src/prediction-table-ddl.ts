import { tableEngine } from './ddl-template.js'
import { qualifiedTable, quoteIdentifier } from './identifiers.js'
import { BASE_PREDICTION_COLUMNS, type ColumnSpec } from './prediction-layout.js'

export interface TableDdlContext {
  database: string
  cluster?: string | undefined
  retentionDays: number
}

/**
 * DDL of a model's predictions table. ReplacingMergeTree keyed on the event id (inside the time
 * bucket of the event, which a retried event shares) so a retried event never counts twice under
 * FINAL; ordered from low to high cardinality (version, hour, id); monthly partitions that TTL
 * drops whole.
 */
export function createPredictionsTableSql(table: string, context: TableDdlContext): string {
  const columns = BASE_PREDICTION_COLUMNS.map(columnDefinition).join(',\n  ')
  const onCluster = context.cluster ? ` ON CLUSTER ${quoteIdentifier(context.cluster)}` : ''
  return `CREATE TABLE IF NOT EXISTS ${qualifiedTable(context.database, table)}${onCluster}
(
  ${columns}
)
ENGINE = ${tableEngine('ReplacingMergeTree', 'received', context.cluster)}
PARTITION BY toYYYYMM(ts)
ORDER BY (model_version, toStartOfHour(ts), id)
TTL toDateTime(ts) + toIntervalDay(${Math.trunc(context.retentionDays)})
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000`
}

export function addColumnsSql(table: string, columns: readonly ColumnSpec[], context: TableDdlContext): string {
  const onCluster = context.cluster ? ` ON CLUSTER ${quoteIdentifier(context.cluster)}` : ''
  const adds = columns.map((c) => `ADD COLUMN IF NOT EXISTS ${columnDefinition(c)}`).join(', ')
  return `ALTER TABLE ${qualifiedTable(context.database, table)}${onCluster} ${adds}`
}

function columnDefinition(column: ColumnSpec): string {
  const codec = column.type.startsWith('DateTime64') ? ' CODEC(Delta, ZSTD(1))' : ''
  const def = column.defaultExpression ? ` DEFAULT ${column.defaultExpression}` : ''
  return `${quoteIdentifier(column.name)} ${column.type}${def}${codec}`
}
