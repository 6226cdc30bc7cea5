import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { HttpError } from '../http/http-error.js'
import { decompressBody } from './decompress-body.js'

const text = Buffer.from('{"events":[]}'.repeat(1000))
const compress = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync } as const

function refusal(run: () => unknown): HttpError {
  try {
    run()
  } catch (error) {
    if (error instanceof HttpError) return error
    throw error
  }
  throw new Error('expected an HttpError')
}

describe('decompressBody', () => {
  it('returns an identity body as it came, without copying it', () => {
    expect(decompressBody(text, { contentEncoding: 'identity', maxBytes: 1 })).toBe(text)
  })

  for (const encoding of ['gzip', 'deflate', 'br'] as const) {
    it(`inflates ${encoding} up to the limit exactly, and refuses one byte more with 413`, () => {
      const sent = compress[encoding](text)
      expect(Buffer.from(decompressBody(sent, { contentEncoding: encoding, maxBytes: text.length }))).toEqual(text)
      const tooLarge = refusal(() => decompressBody(sent, { contentEncoding: encoding, maxBytes: text.length - 1 }))
      expect(tooLarge.status).toBe(413)
      expect(tooLarge.code).toBe('payload_too_large')
      expect(tooLarge.message).toBe(`the body is over the limit of ${text.length - 1} bytes (after decompression); send smaller batches`)
    })

    it(`refuses bytes that are not ${encoding} with 400, naming the encoding`, () => {
      const notCompressed = refusal(() => decompressBody(Buffer.from('plainly not compressed'), { contentEncoding: encoding, maxBytes: 1 << 20 }))
      expect(notCompressed.status).toBe(400)
      expect(notCompressed.code).toBe('bad_body')
      expect(notCompressed.message).toMatch(new RegExp(`^the body could not be read \\(is it really ${encoding}\\?\\): .+`))
    })
  }

  it('stops a gzip bomb at the limit: 1 GiB of zeros in ~1 MB is refused without inflating it', () => {
    // 64 members of 16 MiB of zeros each: gunzip reads them all, as concatenated gzip members.
    const member = gzipSync(Buffer.alloc(16 << 20))
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member))
    const before = process.memoryUsage().rss
    const tooLarge = refusal(() => decompressBody(bomb, { contentEncoding: 'gzip', maxBytes: 8 << 20 }))
    expect(tooLarge.status).toBe(413)
    // Far below the 1 GiB the bomb holds: zlib stopped at the limit.
    expect(process.memoryUsage().rss - before).toBeLessThan(256 << 20)
  })

  it('reads concatenated gzip members whole, as HTTP clients may send them', () => {
    const sent = Buffer.concat([gzipSync(text.subarray(0, 100)), gzipSync(text.subarray(100))])
    expect(Buffer.from(decompressBody(sent, { contentEncoding: 'gzip', maxBytes: 1 << 20 }))).toEqual(text)
  })
})
