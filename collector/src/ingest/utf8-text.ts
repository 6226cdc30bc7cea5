/**
 * A JSON body's text, or null when its bytes are not UTF-8 (RFC 8259 requires UTF-8). Fatal
 * decoding: Buffer#toString would put U+FFFD where a bad byte was, and the altered value would be
 * stored while the client heard "accepted". A leading BOM is dropped.
 */
export function utf8Text(body: Uint8Array): string | null {
  try {
    return utf8.decode(body)
  } catch (error) {
    // The decoder's TypeError says no more than that the bytes are not UTF-8: the callers say so in their own error.
    if (!(error instanceof TypeError)) throw error
    return null
  }
}

/** What the JSON routes answer for such a body. */
export const NOT_UTF8_MESSAGE = 'the body is not valid UTF-8 text (JSON must be UTF-8)'

const utf8 = new TextDecoder('utf-8', { fatal: true })
