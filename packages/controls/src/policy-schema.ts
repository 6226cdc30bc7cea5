import { z } from 'zod'
import { unknownReferenceMessage, type FrameworkName } from './framework-registry.js'
import { METRIC_CATALOG, metricDefinition, type MetricKind } from './metric-catalog.js'
import { durationSchema } from './duration.js'
import { cronProblem, timezoneProblem } from './cron.js'
import { applicabilityIssues, applicabilitySchema, modelRegisterSchema } from './policy-governance-schema.js'

/**
 * The policy file: named notifiers and the AIMS operational controls governance declares (see
 * docs/controls.md and examples/policies/). Parsed values are normalised: durations become
 * milliseconds, defaults are filled in, so the evaluator never re-derives them.
 */

export const POLICY_API_VERSION = 'aims-monitor/v1'

const text = z.string().trim().min(1, 'expected a non-empty string')
const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit')
/** The name of an environment variable holding a secret: secrets never sit in the policy file. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable')
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
/**
 * A whole number within [min, max]. Not `z.number().int()`: its issue aborts the checks that read
 * several fields, and those must still run so that one load lists every problem of the file.
 */
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().superRefine((n, ctx) => {
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    ctx.addIssue({ code: 'custom', message: max === Number.MAX_SAFE_INTEGER ? `expected a whole number of at least ${min}` : `expected a whole number from ${min} to ${max}` })
  }
})
/** A duration that must be longer than zero (a window, a period): `0` is only meaningful as a delay or offset. */
const positiveDuration = durationSchema.refine((ms) => ms > 0, 'expected a duration above 0, such as 15m, 1h or 7d')
const isoDate = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date such as 2026-10-01')

// ── Notifiers ────────────────────────────────────────────────────────────────────────────────────

/**
 * Headers the HTTP client sets from the request itself; given by hand they break its framing (every
 * attempt would hang or fail, and be retried as if the receiver were down).
 */
const FRAMING_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'te', 'trailer', 'upgrade', 'keep-alive', 'proxy-connection'])

const webhookNotifier = z.strictObject({
  type: z.literal('webhook'),
  url: httpUrl,
  /** Environment variable holding the HMAC-SHA256 key that signs each message (X-AIMS-Signature). */
  secretEnv: envName,
  headers: z.record(
    z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected a header name (letters, digits and !#$%&\'*+.^_`|~-, no spaces)')
      .refine((name) => !FRAMING_HEADERS.has(name.toLowerCase()), { error: (issue) => `the header ${String(issue.input)} is set by the HTTP client (it frames the request): remove it` }),
    z.string().regex(/^[^\r\n\0]*$/, 'expected a header value on one line (no CR, LF or NUL)'),
  ).optional(),
})
const slackNotifier = z.strictObject({
  type: z.literal('slack'),
  /** Slack's incoming-webhook URL is itself a secret: named by its environment variable… */
  urlEnv: envName.optional(),
  /** …or given directly (a local relay, a test receiver). */
  url: httpUrl.optional(),
})
const emailNotifier = z.strictObject({
  type: z.literal('email'),
  smtp: z.strictObject({
    host: text,
    port: wholeNumber(1, 65535),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    userEnv: envName.optional(),
    passwordEnv: envName.optional(),
  }),
  from: z.email(),
  to: z.array(z.email()).min(1),
})
const alertmanagerNotifier = z.strictObject({
  type: z.literal('alertmanager'),
  /** Base URL of Alertmanager; alerts go to `<url>/api/v2/alerts`. */
  url: httpUrl,
})
const pagerDutyNotifier = z.strictObject({
  type: z.literal('pagerduty'),
  routingKeyEnv: envName,
  /** Events API v2 endpoint; PagerDuty's own unless a relay is in between. */
  url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
})

export const notifierSchema = z.discriminatedUnion('type', [webhookNotifier, slackNotifier, emailNotifier, alertmanagerNotifier, pagerDutyNotifier], { error: 'expected type: webhook, slack, email, alertmanager or pagerduty' })
  .superRefine((n, ctx) => {
    if (n.type === 'slack' && (n.url === undefined) === (n.urlEnv === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of url or urlEnv', path: ['urlEnv'] })
    }
  })

// ── Controls ─────────────────────────────────────────────────────────────────────────────────────

/** Each reference is checked on its own, so an unknown one is reported even when the rest of its control is broken. */
const reference = (framework: FrameworkName) => text.superRefine((value, ctx) => {
  const problem = unknownReferenceMessage(framework, value)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})

const referencesSchema = z.strictObject({
  iso42001: z.array(reference('iso42001')).min(1, 'expected at least one ISO/IEC 42001 clause or Annex A control'),
  euAiAct: z.array(reference('euAiAct')).default([]),
  nistAiRmf: z.array(reference('nistAiRmf')).default([]),
})

const currentWindow = z.strictObject({
  /** tumbling: back-to-back windows aligned to multiples of `size` since the epoch (UTC);
   * rolling: the last `size` before the evaluation time, the end aligned down to `step`. */
  type: z.enum(['tumbling', 'rolling']),
  size: positiveDuration,
  /** Rolling windows only: the grid their end is aligned to, so that replicas agree on the window. */
  step: positiveDuration.optional(),
})
const referenceWindow = z.union([
  /** A reference data set imported with `aims reference import` (its id). */
  z.strictObject({ dataset: identifier }),
  /** A past window of the same model: `offset` before the current window's start, `size` long. */
  z.strictObject({ window: z.strictObject({ offset: durationSchema, size: positiveDuration }) }),
], { error: 'expected { dataset: <reference id> } or { window: { offset, size } }' })

const thresholdsSchema = z.strictObject({
  /** above: a larger value is worse; below: a smaller one is. Defaults to the metric's. */
  direction: z.enum(['above', 'below']).optional(),
  warn: z.number().optional(),
  breach: z.number(),
  /** Why these numbers: mandatory, it is what an auditor asks first. */
  rationale: z.string({ error: (issue) => (issue.input === undefined ? 'every threshold needs a rationale: say where the numbers come from (a rule, a baseline, a risk decision)' : 'expected the rationale as text') })
    .trim().min(10, 'expected a rationale of at least 10 characters'),
})

const guardSchema = z.strictObject({
  /** Fewer predictions (labelled ones for outcome metrics) than this: insufficient_data. */
  minSample: wholeNumber(1).default(100),
  /** Groups with fewer members are reported as insufficient, never compared. */
  minPerGroup: wholeNumber(1).default(30),
  /** For p-value metrics: the level a (corrected) p-value is held to when thresholds.breach is not given as one. */
  significance: z.number().gt(0).lt(1).optional(),
  /** Correction when one control tests several features with p-values. */
  multipleComparisons: z.enum(['holm', 'bonferroni', 'none']).default('holm'),
}).default({ minSample: 100, minPerGroup: 30, multipleComparisons: 'holm' })

const scheduleSchema = z.union([
  z.strictObject({ every: positiveDuration }),
  z.strictObject({
    cron: text,
    /** IANA time zone the cron fields are read in; UTC when omitted. */
    timezone: text.superRefine((zone, ctx) => {
      const problem = timezoneProblem(zone)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
    }).optional(),
  }).superRefine((schedule, ctx) => {
    const problem = cronProblem(schedule.cron, schedule.timezone)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem })
  }),
], { error: 'expected { every: <duration> } or { cron: <expression> }' })

const responseSchema = z.strictObject({
  /** Notifier names per outcome. */
  notify: z.strictObject({
    warn: z.array(identifier).default([]),
    breach: z.array(identifier).default([]),
    insufficient_data: z.array(identifier).default([]),
  }).default({ warn: [], breach: [], insufficient_data: [] }),
  escalation: z.strictObject({
    /** Escalate an alert nobody acknowledged within this long. */
    unacknowledgedAfter: positiveDuration.optional(),
    /** Escalate after this many breaches in a row. */
    consecutiveBreaches: wholeNumber(2).optional(),
    notify: z.array(identifier).min(1),
  }).superRefine((escalation, ctx) => {
    if (escalation.unacknowledgedAfter === undefined && escalation.consecutiveBreaches === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an escalation needs unacknowledgedAfter, consecutiveBreaches or both: otherwise it never fires' })
    }
  }).optional(),
  /** Passing evaluations in a row before an open alert clears itself (hysteresis). */
  clearAfterPasses: wholeNumber(1).default(2),
  /** Open a nonconformity record (ISO/IEC 42001 clause 10.2) on breach. */
  nonconformity: z.boolean().default(true),
  runbook: httpUrl.optional(),
}).default({ notify: { warn: [], breach: [], insufficient_data: [] }, clearAfterPasses: 2, nonconformity: true })

/** The parts of a control the cross-field checks below read. */
const CROSS_CHECKED = new Set(['metric', 'selector', 'window', 'thresholds'])

export const controlSchema = z.strictObject({
  id: identifier,
  version: wholeNumber(1),
  title: text,
  description: z.string().optional(),
  status: z.enum(['active', 'draft', 'retired']),
  approval: z.strictObject({ by: text, at: isoDate, reference: text }),
  references: referencesSchema,
  owner: z.strictObject({ accountable: text, responsible: text }),
  scope: z.strictObject({
    project: identifier.default('default'),
    model: text,
    /** Model versions the control holds; all when omitted. */
    versions: z.array(text).min(1).optional(),
    environment: text.optional(),
  }),
  metric: z.strictObject({
    kind: z.enum(Object.keys(METRIC_CATALOG) as [MetricKind, ...MetricKind[]]),
    name: text,
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  }).superRefine((metric, ctx) => {
    // Checked here rather than on the control, so an unknown name is reported even when other parts of the control are broken.
    if (metricDefinition(metric.kind, metric.name) === undefined) {
      const names = Object.keys(METRIC_CATALOG[metric.kind]).join(', ')
      ctx.addIssue({ code: 'custom', path: ['name'], message: `unknown ${metric.kind} metric ${JSON.stringify(metric.name)}; expected one of ${names}` })
    }
  }),
  selector: z.strictObject({
    features: z.array(text).min(1).optional(),
    attribute: text.optional(),
    /** Attribute equals value: only these predictions are evaluated. */
    segment: z.record(z.string(), z.string()).optional(),
    /** Groups below this share of the window are excluded and reported (NYC LL 144 allows 2 %). */
    minGroupShare: z.number().min(0).lt(1).default(0),
  }).default({ minGroupShare: 0 }),
  window: z.strictObject({
    current: currentWindow,
    reference: referenceWindow.optional(),
    /** Outcome metrics: windows end this long before the evaluation time, so labels have arrived. */
    labelDelay: durationSchema.default(0),
  }),
  thresholds: thresholdsSchema,
  guard: guardSchema,
  insufficientData: z.strictObject({
    /** insufficient_data is always recorded; this says whether it also notifies response.notify.insufficient_data. */
    notify: z.boolean().default(false),
  }).default({ notify: false }),
  schedule: scheduleSchema,
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  response: responseSchema,
}).superRefine((control, ctx) => {
  const definition = metricDefinition(control.metric.kind, control.metric.name)
  if (definition === undefined) return // reported by the metric's own check
  if (definition.needsFeatures && control.selector.features === undefined) ctx.addIssue({ code: 'custom', path: ['selector', 'features'], message: `${control.metric.name} needs selector.features` })
  if (definition.needsAttribute && control.selector.attribute === undefined) ctx.addIssue({ code: 'custom', path: ['selector', 'attribute'], message: `${control.metric.name} needs selector.attribute (the protected attribute)` })
  const referenceNeeded = definition.needsReference && !(control.metric.name === 'out_of_range_rate')
  if (referenceNeeded && control.window.reference === undefined) ctx.addIssue({ code: 'custom', path: ['window', 'reference'], message: `${control.metric.name} compares with a reference: expected window.reference` })
  if (control.metric.name === 'out_of_range_rate' && control.window.reference === undefined && control.metric.params.min === undefined && control.metric.params.max === undefined) {
    ctx.addIssue({ code: 'custom', path: ['window', 'reference'], message: 'out_of_range_rate needs a range: expected window.reference (its [min, max]) or metric.params.min / metric.params.max' })
  }
  const { warn, breach } = control.thresholds
  const direction = control.thresholds.direction ?? definition.defaultDirection
  if (warn !== undefined && (direction === 'above' ? warn > breach : warn < breach)) {
    ctx.addIssue({ code: 'custom', path: ['thresholds', 'warn'], message: `with direction ${direction} (${direction === 'above' ? 'larger' : 'smaller'} is worse), warn (${warn}) must come before breach (${breach}): expected warn ${direction === 'above' ? '≤' : '≥'} breach` })
  }
  if (control.window.current.type === 'tumbling' && control.window.current.step !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['window', 'current', 'step'], message: 'step applies to rolling windows only' })
  }
}, {
  // These checks read only metric, selector, window and thresholds: run them whenever those parsed,
  // even if another part of the control is broken, so that the load lists every problem at once.
  when: (payload) => !payload.issues.some((issue) => CROSS_CHECKED.has(issue.path?.[0] as string)),
})

export const policySchema = z.strictObject({
  apiVersion: z.literal(POLICY_API_VERSION, { error: `expected apiVersion: ${POLICY_API_VERSION}` }),
  kind: z.literal('ControlPolicy', { error: 'expected kind: ControlPolicy' }),
  metadata: z.strictObject({
    name: identifier,
    version: z.union([wholeNumber(1), text]),
    description: z.string().optional(),
    owner: text.optional(),
  }),
  notifiers: z.record(identifier, notifierSchema).default({}),
  controls: z.array(controlSchema).min(1, 'expected at least one control'),
  /** The model register: model id → owner, intended use (A.9.4), risk class, life-cycle stage. */
  models: modelRegisterSchema.default({}),
  /** Statement-of-Applicability decisions: references deliberately not covered, with why. */
  applicability: applicabilitySchema,
}).superRefine((policy, ctx) => {
  // Runs even when other parts failed (see `when`), so the value may be only partly parsed: every
  // access below is checked rather than trusted to the types.
  const value: unknown = policy
  if (!isRecord(value) || !Array.isArray(value.controls)) return
  for (const issue of applicabilityIssues(value)) ctx.addIssue({ code: 'custom', ...issue })
  const notifiers = isRecord(value.notifiers) ? value.notifiers : value.notifiers === undefined ? {} : undefined
  const seen = new Map<string, number>()
  value.controls.forEach((control: unknown, index) => {
    if (!isRecord(control)) return
    if (typeof control.id === 'string') {
      const first = seen.get(control.id)
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['controls', index, 'id'], message: `duplicate control id ${control.id} (first at controls[${first}])` })
      else seen.set(control.id, index)
    }
    if (notifiers === undefined) return // the notifiers section itself is broken and reported as such
    const check = (names: unknown, path: (string | number)[]) => {
      if (!Array.isArray(names)) return
      names.forEach((name: unknown, i) => {
        if (typeof name !== 'string' || Object.hasOwn(notifiers, name)) return
        const known = Object.keys(notifiers)
        ctx.addIssue({ code: 'custom', path: ['controls', index, ...path, i], message: `unknown notifier ${JSON.stringify(name)}; declared: ${known.length ? known.join(', ') : 'none'}` })
      })
    }
    const response = isRecord(control.response) ? control.response : {}
    const notify = isRecord(response.notify) ? response.notify : {}
    check(notify.warn, ['response', 'notify', 'warn'])
    check(notify.breach, ['response', 'notify', 'breach'])
    check(notify.insufficient_data, ['response', 'notify', 'insufficient_data'])
    if (isRecord(response.escalation)) check(response.escalation.notify, ['response', 'escalation', 'notify'])
  })
}, { when: () => true })

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export type Policy = z.output<typeof policySchema>
export type Control = z.output<typeof controlSchema>
export type Notifier = z.output<typeof notifierSchema>
export type NotifierType = Notifier['type']
export type ControlOutcome = 'pass' | 'warn' | 'breach' | 'insufficient_data' | 'error'
