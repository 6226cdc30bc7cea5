import { hostname } from 'node:os'
import { randomBytes, randomUUID } from 'node:crypto'
import type { Control, ControlOutcome } from '@aims-monitor/controls'
import { NotificationDispatcher, type AlertNotification, type DeliveryAttempt, type DispatcherOptions } from '@aims-monitor/notify'
import type { Store } from '@aims-monitor/store'
import { AlertRepository, type Alert } from './alert-repository.js'
import { planManualChange, planUnacknowledgedEscalation } from './alert-transition.js'
import { EvaluationClaims } from './evaluation-claims.js'
import { EvaluationRepository, type StoredEvaluation } from './evaluation-repository.js'
import type { EvaluationRecord } from './evaluation-record.js'
import { evaluateControl, evaluationKey, type EvaluationDependencies, type EvaluationResult, type LoadedPolicy } from './evaluate-control.js'
import { NonconformityRepository } from './nonconformity-repository.js'
import { ReferenceDatasets } from './reference-datasets.js'
import { ControlScheduler } from './scheduler.js'
import { QueryCache } from './query-cache.js'
import { buildNotification } from './notification-of.js'

export interface EvaluatorLogger {
  info(details: object, message: string): void
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

export interface EvaluatorOptions {
  readonly store: Store
  readonly policy: LoadedPolicy
  /** Where notifier secrets are read from (process.env by default). */
  readonly env?: NodeJS.ProcessEnv | undefined
  /** Read predictions with FINAL (exact under retried events); default true. */
  readonly exactDedup?: boolean | undefined
  readonly logger?: EvaluatorLogger | undefined
  /** Dispatcher settings (retry, timeouts) for tests and operators. */
  readonly delivery?: Partial<Pick<DispatcherOptions, 'retry' | 'timeoutMs' | 'maxQueued'>> | undefined
  /** Told of each evaluation this instance recorded and each delivery attempt (the collector's /metrics). */
  readonly observer?: EvaluatorObserver | undefined
  /** How often open alerts are checked for `unacknowledgedAfter` escalation while started (default 1 minute). */
  readonly escalationCheckMs?: number | undefined
  /**
   * Controls of one `evaluate()` computed at the same time (default 1; records are still appended in
   * the policy's order). On the 2-core bench machine 2 was slower (bench/evaluator at 2M rows, load
   * ~6: 4.1-7.8 s against 3.3-5.5 s): each statement already runs on both cores. A server with more
   * cores than a statement uses may gain from more.
   */
  readonly concurrency?: number | undefined
  /**
   * The collector's address as governance reaches it: notifications link to the alert and the
   * evaluation record under it. Without it they carry no links (a relative path is no link in Slack,
   * PagerDuty or an email).
   */
  readonly publicUrl?: string | undefined
}

export interface EvaluatorObserver {
  evaluated(record: EvaluationRecord): void
  deliveryAttempt(attempt: DeliveryAttempt): void
}

/** The result of evaluating one control on demand. */
export interface ControlEvaluation {
  readonly controlId: string
  readonly status: EvaluationResult['status']
  readonly outcome: ControlOutcome | null
  readonly evaluation: StoredEvaluation | null
}

const silentLogger: EvaluatorLogger = { info() {}, warn() {}, error() {} }

/**
 * Holds every model against the policy's controls: on each control's schedule (start/stop), on
 * demand (evaluate), and keeps alerts, nonconformities and delivery attempts as evidence.
 *
 * @example
 * const evaluator = new Evaluator({ store, policy: loadPolicyFile('policy.yaml') })
 * await evaluator.evaluate({ controls: ['FAIR-001'], at: Date.parse('2026-11-26T00:00:00Z') })
 */
export class Evaluator {
  readonly evaluations: EvaluationRepository
  readonly alerts: AlertRepository
  readonly nonconformities: NonconformityRepository
  readonly references: ReferenceDatasets
  readonly identity = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`
  private readonly dispatcher: NotificationDispatcher
  private readonly deps: EvaluationDependencies
  private readonly scheduler: ControlScheduler
  private readonly logger: EvaluatorLogger
  private readonly pendingWrites = new Set<Promise<void>>()
  private policyState: LoadedPolicy
  private readonly observer: EvaluatorObserver | undefined
  private readonly escalationCheckMs: number
  /** `options.publicUrl` ending in "/", so that links resolve under a path prefix (a reverse proxy's). */
  private readonly publicUrl: string | undefined
  private escalationTimer: NodeJS.Timeout | undefined
  private scheduledTail: Promise<void> = Promise.resolve()
  /** Scheduled batches not started yet, by the instant their controls fired for. */
  private readonly scheduledWaiting = new Map<number, { controls: Control[]; run: Promise<void> }>()
  private readonly concurrency: number

  constructor(private readonly options: EvaluatorOptions) {
    const { store } = options
    this.logger = options.logger ?? silentLogger
    this.policyState = options.policy
    this.observer = options.observer
    this.escalationCheckMs = options.escalationCheckMs ?? 60_000
    this.publicUrl = options.publicUrl === undefined || options.publicUrl.endsWith('/') ? options.publicUrl : `${options.publicUrl}/`
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1))
    this.evaluations = new EvaluationRepository(store)
    this.alerts = new AlertRepository(store)
    this.nonconformities = new NonconformityRepository(store)
    this.references = new ReferenceDatasets(store)
    this.dispatcher = new NotificationDispatcher({
      notifiers: options.policy.policy.notifiers,
      env: options.env ?? process.env,
      ...options.delivery,
      onAttempt: (attempt) => this.recordAttempt(attempt),
      onDropped: (dropped) => this.logger.warn({ dropped }, 'alert notification dropped'),
      logger: { warn: (obj, msg) => this.logger.warn(obj, msg ?? ''), error: (obj, msg) => this.logger.error(obj, msg ?? '') },
    })
    this.deps = {
      store,
      evaluations: this.evaluations,
      claims: new EvaluationClaims(store, this.identity),
      alerts: this.alerts,
      nonconformities: this.nonconformities,
      references: this.references,
      notify: (notification, routes) => this.enqueue(notification, routes),
      identity: this.identity,
      exactDedup: options.exactDedup ?? true,
    }
    this.scheduler = new ControlScheduler((control, at) => this.runScheduled(control, at))
  }

  get store(): Store {
    return this.options.store
  }

  get policy(): LoadedPolicy {
    return this.policyState
  }

  /**
   * The batch's claims, all taken when the batch starts (EvaluationClaims.claimAll: on a server an
   * insert per key and one read-back for all; on an embedded store, in memory): each control awaits
   * its own. The embedded engine runs one statement at a time, so small statements cost their full
   * latency wherever they run (measured on the evaluator bench: ~120 of them, ~0.9 s, for 20
   * controls, before batching): fewer of them is what saves time. A claim taken ahead holds for the
   * lease (EvaluationClaims) like any other; this evaluator reclaims its own at once.
   */
  private claimAhead(controls: readonly Control[], at: number, cache: QueryCache): Promise<boolean>[] {
    const keys = controls.map((c) => evaluationKey(c, at))
    const held = (async () => {
      const existing = await cache.shared('existing-evaluations', () => this.deps.evaluations.findByKeys(keys))
      const attempts = await cache.shared('claim-attempts', () => this.deps.claims.latestAttempts(keys))
      // Keys already evaluated are not claimed: their controls return the stored record.
      return this.deps.claims.claimAll(keys.filter((key) => !existing.has(key)), attempts)
    })()
    return keys.map((key) => {
      const claim = held.then((map) => map.get(key) ?? true)
      // Awaited by its control; one the batch never reaches (a failure stopped it) must not reject unhandled.
      claim.catch(() => undefined)
      return claim
    })
  }

  /** Active controls of the policy, optionally only the named ones (an unknown name is an error). */
  activeControls(names?: readonly string[]): Control[] {
    const controls = this.policyState.policy.controls
    if (names === undefined || names.length === 0) return controls.filter((c) => c.status === 'active')
    const unknown = names.filter((name) => !controls.some((c) => c.id === name))
    if (unknown.length) throw new UnknownControlError(unknown, controls.map((c) => c.id))
    return names.map((name) => controls.find((c) => c.id === name)!)
  }

  /**
   * Evaluates controls now (or as of `at`), each for the window `at` falls after. Named controls are
   * evaluated whatever their status (a draft can be tried); without names, every active control.
   */
  async evaluate(request: { controls?: readonly string[] | undefined; at?: number | undefined } = {}): Promise<ControlEvaluation[]> {
    return this.evaluateBatch(this.activeControls(request.controls), request.at ?? Date.now())
  }

  /**
   * One batch: these controls for the windows `at` falls after, sharing their scans and bookkeeping.
   * A control whose evaluation throws (the store failing; a metric's own failure is recorded as an
   * `error` outcome) stops the batch and the error is thrown, unless `onFailure` is given: then it is
   * told and the other controls go on (the schedule's runs), and the control has no result.
   */
  private async evaluateBatch(controls: readonly Control[], at: number, onFailure?: (control: Control, error: unknown) => void): Promise<ControlEvaluation[]> {
    const cache = new QueryCache(this.options.store, { controls, at })
    const results: ControlEvaluation[] = new Array(controls.length)
    const claims = this.claimAhead(controls, at, cache)
    // Controls are computed `concurrency` at a time (default one by one). Records are appended in
    // the policy's order whatever the concurrency: each is queued for the chain once the one before
    // is queued (or its control is done without a record), and the chain commits what is queued in
    // groups. A control's
    // bookkeeping after its computation (alert lookup, chain append, alert transition: a few small
    // statements) is not awaited before the next control's computation starts: a ClickHouse server
    // runs them side by side; the embedded engine runs one statement at a time, so there they only
    // overlap the JavaScript work.
    const turns = controls.map(() => {
      let open!: () => void
      const opened = new Promise<void>((resolve) => (open = resolve))
      return { opened, open }
    })
    const finishing: Promise<void>[] = []
    let next = 0
    let failure: { error: unknown } | null = null
    const work = async () => {
      while (failure === null && next < controls.length) {
        const i = next++
        const control = controls[i]!
        let computed!: () => void
        const isComputed = new Promise<void>((resolve) => (computed = resolve))
        const finished = evaluateControl(this.deps, this.policyState, control, at, cache, {
          beforeAppend: () => (i === 0 ? Promise.resolve() : turns[i - 1]!.opened),
          appendQueued: () => turns[i]!.open(),
          claim: claims[i],
          computed,
        }).then((result) => {
          if (result.status === 'evaluated') this.observer?.evaluated(result.stored.record)
          results[i] = {
            controlId: control.id,
            status: result.status,
            outcome: result.status === 'claimed_elsewhere' ? null : result.stored.record.outcome,
            evaluation: result.status === 'claimed_elsewhere' ? null : result.stored,
          }
        }, (error: unknown) => {
          if (onFailure) onFailure(control, error)
          else failure ??= { error }
        }).finally(() => turns[i]!.open())
        finishing.push(finished)
        await Promise.race([isComputed, finished])
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.concurrency, controls.length) }, work))
    await Promise.all(finishing)
    // Claims taken ahead for controls never reached (a failure stopped the batch) are left to lapse.
    if (failure !== null) throw (failure as { error: unknown }).error
    await this.checkEscalations(at)
    return onFailure ? results.filter((r) => r !== undefined) : results
  }

  /** Schedules every active control (and evaluates each once now, so a restart leaves no gap unnoticed). */
  start(): void {
    this.scheduler.start(this.activeControls())
    // Between a control's runs (a daily control runs once a day) an alert may pass its
    // unacknowledgedAfter: checked on its own clock.
    this.escalationTimer = setInterval(() => {
      this.checkEscalations().catch((error: unknown) => this.logger.error({ err: error }, 'escalation check failed'))
    }, this.escalationCheckMs)
    this.escalationTimer.unref()
  }

  async stop(): Promise<void> {
    if (this.escalationTimer) clearInterval(this.escalationTimer)
    await this.scheduler.stop()
    await this.dispatcher.drain(5_000).catch(() => undefined)
    await Promise.allSettled([...this.pendingWrites])
    await this.dispatcher.close()
  }

  /** Resolves when queued notifications are delivered (or given up) and their attempts recorded. */
  async drainNotifications(timeoutMs = 30_000): Promise<void> {
    await this.dispatcher.drain(timeoutMs)
    await Promise.allSettled([...this.pendingWrites])
  }

  deliveryStats() {
    return this.dispatcher.stats()
  }

  async acknowledge(alertId: string, by: string, note: string): Promise<Alert> {
    return this.manualChange(alertId, 'acknowledged', by, note)
  }

  async resolve(alertId: string, by: string, note: string): Promise<Alert> {
    return this.manualChange(alertId, 'resolved', by, note)
  }

  /** Escalates alerts nobody acknowledged within their control's `unacknowledgedAfter`. */
  async checkEscalations(now = Date.now()): Promise<void> {
    for (const alert of await this.alerts.list({ state: 'open', limit: 10_000 })) {
      const control = this.policyState.policy.controls.find((c) => c.id === alert.controlId)
      if (!control) continue
      const transition = planUnacknowledgedEscalation(alert, control, now)
      if (transition?.next && (await this.alerts.save(transition.next)) && transition.notify) {
        const evaluation = await this.evaluations.findById(alert.lastEvaluationId)
        if (evaluation) this.enqueue(buildNotification(control, transition.next, evaluation.record, 'escalated', randomUUID()), transition.notify.routes)
      }
    }
  }

  private async manualChange(alertId: string, change: 'acknowledged' | 'resolved', by: string, note: string): Promise<Alert> {
    const current = await this.alerts.get(alertId)
    if (current === null) throw new UnknownAlertError(alertId)
    const next = planManualChange(current, change, by, note, Date.now())
    if (!(await this.alerts.save(next))) throw new UnknownAlertError(alertId, 'changed by someone else at the same time; retry')
    if (change === 'resolved' && current.notified.length) {
      const control = this.policyState.policy.controls.find((c) => c.id === current.controlId)
      const evaluation = await this.evaluations.findById(current.lastEvaluationId)
      if (control && evaluation) this.enqueue(buildNotification(control, next, evaluation.record, 'resolved', randomUUID()), current.notified)
    }
    return next
  }

  /**
   * Scheduled runs go one batch at a time: at start every control fires at once, and each
   * evaluation's aggregates (an outcome join sorts the window's ids) are sized for one at a time on a
   * small machine; the next waits rather than doubling the engine's memory. Controls that fire for
   * the same instant while a batch runs or waits (every control at start, those with the same
   * `every` at each tick) join one batch, which shares their scans as `evaluate()` does (on the
   * evaluator bench, 20 controls one by one read the two days' rows ~20 times; as a batch, twice).
   */
  private runScheduled(control: Control, at: number): Promise<void> {
    const waiting = this.scheduledWaiting.get(at)
    if (waiting) {
      waiting.controls.push(control)
      return waiting.run
    }
    const batch = { controls: [control], run: Promise.resolve() }
    this.scheduledWaiting.set(at, batch)
    batch.run = this.scheduledTail.then(async () => {
      // From here on a control firing for this instant starts a batch of its own (after this one).
      this.scheduledWaiting.delete(at)
      try {
        const failed = (control: Control, error: unknown) => this.logger.error({ control: control.id, err: error }, 'scheduled evaluation failed')
        for (const result of await this.evaluateBatch(batch.controls, at, failed)) {
          if (result.status !== 'evaluated' || result.evaluation === null) continue
          this.logger.info({ control: result.controlId, outcome: result.outcome, seq: result.evaluation.seq }, 'control evaluated')
        }
      } catch (error) {
        this.logger.error({ controls: batch.controls.map((c) => c.id), err: error }, 'scheduled evaluation failed')
      }
    })
    this.scheduledTail = batch.run
    return batch.run
  }

  /** Hands a notification to the dispatcher, with absolute links when the collector's public address is known. */
  private enqueue(notification: AlertNotification, routes: readonly string[]): void {
    const base = this.publicUrl
    const linked: AlertNotification = base === undefined ? notification : {
      ...notification,
      links: { alert: new URL(`v1/alerts/${encodeURIComponent(notification.alertId)}`, base).href, evaluation: new URL(`v1/evaluations/${encodeURIComponent(notification.evaluationId)}`, base).href },
    }
    this.dispatcher.enqueue(linked, [...routes])
  }

  private recordAttempt(attempt: DeliveryAttempt): void {
    this.observer?.deliveryAttempt(attempt)
    const write = this.alerts.recordDelivery(attempt, attempt.event).catch((error: unknown) => this.logger.error({ err: error }, 'could not record a delivery attempt'))
    this.pendingWrites.add(write)
    void write.finally(() => this.pendingWrites.delete(write))
  }
}

export class UnknownControlError extends Error {
  readonly status = 404
  constructor(readonly unknown: readonly string[], known: readonly string[]) {
    super(`unknown control${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the policy declares ${known.join(', ')}`)
    this.name = 'UnknownControlError'
  }
}

export class UnknownAlertError extends Error {
  readonly status: number
  constructor(id: string, why?: string) {
    super(why ? `alert ${id}: ${why}` : `no alert ${id}`)
    this.status = why ? 409 : 404
    this.name = 'UnknownAlertError'
  }
}
