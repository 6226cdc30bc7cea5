import type { Request } from 'express'
import type { AuditLog } from '@aims-monitor/store'
import type { Logger } from './logger.js'

/** Records an administrative action done through a request: in the hash-chained audit log, and in the log. */
export type AuditRecorder = (req: Request, action: string, target: string, details?: Record<string, unknown>) => Promise<void>

/**
 * The actor is the API key (its name and id) behind the request. The entry is awaited before the
 * response goes out: an action whose audit entry could not be written answers 500 (and is logged),
 * so nothing reports success without its evidence.
 */
export function auditRecorder(audit: AuditLog, logger: Logger): AuditRecorder {
  return async (req, action, target, details = {}) => {
    const key = req.apiKey
    const actor = key ? `${key.name} (key ${key.id})` : 'anonymous'
    logger.info({ audit: action, actor, target, ...details }, action)
    await audit.append({ project: req.project ?? key?.project ?? 'default', actor, action, target, details })
  }
}
