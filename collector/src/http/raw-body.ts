import express, { type NextFunction, type Request, type Response } from 'express'
import { HttpError } from './http-error.js'

/**
 * Reads the request body as bytes, inflating gzip and deflate, with `limitBytes` applied to the
 * inflated size (so a small compressed bomb is refused too), and only for the accepted media
 * types: anything else is 415 before a byte is read.
 */
export function rawBody(acceptedTypes: readonly string[], limitBytes: number) {
  const parse = express.raw({ type: () => true, limit: limitBytes, inflate: true })
  return (req: Request, res: Response, next: NextFunction) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (!acceptedTypes.includes(type)) {
      return next(
        new HttpError(415, 'unsupported_media_type', `Content-Type ${type ? `"${type}"` : '(none)'} is not accepted here; send ${acceptedTypes.map((t) => `"${t}"`).join(' or ')}`),
      )
    }
    parse(req, res, (error?: unknown) => {
      if (!error) {
        if (!Buffer.isBuffer(req.body)) req.body = Buffer.alloc(0)
        return next()
      }
      next(translateBodyError(error, limitBytes))
    })
  }
}

/** body-parser's errors carry a `type`; map them by it, never by message text. */
function translateBodyError(error: unknown, limitBytes: number): HttpError {
  const e = error as { type?: string; status?: number; message?: string }
  switch (e.type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', `the body is over the limit of ${limitBytes} bytes (after decompression); send smaller batches`, { cause: error })
    case 'encoding.unsupported':
      return new HttpError(415, 'unsupported_encoding', 'Content-Encoding must be gzip, deflate or identity', { cause: error })
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'the client closed the request before the body was complete', { cause: error })
    case 'request.size.invalid':
      return new HttpError(400, 'body_length_mismatch', 'the body is not as long as Content-Length says', { cause: error })
    default:
      if (e.status === 400) return new HttpError(400, 'bad_body', `the body could not be read (is it really gzip?): ${e.message ?? 'unknown error'}`, { cause: error })
      return new HttpError(e.status ?? 500, 'body_read_failed', e.message ?? 'could not read the request body', { cause: error })
  }
}
