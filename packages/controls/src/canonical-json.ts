import { createHash } from 'node:crypto'

/**
 * JSON with object keys sorted and no whitespace, so that the same parsed value always gives the
 * same bytes, whatever the key order or formatting of the file it came from. For the values a
 * policy holds (strings, finite numbers, booleans, lists, mappings) this is RFC 8785 (JCS):
 * ECMAScript number formatting and keys in UTF-16 code-unit order. Undefined members are left out,
 * as JSON.stringify does.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, 'x'] }) // '{"a":[true,"x"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`)
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/** Hex SHA-256 of bytes or of a string's UTF-8 bytes (what `sha256sum` prints for a file). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
