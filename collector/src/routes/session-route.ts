import { Router, type Request } from 'express'
import { z } from 'zod'
import type { ApiKeyRecord, ApiKeyRepository } from '@aims-monitor/store'
import { CSRF_HEADER } from '../auth/authenticate.js'
import { requestIsHttps, sessionSetCookie } from '../auth/session-cookie.js'
import type { SessionStore } from '../auth/session-store.js'
import { HttpError } from '../http/http-error.js'
import { jsonBody } from '../http/json-body.js'
import { parseOr400 } from './governance-request.js'

const signInSchema = z.strictObject({
  apiKey: z.string().trim().min(1, 'expected the API key').max(512),
})

/**
 * The dashboard's sign-in (docs/dashboard-api.md): `POST /v1/session { apiKey }` checks the key
 * (read scope) and sets the `aims_session` cookie; `GET` tells who is signed in; `DELETE` signs
 * out. The key itself never goes into the cookie: the cookie holds a random session id.
 */
export function sessionRoute(deps: { keys: ApiKeyRepository; sessions: SessionStore; trustProxy: boolean }): Router {
  const router = Router()
  const secure = (req: Request) => requestIsHttps(req, deps.trustProxy)
  router.post('/v1/session', jsonBody('16kb'), (req, res) => {
    const { apiKey } = parseOr400(signInSchema, req.body ?? {}, 'invalid_session_request')
    const key = deps.keys.authenticate(apiKey)
    if (!key) throw new HttpError(401, 'invalid_key', 'this API key is unknown or revoked: check it, or ask an admin for a key with the read scope (aims keys create --scopes read)')
    if (!key.scopes.includes('read')) {
      throw new HttpError(403, 'forbidden', `this API key lacks the "read" scope the dashboard needs (it has: ${key.scopes.join(', ') || 'none'})`)
    }
    // A sign-in replaces the session the browser had, if any.
    if (req.sessionAuth?.state === 'valid') deps.sessions.delete(req.sessionAuth.id)
    const id = deps.sessions.create(key)
    res.set('Set-Cookie', sessionSetCookie(id, secure(req)))
    res.set('Cache-Control', 'no-store')
    res.json(view(key))
  })
  router.get('/v1/session', (req, res) => {
    if (req.sessionAuth?.state !== 'valid') throw new HttpError(401, 'no_session', 'not signed in (or the session has ended): POST /v1/session { apiKey }')
    res.set('Cache-Control', 'no-store')
    res.json(view(req.sessionAuth.key))
  })
  router.delete('/v1/session', (req, res) => {
    if (req.sessionAuth?.state === 'valid') {
      if (req.headers[CSRF_HEADER] !== '1') {
        throw new HttpError(403, 'csrf_header_missing', 'signing out with the session cookie needs the header "X-AIMS-CSRF: 1" (the dashboard sends it; cross-site forms cannot)')
      }
      deps.sessions.delete(req.sessionAuth.id)
    }
    // Cleared in any case, so a stale cookie goes away too.
    res.set('Set-Cookie', sessionSetCookie(undefined, secure(req)))
    res.status(204).end()
  })
  return router
}

function view(key: ApiKeyRecord) {
  return { project: key.project, keyName: key.name, scopes: key.scopes }
}
