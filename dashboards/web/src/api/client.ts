// The one way the dashboard talks to the collector: same-origin fetch with the session cookie,
// the CSRF header on state-changing requests, and every failure turned into an ApiError carrying
// the server's own message (so a page can always say what went wrong instead of going blank).

/** A failed request: `status` 0 when the collector could not be reached at all. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

type Listener = () => void
const unauthenticatedListeners = new Set<Listener>()

/** Called when any request but the sign-in itself answers 401: the session expired or was revoked. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener)
  return () => unauthenticatedListeners.delete(listener)
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE'
  body?: unknown
  signal?: AbortSignal
}

/**
 * Calls the collector and returns the parsed JSON body.
 *
 * @example
 * const overview = await api<Overview>(`/v1/dashboard/overview?from=${from}&to=${to}`)
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json' }
  // The collector refuses cookie-authenticated POST/DELETE without it; a cross-site form cannot set it.
  if (method !== 'GET') headers['x-aims-csrf'] = '1'
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin', signal: options.signal,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(0, 'network', `the collector could not be reached (${(error as Error).message})`)
  }
  const text = await res.text()
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = undefined // not JSON: a proxy's error page, say; reported below with the status
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
    const code = typeof error?.code === 'string' ? error.code : `http_${res.status}`
    const message = typeof error?.message === 'string' ? error.message : `the collector answered ${res.status} ${res.statusText}`.trim()
    if (res.status === 401 && path !== '/v1/session') unauthenticatedListeners.forEach((listener) => listener())
    throw new ApiError(res.status, code, message)
  }
  return body as T
}

/** `?a=1&b=2` from the defined entries (empty string when none). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value))
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}
