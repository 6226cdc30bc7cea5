import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { HttpError } from '../http/http-error.js'
import type { ContentEncoding } from '../http/raw-body.js'

/** How a body arrived: its Content-Encoding, and the most bytes it may decompress to. */
export interface BodyEncoding {
  contentEncoding: ContentEncoding
  maxBytes: number
}

/**
 * A request body as its bytes, decompressed by its Content-Encoding in the calling thread (an
 * ingest worker: see raw-body.ts for why not the main thread), and at most `maxBytes` long once
 * decompressed. Throws an HttpError: 413 past the limit, 400 when the bytes are not what the
 * encoding says.
 */
export function decompressBody(body: Uint8Array, encoding: BodyEncoding): Uint8Array {
  const { contentEncoding, maxBytes } = encoding
  if (contentEncoding === 'identity') return body
  // maxOutputLength stops zlib as soon as the output would pass the limit: a bomb costs no more than the limit.
  const options = { maxOutputLength: Math.max(1, maxBytes) }
  try {
    if (contentEncoding === 'gzip') return gunzipSync(body, options)
    if (contentEncoding === 'deflate') return inflateSync(body, options)
    return brotliDecompressSync(body, options)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, 'payload_too_large', `the body is over the limit of ${maxBytes} bytes (after decompression); send smaller batches`, { cause: error })
    }
    throw new HttpError(400, 'bad_body', `the body could not be read (is it really ${contentEncoding}?): ${(error as Error).message}`, { cause: error })
  }
}
