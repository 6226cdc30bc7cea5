import { createHash } from 'node:crypto'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Maps a wire id (any string up to 128 characters) to the UUID the store keys it by.
 *
 * A canonical UUID is kept as it is (lower-cased); any other string is mapped deterministically to a
 * version-8 UUID built from SHA-256 of the id, so that a prediction and its outcome, sent separately
 * and perhaps from different processes, land on the same key. UUID keys are 16 bytes and join 3-6×
 * faster than String keys (docs/storage-layout.md).
 *
 * @example toEventUuid('order-17:score') // → '5d0c…-8…' (always the same for the same input)
 */
export function toEventUuid(id: string): string {
  if (id.length === 36 && UUID_PATTERN.test(id)) return id.toLowerCase()
  const digest = createHash('sha256').update('aims-monitor/event-id/v1\0').update(id).digest()
  digest[6] = (digest[6]! & 0x0f) | 0x80 // version 8: custom, name-based
  digest[8] = (digest[8]! & 0x3f) | 0x80 // RFC 9562 variant
  const hex = digest.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** True when `id` is a canonical UUID string (any version). */
export function isUuid(id: string): boolean {
  return id.length === 36 && UUID_PATTERN.test(id)
}
