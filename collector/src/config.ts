import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { storeConfigFromEnv, type StoreConfig, type StoreConfigInput } from '@aims-monitor/store'

/**
 * A whole-number setting: a number (from code) or decimal digits (from the environment or a flag).
 * Not `z.coerce.number()`, which reads " " and "" as 0 (a blank AIMS_PORT would listen on a random
 * port) and "0x1F90" as 8080.
 */
function wholeNumber(min: number, max?: number, what = 'a whole number') {
  const range = max === undefined ? `${min} or more` : `from ${min} to ${max}`
  return z.unknown().transform((value, ctx) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN
    if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
      ctx.addIssue({ code: 'custom', message: `expected ${what} ${range} in decimal digits, got ${shown(value)}` })
      return z.NEVER
    }
    return n
  })
}

/** A yes/no setting: a boolean (from code) or one of `words` (from the environment), named in the refusal. */
function switchSetting(words: ReadonlyArray<readonly [string, boolean]>) {
  const meaning = new Map(words)
  const accepted = words.map(([word]) => word)
  return z.unknown().transform((value, ctx) => {
    if (typeof value === 'boolean') return value
    const word = typeof value === 'string' ? meaning.get(value.toLowerCase()) : undefined
    if (word !== undefined) return word
    ctx.addIssue({ code: 'custom', message: `expected ${accepted.slice(0, -1).join(', ')} or ${accepted.at(-1)}, got ${shown(value)}` })
    return z.NEVER
  })
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value)
  // The problems are joined with "; ": a value carrying one must not look like two problems.
  return text.replaceAll(';', ',')
}

/** Every collector setting, with its default and why. Validated once, at start. */
export const collectorSettingsSchema = z.object({
  /** 4318 is the OTLP/HTTP port: OpenTelemetry exporters default to it. */
  port: wholeNumber(0, 65535, 'a port number').default(4318),
  /** Loopback by default: exposing the collector is a decision, not an accident. */
  host: z.string().trim().min(1, 'expected a host name or address, such as 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
  /** Request bodies above this (after decompression) get 413. */
  maxBodyBytes: wholeNumber(1024).default(10 * 1024 * 1024),
  /** Spool bytes waiting for the store before ingest answers 503: about a few minutes of peak ingest. */
  maxSpoolBytes: wholeNumber(1024 * 1024).default(2 * 1024 * 1024 * 1024),
  /**
   * A spool segment goes to the store when it is this old. Larger segments insert faster
   * (docs/storage-layout.md); this bounds how stale queries can be.
   */
  sealAfterMs: wholeNumber(10, 60_000).default(1000),
  maxSegmentRows: wholeNumber(1).default(200_000),
  maxSegmentBytes: wholeNumber(4096).default(64 * 1024 * 1024),
  /** Feature and attribute columns one model table may gain (protects against names that are values). */
  maxColumnsPerModel: wholeNumber(20, 5000).default(1000),
  /** On SIGTERM, keep inserting the spool into the store for at most this long; the rest is kept on disk. */
  shutdownDrainMs: wholeNumber(0).default(10_000),
  /**
   * Worker threads that parse, validate and encode native batches; 0 parses in the request thread.
   * Default: one per core, at most 4 (see BENCHMARKS.md for what it buys on 2 cores).
   */
  ingestWorkers: wholeNumber(0, 32).default(Math.max(1, Math.min(4, availableParallelism()))),
  /** How often API keys are reloaded from the store, so keys changed by other processes take effect. */
  keyRefreshMs: wholeNumber(100).default(5000),
  /** A key with every scope on project `default`, created at start when missing (AIMS_INIT_API_KEY). */
  initApiKey: z.string().min(8, 'must be at least 8 characters').optional(),
  /** The control policy (YAML) the evaluator holds models against; none: no evaluation. */
  policyFile: z.string().min(1).optional(),
  /**
   * Run each control on its schedule. Off leaves evaluation to `POST /v1/controls/evaluate` and
   * `aims evaluate` (tests, or a dedicated evaluator process beside ingest-only collectors).
   */
  evaluatorSchedule: switchSetting([['on', true], ['off', false]]).default(true),
  /** Largest reference data file accepted over HTTP (the CLI reads files of any size). */
  maxReferenceBytes: wholeNumber(1024).default(1024 * 1024 * 1024),
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
  publicUrl: z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL, such as https://aims.example.org' }).optional(),
  trustProxy: switchSetting([['true', true], ['false', false], ['on', true], ['off', false], ['1', true], ['0', false]]).default(false),
})

export type CollectorSettings = z.output<typeof collectorSettingsSchema>

export interface CollectorConfig extends CollectorSettings {
  store: StoreConfig
}

/** The variable each setting is read from, so that a refusal names what the operator set. */
const ENV_NAMES: Partial<Record<keyof CollectorSettings, string>> = {
  port: 'AIMS_PORT',
  host: 'AIMS_HOST',
  maxBodyBytes: 'AIMS_MAX_BODY_BYTES',
  maxSpoolBytes: 'AIMS_MAX_SPOOL_BYTES',
  maxColumnsPerModel: 'AIMS_MAX_COLUMNS_PER_MODEL',
  sealAfterMs: 'AIMS_SEAL_AFTER_MS',
  shutdownDrainMs: 'AIMS_SHUTDOWN_DRAIN_MS',
  ingestWorkers: 'AIMS_INGEST_WORKERS',
  initApiKey: 'AIMS_INIT_API_KEY',
  policyFile: 'AIMS_POLICY_FILE',
  evaluatorSchedule: 'AIMS_EVALUATOR_SCHEDULE',
  publicUrl: 'AIMS_PUBLIC_URL',
  trustProxy: 'AIMS_TRUST_PROXY',
}

/** The `aims up` flag behind an override, for the same reason. */
const FLAG_NAMES: Partial<Record<keyof CollectorSettings, string>> = {
  port: '--port',
  host: '--host',
  policyFile: '--policy',
  evaluatorSchedule: '--no-schedule',
}

/**
 * Settings from the environment (the variables of ENV_NAMES, and `AIMS_CLICKHOUSE_*` through
 * storeConfigFromEnv), overridden by explicit options (CLI flags). A bad value throws naming the
 * variable (or the flag) and what it accepts: `AIMS_INGEST_WORKERS: expected a whole number from 0
 * to 32 in decimal digits, got "lots"`.
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
    maxColumnsPerModel: env.AIMS_MAX_COLUMNS_PER_MODEL,
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
  // An empty variable is unset (the default applies); a blank one ("  ") is a value, and refused, as
  // is an empty flag (`--port ''`): someone typed it.
  const fromFlags = Object.entries(rest).filter(([, value]) => value !== undefined)
  const overridden = new Set(fromFlags.map(([key]) => key))
  const merged = Object.fromEntries([...Object.entries(fromEnv).filter(([, value]) => value !== undefined && value !== ''), ...fromFlags])
  const parsed = collectorSettingsSchema.safeParse(merged)
  if (!parsed.success) {
    const name = (key: keyof CollectorSettings) => (overridden.has(key) ? FLAG_NAMES[key] : ENV_NAMES[key]) ?? key
    throw new Error(`invalid collector settings: ${parsed.error.issues.map((i) => `${name(i.path[0] as keyof CollectorSettings)}: ${i.message}`).join('; ')}`)
  }
  return { ...parsed.data, store: storeConfigFromEnv(env, storeOverrides) }
}
