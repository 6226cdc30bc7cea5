import type { NextFunction, Request, Response } from 'express'
import type { ApiKeyRecord, ApiKeyRepository, ApiKeyScope } from '@aims-monitor/store'
import { HttpError } from '../http/http-error.js'
// For its declaration of req.sessionAuth.
import type {} from './session-cookie.js'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The authenticated key, set by requireScope. */
      apiKey?: ApiKeyRecord
      /** The project the request acts on: the key's own. */
      project?: string
    }
  }
}

/** Methods that change nothing: a cookie-authenticated request with another method needs the CSRF header. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The header a cookie-authenticated state-changing request must carry (docs/dashboard-api.md). */
export const CSRF_HEADER = 'x-aims-csrf'

/**
 * Express middleware: a valid, unrevoked key with `scope`, acting on its own project. The key comes
 * from `Authorization: Bearer <key>`, or else from the dashboard's session cookie (resolved by
 * `sessionAuthentication`); the header wins when both are sent. No or unknown key, or an expired
 * session: 401. Known key without the scope, or naming another project (`X-AIMS-Project` header or
 * `project` query parameter): 403. A cookie-authenticated request that changes something (any
 * method but GET, HEAD, OPTIONS) without `X-AIMS-CSRF: 1`: 403, since a cross-site form can make
 * the browser send the cookie but cannot set a header.
 */
export function requireScope(keys: ApiKeyRepository, scope: ApiKeyScope) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization
    let key: ApiKeyRecord | undefined
    if (header !== undefined && header !== '') {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (!match) return next(new HttpError(401, 'unauthenticated', 'the Authorization header must be "Bearer <key>"', { headers: { 'WWW-Authenticate': 'Bearer' } }))
      key = keys.authenticate(match[1]!)
      if (!key) return next(new HttpError(401, 'unauthenticated', 'invalid or revoked API key', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }))
    } else if (req.sessionAuth?.state === 'valid') {
      if (!SAFE_METHODS.has(req.method) && req.headers[CSRF_HEADER] !== '1') {
        return next(new HttpError(403, 'csrf_header_missing', `a ${req.method} request signed in by the session cookie must carry the header "X-AIMS-CSRF: 1" (the dashboard sends it; cross-site forms cannot)`))
      }
      key = req.sessionAuth.key
    } else if (req.sessionAuth?.state === 'invalid') {
      return next(new HttpError(401, 'session_expired', 'the session has ended (signed out, idle for 12 hours, its key revoked, or the collector restarted): sign in again', { headers: { 'WWW-Authenticate': 'Bearer' } }))
    } else {
      return next(new HttpError(401, 'unauthenticated', 'missing API key: send "Authorization: Bearer <key>" (or sign in to the dashboard)', { headers: { 'WWW-Authenticate': 'Bearer' } }))
    }
    if (!key.scopes.includes(scope)) {
      return next(new HttpError(403, 'forbidden', `this API key lacks the "${scope}" scope (it has: ${key.scopes.join(', ') || 'none'})`))
    }
    const query = req.query.project
    // A repeated `?project=` is a list: refused rather than read as "no project named", which would
    // answer with the key's own project as if the other one had been granted.
    if (query !== undefined && typeof query !== 'string') {
      return next(new HttpError(400, 'invalid_query', 'project: give the project once (it must be the key\'s own)'))
    }
    const requested = headerProject(req)
    if (requested !== undefined && requested !== key.project) {
      return next(new HttpError(403, 'forbidden', `this API key belongs to project "${key.project}", not "${requested}"`))
    }
    req.apiKey = key
    req.project = key.project
    next()
  }
}

function headerProject(req: Request): string | undefined {
  const header = req.headers['x-aims-project']
  if (typeof header === 'string' && header !== '') return header
  const query = req.query.project
  return typeof query === 'string' && query !== '' ? query : undefined
}
