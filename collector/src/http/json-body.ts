import express, { type NextFunction, type Request, type Response } from 'express'
import { HttpError } from './http-error.js'

/**
 * The body of a JSON POST route, at most `limit`. A body in any other content type is 415 naming
 * application/json before the route runs: express.json() alone leaves such a body unread and the
 * route would see `req.body` undefined, which for POST /v1/controls/evaluate means "every active
 * control" (a text/plain body naming one control evaluated them all). A request without a body
 * goes through with `req.body` undefined, as before.
 */
export function jsonBody(limit: string) {
  const parse = express.json({ limit })
  return (req: Request, res: Response, next: NextFunction) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (hasBody && type !== 'application/json') {
      return next(new HttpError(415, 'unsupported_media_type', `Content-Type ${type ? `"${type}"` : '(none)'} is not accepted here; send the body as "application/json"`))
    }
    parse(req, res, (error?: unknown) => {
      if (error !== undefined) return next(error)
      const at = loneSurrogateAt(req.body, 'body')
      // An escape such as "\ud800" alone parses, but no UTF-8 text can hold it: the store would fail
      // on it with a 500 (a key named so), or keep U+FFFD instead of what was sent.
      if (at !== undefined) return next(new HttpError(400, 'invalid_body', `${at}: the text holds half of a UTF-16 surrogate pair (an escape such as \\ud800 alone); send the character itself`))
      next()
    })
  }
}

/** The path of the first string (or key) in a parsed JSON body holding a lone surrogate. */
function loneSurrogateAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : path
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogateAt(value[i], `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  for (const [key, item] of Object.entries(value)) {
    if (!key.isWellFormed()) return `${path} (a key)`
    const found = loneSurrogateAt(item, `${path}.${key}`)
    if (found !== undefined) return found
  }
  return undefined
}
