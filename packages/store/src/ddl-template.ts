import { quoteIdentifier } from './identifiers.js'

/**
 * Fills the placeholders of the SQL migration files, so one file serves a single node and a
 * cluster:
 * - `{{database}}`: the quoted database name;
 * - `{{on_cluster}}`: `ON CLUSTER <name>` on a cluster, nothing otherwise;
 * - `{{engine X(args)}}`: `X(args)` on a single node, `ReplicatedX('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', args)`
 *   on a cluster (the server's own macros fill the braces);
 * - `{{retention_days}}`: days kept before TTL drops a part.
 */
export interface DdlContext {
  database: string
  cluster?: string | undefined
  retentionDays: number
}

export function renderDdl(sql: string, context: DdlContext): string {
  return sql
    .replace(/\{\{database\}\}/g, quoteIdentifier(context.database))
    .replace(/\{\{on_cluster\}\}/g, context.cluster ? `ON CLUSTER ${quoteIdentifier(context.cluster)}` : '')
    .replace(/\{\{retention_days\}\}/g, String(Math.trunc(context.retentionDays)))
    .replace(/\{\{engine (\w*MergeTree)\(([^)]*)\)\}\}/g, (_, engine: string, args: string) => tableEngine(engine, args, context.cluster))
    .replace(/\{\{[^}]*\}\}/g, (placeholder) => {
      throw new Error(`unknown placeholder ${placeholder} in DDL`)
    })
}

export function tableEngine(engine: string, args: string, cluster: string | undefined): string {
  if (!cluster) return `${engine}(${args})`
  const replicated = [`'/clickhouse/tables/{shard}/{database}/{table}'`, `'{replica}'`, ...(args.trim() ? [args] : [])]
  return `Replicated${engine}(${replicated.join(', ')})`
}

/** Splits a migration file into statements on `;` at the end of a line (no `;` inside our DDL strings). */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((statement) =>
      statement
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement.length > 0)
}
