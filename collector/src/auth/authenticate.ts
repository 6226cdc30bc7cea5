import type { NextFunction, Request, Response } from 'express'
import type { ApiKeyRecord, ApiKeyRepository, ApiKeyScope } from '@aims-monitor/store'
import { HttpError } from '../http/http-error.js'

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

/**
 * Express middleware: a valid, unrevoked key (`Authorization: Bearer <key>`) with `scope`, acting on
 * its own project. No or unknown key: 401. Known key without the scope, or naming another project
 * (`X-AIMS-Project` header or `project` query parameter): 403.
 */
export function requireScope(keys: ApiKeyRepository, scope: ApiKeyScope) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization
    if (!header) return next(new HttpError(401, 'unauthenticated', 'missing API key: send "Authorization: Bearer <key>"', { headers: { 'WWW-Authenticate': 'Bearer' } }))
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match) return next(new HttpError(401, 'unauthenticated', 'the Authorization header must be "Bearer <key>"', { headers: { 'WWW-Authenticate': 'Bearer' } }))
    const key = keys.authenticate(match[1]!)
    if (!key) return next(new HttpError(401, 'unauthenticated', 'invalid or revoked API key', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }))
    if (!key.scopes.includes(scope)) {
      return next(new HttpError(403, 'forbidden', `this API key lacks the "${scope}" scope (it has: ${key.scopes.join(', ') || 'none'})`))
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
