import path from 'node:path'
import { z } from 'zod'

/**
 * Where the data lives. Embedded (chDB in this process, files under `dataDir`) is the default so a
 * fresh clone runs with nothing else installed; a ClickHouse server or cluster is used when
 * `AIMS_CLICKHOUSE_URL` is set.
 */
export const storeConfigSchema = z.object({
  /** Directory of the embedded store (and of the collector's spool). */
  dataDir: z.string().min(1).default('.aims'),
  /** ClickHouse server URL, e.g. http://clickhouse:8123. Unset: embedded chDB. */
  url: z.url({ protocol: /^https?$/, error: 'AIMS_CLICKHOUSE_URL must be an http(s) URL' }).optional(),
  username: z.string().default('default'),
  password: z.string().default(''),
  /** Database holding every AIMS table; created when missing. */
  database: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a database name is letters, digits and _, starting with a letter or _')
    .default('aims'),
  /**
   * Days events are kept before TTL drops them. EU AI Act Art. 19 and 26(6) ask deployers to keep
   * logs at least six months, so the default is a year; values under 183 days are allowed (tests,
   * non-high-risk systems) but logged as a warning by the caller. At most 25,000 days: the TTL is
   * `toDateTime(ts) + N days`, and ClickHouse's DateTime ends in 2106, past which the sum wraps
   * around to the past and fresh rows would look expired.
   */
  retentionDays: z.coerce.number().int().min(1).max(25_000).default(365),
  /** Name of a ClickHouse cluster: DDL gets ON CLUSTER and Replicated engines (see cluster-ddl.ts). */
  cluster: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  /**
   * Whether each predictions table keeps the hourly feature rollups the dashboard's distributions
   * read (rollup-table-ddl.ts). They cost ingest: measured ~17 % of sustained events per second on
   * 2 cores (BENCHMARKS.md, `pnpm bench ingest`). `off` drops their views (and tables); the dashboard
   * then counts distributions from the raw rows (slower over long ranges, the same numbers, exact).
   * `on` again rebuilds them from the rows. Set it alike on every collector of one ClickHouse.
   */
  featureRollups: z.enum(['on', 'off'], { error: 'expected on or off' }).default('on'),
})

export type StoreConfig = z.output<typeof storeConfigSchema>
export type StoreConfigInput = z.input<typeof storeConfigSchema>

/** Reads the store settings from the environment (`AIMS_CLICKHOUSE_*`, `AIMS_RETENTION_DAYS`). */
export function storeConfigFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<StoreConfigInput> = {}): StoreConfig {
  const fromEnv: Record<string, unknown> = {
    url: env.AIMS_CLICKHOUSE_URL || undefined,
    username: env.AIMS_CLICKHOUSE_USER || undefined,
    password: env.AIMS_CLICKHOUSE_PASSWORD || undefined,
    database: env.AIMS_CLICKHOUSE_DATABASE || undefined,
    retentionDays: env.AIMS_RETENTION_DAYS || undefined,
    cluster: env.AIMS_CLICKHOUSE_CLUSTER || undefined,
    featureRollups: env.AIMS_FEATURE_ROLLUPS || undefined,
  }
  const merged = { ...fromEnv, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) }
  const parsed = storeConfigSchema.safeParse(merged)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${envName(String(i.path[0]))}: ${i.message}`).join('; ')
    throw new Error(`invalid store settings: ${problems}`)
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.dataDir) }
}

function envName(key: string): string {
  const names: Record<string, string> = {
    url: 'AIMS_CLICKHOUSE_URL',
    username: 'AIMS_CLICKHOUSE_USER',
    password: 'AIMS_CLICKHOUSE_PASSWORD',
    database: 'AIMS_CLICKHOUSE_DATABASE',
    retentionDays: 'AIMS_RETENTION_DAYS',
    cluster: 'AIMS_CLICKHOUSE_CLUSTER',
    featureRollups: 'AIMS_FEATURE_ROLLUPS',
    dataDir: '--data',
  }
  return names[key] ?? key
}
