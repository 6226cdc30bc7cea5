import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { storeConfigFromEnv, type StoreConfig, type StoreConfigInput } from '@aims-monitor/store'

/** Every collector setting, with its default and why. Validated once, at start. */
export const collectorSettingsSchema = z.object({
  /** 4318 is the OTLP/HTTP port: OpenTelemetry exporters default to it. */
  port: z.coerce.number().int().min(0).max(65535).default(4318),
  /** Loopback by default: exposing the collector is a decision, not an accident. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Request bodies above this (after decompression) get 413. */
  maxBodyBytes: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  /** Spool bytes waiting for the store before ingest answers 503: about a few minutes of peak ingest. */
  maxSpoolBytes: z.coerce.number().int().min(1024 * 1024).default(2 * 1024 * 1024 * 1024),
  /**
   * A spool segment goes to the store when it is this old. Larger segments insert faster
   * (docs/storage-layout.md); this bounds how stale queries can be.
   */
  sealAfterMs: z.coerce.number().int().min(10).max(60_000).default(1000),
  maxSegmentRows: z.coerce.number().int().min(1).default(200_000),
  maxSegmentBytes: z.coerce.number().int().min(4096).default(64 * 1024 * 1024),
  /** Feature and attribute columns one model table may gain (protects against names that are values). */
  maxColumnsPerModel: z.coerce.number().int().min(20).max(5000).default(1000),
  /** On SIGTERM, keep inserting the spool into the store for at most this long; the rest is kept on disk. */
  shutdownDrainMs: z.coerce.number().int().min(0).default(10_000),
  /**
   * Worker threads that parse, validate and encode native batches; 0 parses in the request thread.
   * Default: one per core, at most 4 (see BENCHMARKS.md for what it buys on 2 cores).
   */
  ingestWorkers: z.coerce.number().int().min(0).max(32).default(Math.max(1, Math.min(4, availableParallelism()))),
  /** How often API keys are reloaded from the store, so keys changed by other processes take effect. */
  keyRefreshMs: z.coerce.number().int().min(100).default(5000),
  /** A key with every scope on project `default`, created at start when missing (AIMS_INIT_API_KEY). */
  initApiKey: z.string().min(8, 'AIMS_INIT_API_KEY must be at least 8 characters').optional(),
  /** The control policy (YAML) the evaluator holds models against; none: no evaluation. */
  policyFile: z.string().min(1).optional(),
  /**
   * Run each control on its schedule. Off leaves evaluation to `POST /v1/controls/evaluate` and
   * `aims evaluate` (tests, or a dedicated evaluator process beside ingest-only collectors).
   */
  evaluatorSchedule: z.union([z.boolean(), z.enum(['on', 'off']).transform((v) => v === 'on')]).default(true),
  /** Largest reference data file accepted over HTTP (the CLI reads files of any size). */
  maxReferenceBytes: z.coerce.number().int().min(1024).default(1024 * 1024 * 1024),
  /**
   * Believe `X-Forwarded-Proto` from a reverse proxy that terminates TLS in front of the collector,
   * so the dashboard's session cookie gets `Secure`. Off by default: without such a proxy any client
   * could send the header, so it is only trusted when the operator says one is there.
   */
  /**
   * The collector's address as governance reaches it (`https://aims.example.org`): alerts link to
   * `<publicUrl>/v1/alerts/<id>` and the evaluation record. Unset, alerts carry no links, since
   * the address the collector listens on is rarely the one a Slack or PagerDuty user can open.
   */
  publicUrl: z.url({ protocol: /^https?$/, error: 'AIMS_PUBLIC_URL must be an absolute http(s) URL, such as https://aims.example.org' }).optional(),
  trustProxy: z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'on', 'off']).transform((v) => v === 'true' || v === '1' || v === 'on')]).default(false),
})

export type CollectorSettings = z.output<typeof collectorSettingsSchema>

export interface CollectorConfig extends CollectorSettings {
  store: StoreConfig
}

/**
 * Settings from the environment (`AIMS_PORT`, `AIMS_HOST`, `AIMS_MAX_BODY_BYTES`, `AIMS_MAX_SPOOL_BYTES`,
 * `AIMS_SEAL_AFTER_MS`, `AIMS_INIT_API_KEY`, `AIMS_TRUST_PROXY`, `AIMS_PUBLIC_URL`, `AIMS_CLICKHOUSE_*`), overridden by explicit options (CLI flags).
 */
export function collectorConfigFromEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Record<keyof CollectorSettings, unknown>> & { store?: Partial<StoreConfigInput> } = {},
): CollectorConfig {
  const fromEnv = {
    port: env.AIMS_PORT,
    host: env.AIMS_HOST,
    maxBodyBytes: env.AIMS_MAX_BODY_BYTES,
    maxSpoolBytes: env.AIMS_MAX_SPOOL_BYTES,
    sealAfterMs: env.AIMS_SEAL_AFTER_MS,
    shutdownDrainMs: env.AIMS_SHUTDOWN_DRAIN_MS,
    initApiKey: env.AIMS_INIT_API_KEY || undefined,
    ingestWorkers: env.AIMS_INGEST_WORKERS,
    policyFile: env.AIMS_POLICY_FILE || undefined,
    evaluatorSchedule: env.AIMS_EVALUATOR_SCHEDULE,
    trustProxy: env.AIMS_TRUST_PROXY,
    publicUrl: env.AIMS_PUBLIC_URL || undefined,
  }
  const { store: storeOverrides, ...rest } = overrides
  const merged = Object.fromEntries(
    Object.entries({ ...fromEnv, ...rest }).filter(([, value]) => value !== undefined && value !== ''),
  )
  const parsed = collectorSettingsSchema.safeParse(merged)
  if (!parsed.success) {
    throw new Error(`invalid collector settings: ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ')}`)
  }
  return { ...parsed.data, store: storeConfigFromEnv(env, storeOverrides) }
}
