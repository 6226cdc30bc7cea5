import type { NextFunction, Request, Response } from 'express'
import { parseCookie, stringifySetCookie } from 'cookie'
import type { ApiKeyRecord } from '@aims-monitor/store'
import type { SessionStore } from './session-store.js'

/** The dashboard's session cookie (docs/dashboard-api.md). */
export const SESSION_COOKIE = 'aims_session'

/** What the session cookie of a request turned out to be (absent when the request had none). */
export type SessionAuth = { readonly state: 'valid'; readonly id: string; readonly key: ApiKeyRecord } | { readonly state: 'invalid' }

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by sessionAuthentication when the request carries the session cookie. */
      sessionAuth?: SessionAuth
    }
  }
}

/**
 * App-level middleware: resolves the `aims_session` cookie, when there is one, into the session's
 * key (or marks it invalid), for `requireScope` and the session routes. Requests without a Cookie
 * header (every ingest request) pass through untouched.
 */
export function sessionAuthentication(sessions: SessionStore) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.cookie
    if (header === undefined) return next()
    const id = parseCookie(header)[SESSION_COOKIE]
    if (id === undefined) return next()
    const key = sessions.resolve(id)
    req.sessionAuth = key ? { state: 'valid', id, key } : { state: 'invalid' }
    next()
  }
}

/**
 * Whether the browser reached us over HTTPS: the socket is TLS, or, only when `trustProxy` is set
 * (AIMS_TRUST_PROXY), a reverse proxy in front says so with `X-Forwarded-Proto: https`. Without
 * that setting the header is ignored, since any client can send it.
 */
export function requestIsHttps(req: Request, trustProxy: boolean): boolean {
  if (req.secure) return true
  if (!trustProxy) return false
  const forwarded = req.headers['x-forwarded-proto']
  // A chain of proxies appends: the first value is what the client used.
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase()
  return first === 'https'
}

/**
 * The Set-Cookie value that opens (`id`) or clears (undefined) the session: HttpOnly (scripts
 * cannot read it), SameSite=Strict (never sent on cross-site requests), Path=/, Secure over HTTPS.
 * No Max-Age when opening: the server decides when a session ends (12 hours idle).
 */
export function sessionSetCookie(id: string | undefined, secure: boolean): string {
  return stringifySetCookie({
    name: SESSION_COOKIE,
    value: id ?? '',
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure,
    ...(id === undefined ? { maxAge: 0, expires: new Date(0) } : {}),
  })
}
