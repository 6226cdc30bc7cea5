import { Router } from 'express'
import { z } from 'zod'
import { API_KEY_SCOPES, type ApiKeyRecord, type ApiKeyRepository } from '@aims-monitor/store'
import { requireScope } from '../auth/authenticate.js'
import { HttpError } from '../http/http-error.js'
import { jsonBody } from '../http/json-body.js'
import type { AuditRecorder } from '../audit-recorder.js'

const createKeySchema = z.strictObject({
  name: z.string().min(1).max(200),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, 'give at least one scope'),
  /** Another project: only for admins of the instance project (see canManage). */
  project: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/).optional(),
})

/** The project whose admin keys administer the whole instance (AIMS_INIT_API_KEY's project). */
export const INSTANCE_PROJECT = 'default'

/** An admin key manages its own project's keys; an admin key of the instance project manages all. */
function canManage(key: ApiKeyRecord, project: string): boolean {
  return key.project === project || key.project === INSTANCE_PROJECT
}

/**
 * Key management over HTTP (admin scope), so `aims keys` works while a collector owns the data
 * directory. The secret of a new key is in the creation response only.
 */
export function keysRoute(deps: { keys: ApiKeyRepository; audit: AuditRecorder }): Router {
  const router = Router()
  const admin = requireScope(deps.keys, 'admin')
  router.get('/v1/keys', admin, (req, res) => {
    const all = req.query.all === 'true'
    const visible = deps.keys.list(all ? undefined : req.project).filter((k) => canManage(req.apiKey!, k.project))
    res.json({ keys: visible })
  })
  router.post('/v1/keys', admin, jsonBody('16kb'), async (req, res) => {
    const parsed = createKeySchema.safeParse(req.body)
    if (!parsed.success) {
      throw new HttpError(400, 'invalid_key_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '))
    }
    const project = parsed.data.project ?? req.project!
    if (!canManage(req.apiKey!, project)) throw new HttpError(403, 'forbidden', `an admin key of project "${req.project}" cannot create keys for project "${project}"`)
    const created = await deps.keys.create({ project, name: parsed.data.name, scopes: parsed.data.scopes })
    await deps.audit(req, 'api_key.created', created.record.id, { name: created.record.name, project: created.record.project, scopes: created.record.scopes })
    res.status(201).json({ key: created.key, record: created.record })
  })
  router.delete('/v1/keys/:id', admin, async (req, res) => {
    const id = String(req.params.id)
    const target = deps.keys.list().find((k) => k.id === id)
    if (target && !canManage(req.apiKey!, target.project)) throw new HttpError(403, 'forbidden', `key ${id} belongs to project "${target.project}", not "${req.project}"`)
    const revoked = target ? await deps.keys.revoke(id) : undefined
    if (!revoked) throw new HttpError(404, 'key_not_found', `no API key with id ${id}`)
    await deps.audit(req, 'api_key.revoked', id, { name: revoked.name, project: revoked.project })
    res.json({ record: revoked })
  })
  return router
}
