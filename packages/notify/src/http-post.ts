import { DeliveryError } from './errors.js'
import { truncate } from './format.js'
import { parseRetryAfter } from './retry-after.js'

const USER_AGENT = 'aims-monitor-notify/0.1'
/** Enough of an error body to say why (Slack's "invalid_payload", Alertmanager's validation text). */
const ERROR_BODY_CHARS = 300

/**
 * POSTs a JSON body and classifies the answer: 2xx resolves; 408, 429 and 5xx are retryable, like
 * a network failure or a timeout; other 4xx and redirects (never followed: a signed POST must not
 * turn into a GET elsewhere) are not. Messages name the URL's origin only: a Slack webhook's path
 * is its secret.
 */
export async function postJson(url: string, body: string, headers: Headers, signal: AbortSignal): Promise<{ status: number }> {
  const origin = new URL(url).origin
  if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT)
  headers.set('content-type', 'application/json')
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      signal,
      redirect: 'manual',
    })
  } catch (error) {
    throw new DeliveryError(`POST ${origin}: ${describeFetchFailure(error, signal)}`, { retryable: true, cause: error })
  }
  const status = response.status
  if (status >= 200 && status < 300) {
    // The status line is the receiver's acceptance: the answer is not waited for. Its body is drained
    // in the background (so a keep-alive connection can return to the pool) up to a bound; a body
    // that never ends or is huge must not turn a delivered alert into a timeout and a duplicate.
    void discardBody(response)
    return { status }
  }
  const detail = await readSnippet(response)
  const retryable = status === 408 || status === 429 || status >= 500
  const retryAfterMs = retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined
  const reason = status >= 300 && status < 400 ? `redirect to ${originOf(response.headers.get('location'), url)} not followed` : detail
  throw new DeliveryError(`POST ${origin}: HTTP ${status}${reason ? `: ${reason}` : ''}`, {
    retryable, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
}

/** A redirect's target by origin only: a Slack webhook redirected from http to https gets its secret path back in Location. */
function originOf(location: string | null, base: string): string {
  if (location === null) return '?'
  try {
    return new URL(location, base).origin
  } catch {
    // Not a URL at all: nothing of it is worth recording (and it may hold the path).
    return '(an invalid location)'
  }
}

function describeFetchFailure(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason: unknown = signal.reason
    return reason instanceof Error && reason.name === 'TimeoutError' ? 'timed out' : 'aborted'
  }
  // undici wraps the socket error: "fetch failed" with the errno in cause.code.
  const cause = error instanceof Error ? error.cause : undefined
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined
  if (code !== undefined) return code
  return error instanceof Error ? error.message : String(error)
}

/** Bytes of an error body read for its message, and how long that may take: it only explains the status. */
const ERROR_BODY_BYTES = 4096
const ERROR_BODY_MS = 1000
/** Bytes of a 2xx body drained before the connection is given up instead. */
const DRAIN_BYTES = 64 * 1024

/**
 * The start of an error body, for the message: at most ERROR_BODY_BYTES, within ERROR_BODY_MS.
 * Read so, a body that never ends (or is gigabytes) cannot turn a 400 into a retried timeout or a
 * 503 into one that lost its status and Retry-After; the rest is cancelled.
 */
async function readSnippet(response: Response): Promise<string> {
  const body = response.body
  if (body === null) return ''
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let bytes = 0
  let timer: NodeJS.Timeout | undefined
  const timeUp = new Promise<'time'>((resolve) => (timer = setTimeout(() => resolve('time'), ERROR_BODY_MS)))
  try {
    while (bytes < ERROR_BODY_BYTES) {
      const step = await Promise.race([reader.read(), timeUp])
      if (step === 'time' || step.done) break
      chunks.push(step.value)
      bytes += step.value.byteLength
    }
  } catch (error) {
    return `(body unreadable: ${error instanceof Error ? error.message : String(error)})`
  } finally {
    clearTimeout(timer)
    // What was not read is not wanted; a failure to cancel a body already ended changes nothing.
    reader.cancel().catch(() => undefined)
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES))
  return truncate(text.replace(/\s+/g, ' ').trim(), ERROR_BODY_CHARS)
}

/** Reads and drops a 2xx body up to DRAIN_BYTES, then cancels it; never rejects. */
async function discardBody(response: Response): Promise<void> {
  const body = response.body
  if (body === null) return
  const reader = body.getReader()
  let bytes = 0
  try {
    while (bytes <= DRAIN_BYTES) {
      const step = await reader.read()
      if (step.done) return
      bytes += step.value.byteLength
    }
  } catch {
    // The delivery already counts as done; a body cut short or aborted by the attempt's timeout says nothing more.
    return
  }
  reader.cancel().catch(() => undefined)
}
