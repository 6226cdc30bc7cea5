import { DeliveryError } from './errors.js'
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
    // Drain so the keep-alive connection returns to the pool. The status already says delivered: a
    // body cut short changes nothing, so its error is deliberately not reported.
    await response.arrayBuffer().catch(() => undefined)
    return { status }
  }
  const detail = await readSnippet(response)
  const retryable = status === 408 || status === 429 || status >= 500
  const retryAfterMs = retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined
  const reason = status >= 300 && status < 400 ? `redirect to ${response.headers.get('location') ?? '?'} not followed` : detail
  throw new DeliveryError(`POST ${origin}: HTTP ${status}${reason ? `: ${reason}` : ''}`, {
    retryable, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
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

async function readSnippet(response: Response): Promise<string> {
  try {
    const text = await response.text()
    return text.replace(/\s+/g, ' ').trim().slice(0, ERROR_BODY_CHARS)
  } catch (error) {
    return `(body unreadable: ${error instanceof Error ? error.message : String(error)})`
  }
}
