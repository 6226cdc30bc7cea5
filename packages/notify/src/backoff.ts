export interface RetryPolicy {
  /** Attempts per delivery, the first included. */
  maxAttempts: number
  /** Scale of the exponential backoff. */
  baseDelayMs: number
  /** Cap of one backoff delay (not of a receiver's Retry-After). */
  maxDelayMs: number
  /** From enqueue: no attempt starts, and no retry is scheduled, past it. */
  deadlineMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  // 6 attempts with the defaults below span about a minute: long enough for a receiver restart.
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  // An alert older than 10 minutes is no longer news; the attempts are recorded either way.
  deadlineMs: 10 * 60_000,
}

/**
 * "Full jitter" exponential backoff (AWS architecture blog, "Exponential Backoff And Jitter"):
 * a uniform delay in [0, min(max, base·2^(attempt-1))), so that many deliveries failing together
 * do not retry together.
 */
export function fullJitterDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}
