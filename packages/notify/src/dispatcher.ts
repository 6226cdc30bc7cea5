import { setTimeout as sleep } from 'node:timers/promises'
import type { Notifier } from '@aims-monitor/controls'
import { DEFAULT_RETRY, fullJitterDelay, type RetryPolicy } from './backoff.js'
import { createNotifier } from './create-notifier.js'
import { DeliveryError, NotifierConfigError, type NotifierConfigProblem } from './errors.js'
import { Lane } from './lane.js'
import { stderrLogger, type NotifyLogger } from './logger.js'
import type { AlertNotification, DeliveryAttempt } from './notification.js'
import type { NotifierInstance } from './notifier.js'

/** The longest delay a Node timer holds (2^31 − 1 ms, ~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface DroppedDelivery {
  notification: AlertNotification
  notifier: string
  /** queue_full: maxQueued deliveries were pending; closed: enqueued after close(), or abandoned by it. */
  reason: 'queue_full' | 'closed'
}

export interface DispatcherOptions {
  /** The policy's `notifiers`, by name. */
  notifiers: Record<string, Notifier>
  /** Where secrets are read from; process.env by default. */
  env?: NodeJS.ProcessEnv
  /** Every attempt, successful or not (the evaluator stores them as evidence). Errors it throws are logged. */
  onAttempt: (attempt: DeliveryAttempt) => void | Promise<void>
  /** Deliveries that never got (all their) attempts: the queue was full, or the dispatcher closed. */
  onDropped?: (dropped: DroppedDelivery) => void
  retry?: Partial<RetryPolicy>
  /** Per attempt: a receiver that hangs longer is abandoned and retried. */
  timeoutMs?: number
  /** Deliveries pending (waiting, in flight or between retries) beyond which new ones are dropped. */
  maxQueued?: number
  /** Attempts in flight to one notifier at once. */
  concurrencyPerNotifier?: number
  logger?: NotifyLogger
}

export interface DispatcherStats {
  /** Deliveries accepted and not finished (waiting, in flight or between retries). */
  queued: number
  delivered: number
  /** Deliveries that ended without success (after their last attempt). */
  failed: number
  dropped: number
  /** Attempts after the first. */
  retries: number
}

interface Delivery {
  notification: AlertNotification
  name: string
  notifier: NotifierInstance | undefined
  deadline: number
  attempt: number
}

type AttemptResult = { ok: true; status?: number } | { ok: false; error: DeliveryError }

/**
 * Delivers alert notifications without ever blocking the evaluator: `enqueue` only records the
 * work and returns; each delivery then runs on its own, through its notifier's lane (so a slow
 * receiver delays only its own deliveries), retried with full-jitter exponential backoff until
 * delivered, not retryable, out of attempts or past its deadline. Every attempt is reported
 * through `onAttempt`. Bounded: past `maxQueued` pending deliveries, new ones are dropped and counted.
 *
 * @example
 *   const dispatcher = new NotificationDispatcher({ notifiers: policy.notifiers, onAttempt: (a) => attempts.insert(a) })
 *   dispatcher.enqueue(notification, control.response.notify.breach)
 *   // at shutdown:
 *   await dispatcher.close()
 */
export class NotificationDispatcher {
  readonly #notifiers = new Map<string, NotifierInstance>()
  readonly #lanes = new Map<string, Lane>()
  readonly #options: DispatcherOptions
  readonly #retry: RetryPolicy
  readonly #timeoutMs: number
  readonly #maxQueued: number
  readonly #concurrency: number
  readonly #logger: NotifyLogger
  /** Ends backoff waits at close(). */
  readonly #closing = new AbortController()
  #closed = false
  #closePromise: Promise<void> | undefined
  #warnedDrop = false
  #idleWaiters: Array<() => void> = []
  readonly #stats: DispatcherStats = { queued: 0, delivered: 0, failed: 0, dropped: 0, retries: 0 }

  /** Builds every notifier now: configuration problems (missing secrets) throw NotifierConfigError, all of them at once. */
  constructor(options: DispatcherOptions) {
    this.#options = options
    this.#retry = { ...DEFAULT_RETRY, ...options.retry }
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#maxQueued = options.maxQueued ?? 10_000
    // A few at once keeps a burst moving without flooding one receiver.
    this.#concurrency = options.concurrencyPerNotifier ?? 4
    this.#logger = options.logger ?? stderrLogger
    const problems: NotifierConfigProblem[] = []
    for (const [name, config] of Object.entries(options.notifiers)) {
      try {
        this.#notifiers.set(name, createNotifier(name, config, options.env ?? process.env))
        this.#lanes.set(name, new Lane(this.#concurrency))
      } catch (error) {
        if (!(error instanceof NotifierConfigError)) throw error
        problems.push(...error.problems)
      }
    }
    if (problems.length) throw new NotifierConfigError(problems)
  }

  /**
   * Queues `notification` for each named notifier and returns at once. Never throws and never waits
   * for the network: an unknown name is reported as a failed attempt, a full queue as a drop.
   */
  enqueue(notification: AlertNotification, notifierNames: readonly string[]): void {
    try {
      // A notifier named for both the level and the escalation gets the message once.
      for (const name of new Set(notifierNames)) this.#accept(notification, name)
    } catch (error) {
      this.#logger.error({ err: error, alertId: notification?.alertId }, 'notification could not be queued')
    }
  }

  /** Resolves once no delivery is pending, or after `timeoutMs` (then stats().queued says what is left). */
  drain(timeoutMs?: number): Promise<void> {
    if (this.#stats.queued === 0) return Promise.resolve()
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const done = () => {
        clearTimeout(timer)
        resolve()
      }
      this.#idleWaiters.push(done)
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs)
    })
  }

  /**
   * Stops accepting, abandons deliveries not in flight (waiting for a slot or a retry: reported
   * through onDropped as 'closed'), lets attempts in flight finish (bounded by timeoutMs), then
   * releases the notifiers' connections.
   */
  close(): Promise<void> {
    this.#closePromise ??= (async () => {
      this.#closed = true
      this.#closing.abort()
      for (const lane of this.#lanes.values()) lane.close()
      await this.drain()
      await Promise.all([...this.#notifiers.values()].map((n) => n.close().catch((error: unknown) => {
        this.#logger.warn({ err: error, notifier: n.name }, 'notifier did not close cleanly')
      })))
    })()
    return this.#closePromise
  }

  stats(): DispatcherStats {
    return { ...this.#stats }
  }

  #accept(notification: AlertNotification, name: string): void {
    if (this.#closed) return this.#drop(notification, name, 'closed')
    if (this.#stats.queued >= this.#maxQueued) return this.#drop(notification, name, 'queue_full')
    this.#stats.queued++
    const delivery: Delivery = { notification, name, notifier: this.#notifiers.get(name), deadline: Date.now() + this.#retry.deadlineMs, attempt: 0 }
    this.#run(delivery)
      .catch((error: unknown) => this.#logger.error({ err: error, notifier: name, alertId: notification.alertId }, 'delivery loop failed'))
      .finally(() => this.#finished())
  }

  async #run(d: Delivery): Promise<void> {
    // Always yield first: enqueue() must return before any work (or callback) happens.
    await Promise.resolve()
    if (d.notifier === undefined) {
      const known = [...this.#notifiers.keys()]
      d.attempt = 1
      await this.#report(d, Date.now(), 0, { ok: false, error: new DeliveryError(`unknown notifier "${d.name}"; configured: ${known.length ? known.join(', ') : 'none'}`, { retryable: false }) }, false)
      this.#stats.failed++
      return
    }
    const lane = this.#lanes.get(d.name)!
    for (;;) {
      const granted = await lane.acquire()
      if (granted && this.#closed) lane.release()
      // After close() only attempts already in flight complete; everything else is abandoned.
      if (!granted || this.#closed) return this.#abandon(d)
      let result: AttemptResult
      const startedAt = Date.now()
      const started = performance.now()
      d.attempt++
      try {
        result = await this.#attempt(d.notifier, d)
      } finally {
        lane.release()
      }
      const durationMs = Math.round(performance.now() - started)
      if (result.ok) {
        await this.#report(d, startedAt, durationMs, result, false)
        this.#stats.delivered++
        return
      }
      const delay = this.#retryDelay(d, result.error)
      await this.#report(d, startedAt, durationMs, result, delay !== undefined)
      if (delay === undefined) {
        this.#stats.failed++
        this.#logger.warn({ notifier: d.name, alertId: d.notification.alertId, deliveryId: d.notification.deliveryId, attempts: d.attempt, err: result.error.message }, 'notification not delivered')
        return
      }
      this.#stats.retries++
      if (!(await this.#wait(delay))) return this.#abandon(d)
    }
  }

  /** One attempt, bounded by timeoutMs and the delivery's deadline even if the notifier ignores its signal. */
  async #attempt(notifier: NotifierInstance, d: Delivery): Promise<AttemptResult> {
    const budget = Math.min(this.#timeoutMs, d.deadline - Date.now())
    if (budget <= 0) return { ok: false, error: new DeliveryError('deadline passed before the attempt could start', { retryable: false }) }
    const signal = AbortSignal.timeout(budget)
    try {
      const { status } = await raceAbort(notifier.send(d.notification, signal), signal)
      return status === undefined ? { ok: true } : { ok: true, status }
    } catch (error) {
      if (signal.aborted) return { ok: false, error: new DeliveryError(`timed out after ${budget} ms`, { retryable: true, cause: error }) }
      if (error instanceof DeliveryError) return { ok: false, error }
      // Not a transport outcome: a fault in the notifier itself, which a retry would repeat.
      this.#logger.error({ err: error, notifier: notifier.name }, 'notifier failed unexpectedly')
      return { ok: false, error: new DeliveryError(error instanceof Error ? error.message : String(error), { retryable: false, cause: error }) }
    }
  }

  /** The wait before the next attempt, or undefined when there is none: not retryable, out of attempts, or past the deadline. */
  #retryDelay(d: Delivery, error: DeliveryError): number | undefined {
    if (!error.retryable || this.#closed || d.attempt >= this.#retry.maxAttempts) return undefined
    // A receiver's Retry-After wins over our backoff (and over maxDelayMs): earlier would be refused again.
    const delay = error.retryAfterMs ?? fullJitterDelay(d.attempt, this.#retry)
    return Date.now() + delay < d.deadline ? delay : undefined
  }

  /** Sleeps `ms` (timer unref'd: pending retries do not keep a process alive); false when close() interrupted it. */
  async #wait(ms: number): Promise<boolean> {
    if (this.#closing.signal.aborted) return false
    try {
      // In steps a timer can hold: Node fires a longer one after 1 ms (a Retry-After of 30 days
      // would become an immediate retry).
      for (let left = ms; left > 0; left -= MAX_TIMER_MS) await sleep(Math.min(left, MAX_TIMER_MS), undefined, { signal: this.#closing.signal, ref: false })
      return true
    } catch (error) {
      if (this.#closing.signal.aborted) return false
      throw error
    }
  }

  async #report(d: Delivery, startedAt: number, durationMs: number, result: AttemptResult, willRetry: boolean): Promise<void> {
    const attempt: DeliveryAttempt = {
      notifier: d.name,
      type: d.notifier?.type ?? 'unknown',
      alertId: d.notification.alertId,
      deliveryId: d.notification.deliveryId,
      event: d.notification.event,
      attempt: d.attempt,
      startedAt: new Date(startedAt).toISOString(),
      durationMs,
      ok: result.ok,
      willRetry,
    }
    const status = result.ok ? result.status : result.error.status
    if (status !== undefined) attempt.status = status
    if (!result.ok) attempt.error = result.error.message
    try {
      await this.#options.onAttempt(attempt)
    } catch (error) {
      this.#logger.error({ err: error, attempt }, 'onAttempt failed; the attempt is not recorded')
    }
  }

  #abandon(d: Delivery): void {
    this.#drop(d.notification, d.name, 'closed')
  }

  #drop(notification: AlertNotification, notifier: string, reason: DroppedDelivery['reason']): void {
    this.#stats.dropped++
    if (!this.#warnedDrop) {
      // Once: a full queue drops in bursts, and each drop is counted and passed to onDropped anyway.
      this.#warnedDrop = true
      this.#logger.warn({ notifier, reason, maxQueued: this.#maxQueued }, 'notification dropped (further drops are counted, not logged)')
    }
    try {
      this.#options.onDropped?.({ notification, notifier, reason })
    } catch (error) {
      this.#logger.error({ err: error }, 'onDropped failed')
    }
  }

  #finished(): void {
    this.#stats.queued--
    if (this.#stats.queued === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value) },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error) },
    )
  })
}
