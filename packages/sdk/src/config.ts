import { z } from 'zod'

/** Raised by createMonitor for options a developer passed that cannot work; never on a model call. */
export class AimsConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AimsConfigError'
  }
}

const modelSchema = z.strictObject({
  id: z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, 'model ids start with a letter or digit and contain only letters, digits and _ . : / -'),
  version: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.+:-]*$/, 'versions contain only letters, digits and _ . + : -'),
})

/** Every option of createMonitor, with its default and why. */
export const monitorOptionsSchema = z.strictObject({
  /** Collector base URL (`/v1/logs` is appended). Default: AIMS_ENDPOINT. Unset: the monitor is a no-op. */
  endpoint: z.url({ protocol: /^https?$/, error: 'endpoint must be an http(s) URL, e.g. http://127.0.0.1:4318' }).optional(),
  /** API key with the ingest scope. Default: AIMS_API_KEY. */
  apiKey: z.string().min(1).optional(),
  model: modelSchema,
  /** Deployment environment (OpenTelemetry `deployment.environment.name`). */
  environment: z.string().min(1).max(64).optional(),
  /** Fraction of predictions recorded, decided from the prediction id so its outcome follows it. */
  sampleRate: z.number().min(0, 'sampleRate is between 0 and 1').max(1, 'sampleRate is between 0 and 1').default(1),
  /** false: a no-op monitor (also AIMS_DISABLED=true). */
  enabled: z.boolean().default(true),
  /** OTLP encoding: protobuf (smaller, the default) or JSON. */
  protocol: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
  /**
   * How records become OTLP requests. 'direct' (the default for protobuf): encoded straight from
   * the export queue, ~7x less CPU per record. 'official': rebuilt as log records for the official
   * OpenTelemetry exporter (always so for http/json). Both send through OpenTelemetry's OTLP/HTTP
   * transport and put the same bytes on the wire.
   */
  exporter: z.enum(['direct', 'official']).optional(),
  /** Records held for export; past this a new prediction is dropped and counted, never blocking. */
  maxQueueSize: z.number().int().min(16).max(1_000_000).default(65_536),
  /** Records per export request. */
  maxBatchSize: z.number().int().min(1).max(50_000).default(8192),
  /** How often queued records are exported. */
  exportIntervalMs: z.number().int().min(10).max(60_000).default(500),
  /** Deadline for one export, retries included (the exporter retries 429/502/503/504 with jittered backoff). */
  exportTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Exports in flight at once: bounds memory while the collector is slow or down. */
  maxConcurrentExports: z.number().int().min(1).max(64).default(4),
  /** Features and attributes whose values are replaced by a salted hash (HMAC-SHA-256, 16 hex digits). */
  hashFields: z.array(z.string().min(1)).default([]),
  /** Per-deployment salt for hashFields; required when hashFields is not empty. */
  hashSalt: z.string().min(16, 'hashSalt must be at least 16 characters').optional(),
  /** Extra HTTP headers for the export requests. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Flush what is queued when the process is about to exit normally (beforeExit). */
  flushOnExit: z.boolean().default(true),
})

export type MonitorOptions = z.input<typeof monitorOptionsSchema>
export type ResolvedMonitorOptions = z.output<typeof monitorOptionsSchema> & { endpoint?: string; apiKey?: string }

/**
 * Resolves options once: explicit options win, then AIMS_ENDPOINT / AIMS_API_KEY / AIMS_DISABLED.
 * Invalid explicit options throw an AimsConfigError naming every problem (a developer's mistake,
 * shown at start-up); a monitor without an endpoint is a working no-op.
 */
export function resolveMonitorOptions(options: MonitorOptions, env: NodeJS.ProcessEnv = process.env): ResolvedMonitorOptions {
  const parsed = monitorOptionsSchema.safeParse(options)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`)
    throw new AimsConfigError(`invalid AIMS Monitor options: ${problems.join('; ')}`)
  }
  const resolved: ResolvedMonitorOptions = { ...parsed.data }
  resolved.endpoint = parsed.data.endpoint ?? (env.AIMS_ENDPOINT || undefined)
  resolved.apiKey = parsed.data.apiKey ?? (env.AIMS_API_KEY || undefined)
  if (env.AIMS_DISABLED === 'true' || env.AIMS_DISABLED === '1') resolved.enabled = false
  if (resolved.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(resolved.endpoint)) {
    throw new AimsConfigError(`invalid AIMS_ENDPOINT ${JSON.stringify(resolved.endpoint)}: expected an http(s) URL such as http://127.0.0.1:4318`)
  }
  if (resolved.exporter === 'direct' && resolved.protocol === 'http/json') {
    throw new AimsConfigError("exporter 'direct' writes protobuf: use protocol 'http/protobuf', or exporter 'official' for http/json")
  }
  if (resolved.hashFields.length > 0 && !resolved.hashSalt) {
    throw new AimsConfigError('hashFields needs hashSalt: a per-deployment secret of at least 16 characters')
  }
  return resolved
}
