import type { NextFunction, Request, Response } from 'express'
import getRawBody from 'raw-body'
import { HttpError } from './http-error.js'

/** The Content-Encodings ingest takes: what body-parser inflated before (less zstd, which Node 20's zlib lacks). */
export const CONTENT_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const
export type ContentEncoding = (typeof CONTENT_ENCODINGS)[number]

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** How the body rawBody read is compressed: the ingest workers decompress it (decompress-body.ts). */
      bodyEncoding?: ContentEncoding
    }
  }
}

/**
 * Reads the request body as bytes, still compressed, for the accepted media types only (anything
 * else is 415 before a byte is read), with `limitBytes` applied to the bytes as sent. The ingest
 * workers decompress it (decompress-body.ts), with the same limit on the decompressed size, so a
 * small compressed bomb is refused too.
 *
 * Why not body-parser's inflate: measured at 100k SDK records per second (BENCHMARKS.md, `pnpm
 * bench sdk`), the inflated body's buffers — ~3 MB per SDK request, in 16 KB pieces and then one
 * copy — counted against the main thread's heap limit as external memory and set off a full
 * mark-compact of its ~37 MB heap every few requests: a quarter of the collector's CPU. Inflated in
 * a worker, they are that worker's (a 10 MB heap), and the main thread holds only the compressed bytes.
 */
export function rawBody(acceptedTypes: readonly string[], limitBytes: number) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (!acceptedTypes.includes(type)) {
      return next(
        new HttpError(415, 'unsupported_media_type', `Content-Type ${type ? `"${type}"` : '(none)'} is not accepted here; send ${acceptedTypes.map((t) => `"${t}"`).join(' or ')}`),
      )
    }
    // An empty (or blank) header is an empty list of codings: the body as is (RFC 9110 §8.4, and what body-parser did).
    const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase() || 'identity'
    if (!(CONTENT_ENCODINGS as readonly string[]).includes(encoding)) {
      return next(new HttpError(415, 'unsupported_encoding', `Content-Encoding "${encoding}" is not accepted; send gzip, deflate, br or identity (or no Content-Encoding)`))
    }
    getRawBody(req, { length: req.headers['content-length'], limit: limitBytes }, (error, body) => {
      if (error) return next(translateBodyError(error, limitBytes))
      req.body = body
      req.bodyEncoding = encoding as ContentEncoding
      next()
    })
  }
}

/** raw-body's errors carry a `type`; map them by it, never by message text. */
function translateBodyError(error: unknown, limitBytes: number): HttpError {
  const e = error as { type?: string; status?: number; message?: string }
  switch (e.type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', `the body is over the limit of ${limitBytes} bytes; send smaller batches`, { cause: error })
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'the client closed the request before the body was complete', { cause: error })
    case 'request.size.invalid':
      return new HttpError(400, 'body_length_mismatch', 'the body is not as long as Content-Length says', { cause: error })
    default:
      return new HttpError(e.status ?? 500, 'body_read_failed', e.message ?? 'could not read the request body', { cause: error })
  }
}
