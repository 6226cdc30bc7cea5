import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { canonicalJson, sha256Hex } from './canonical-json.js'

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined members and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: true, y: null }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,1,{"y":null,"z":true}]},"b":1}')
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }))
  })

  it('formats numbers as ECMAScript does (RFC 8785) and refuses non-finite ones', () => {
    expect(canonicalJson([1e21, 0.1, -0, 250])).toBe('[1e+21,0.1,0,250]')
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(TypeError)
  })

  it('hashes UTF-8 bytes as sha256sum does', () => {
    expect(sha256Hex('é')).toBe(createHash('sha256').update(Buffer.from([0xc3, 0xa9])).digest('hex'))
  })
})
