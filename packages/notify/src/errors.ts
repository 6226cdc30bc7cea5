/**
 * A failed delivery attempt. `retryable` is decided from the transport outcome (status code,
 * network failure, SMTP reply class), never from message text.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError'
  readonly retryable: boolean
  /** HTTP status (email: SMTP reply code) when the receiver answered. */
  readonly status?: number
  /** The receiver's Retry-After, in milliseconds from when it answered. */
  readonly retryAfterMs?: number

  constructor(message: string, options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.retryable = options.retryable
    if (options.status !== undefined) this.status = options.status
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
  }
}

export interface NotifierConfigProblem {
  notifier: string
  /** The environment variable at fault, when the problem is a missing or invalid secret. */
  variable?: string
  message: string
}

/**
 * A notifier that cannot work as configured (a secret's environment variable unset, a secret URL
 * that is not one). Thrown when the notifier is created, so that a deployment fails at start,
 * not at the first breach.
 */
export class NotifierConfigError extends Error {
  override readonly name = 'NotifierConfigError'
  readonly problems: readonly NotifierConfigProblem[]

  constructor(problems: readonly NotifierConfigProblem[]) {
    super(problems.length === 1 ? problems[0]!.message : `${problems.length} notifier configuration problems:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`)
    this.problems = problems
  }
}
