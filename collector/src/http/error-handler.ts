import type { NextFunction, Request, Response } from 'express'
import type { Logger } from '../logger.js'
import { HttpError } from './http-error.js'

/** The one place errors become responses: `{ error: { code, message, details? } }`. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const httpError =
      error instanceof HttpError
        ? error
        : (fromBodyParserError(error) ?? fromPathDecodeError(error) ?? new HttpError(500, 'internal_error', 'internal error; see the collector log', { cause: error }))
    if (httpError.status >= 500) logger.error({ err: error, method: req.method, path: req.path }, 'request failed')
    if (res.headersSent) return
    res.status(httpError.status).set(httpError.headers)
    res.json({ error: { code: httpError.code, message: httpError.message, ...(httpError.details !== undefined ? { details: httpError.details } : {}) } })
  }
}

/**
 * express.json() errors (malformed JSON, body too large) are the client's: body-parser marks them
 * with a `type` and a 4xx `status`. Told apart by those fields, never by message text.
 */
function fromBodyParserError(error: unknown): HttpError | undefined {
  const e = error as { type?: unknown; status?: unknown; message?: unknown } | null
  if (typeof e?.type !== 'string' || typeof e.status !== 'number' || e.status < 400 || e.status > 499) return undefined
  const code = e.type === 'entity.parse.failed' ? 'malformed_json' : e.type === 'entity.too.large' ? 'payload_too_large' : 'bad_body'
  return new HttpError(e.status, code, `the body could not be read: ${String(e.message)}`, { cause: error })
}

/**
 * The router decodes each path parameter with decodeURIComponent; a malformed percent-encoding
 * (`/v1/alerts/%ZZ`) throws a URIError it marks with status 400. The client's error, so 400 too.
 */
function fromPathDecodeError(error: unknown): HttpError | undefined {
  if (!(error instanceof URIError) || (error as { status?: unknown }).status !== 400) return undefined
  return new HttpError(400, 'malformed_path', 'the path has a malformed percent-encoding (each % must start a valid UTF-8 escape such as %2F)', { cause: error })
}

/** Routes with no handler answer JSON too, naming what exists. */
export function notFoundHandler(req: Request, _res: Response, next: NextFunction) {
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}; see docs/api.md`))
}
