import { createHmac } from 'node:crypto'
import { LIMITS } from '@aims-monitor/schema'
import type { FieldMap, FieldValue } from './types.js'

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/

/**
 * Applies the wire format's limits on the client, at export time (never on the model call): names
 * that the collector would refuse and values it cannot take (empty strings, NaN, objects) are left
 * out, long strings cut to 256 characters, maps cut to their count limit; each is counted, so
 * nothing is lost silently. Named fields are replaced by a salted hash.
 */
export class FieldSanitizer {
  truncated = 0
  private readonly hashed: Set<string>

  constructor(
    hashFields: readonly string[],
    private readonly hashSalt: string | undefined,
  ) {
    this.hashed = new Set(hashFields)
  }

  /** Writes `prefix + name → value` for each usable field of `map` into `out`. */
  copy(map: FieldMap | undefined, max: number, keys: AttributeKeys, out: Record<string, FieldValue>): void {
    if (!map) return
    let taken = 0
    for (const name in map) {
      const raw = map[name]
      if (raw === undefined || raw === null) continue // missing: the documented way to say so
      if (taken === max || !this.nameAllowed(name)) {
        this.truncated++
        continue
      }
      const value = this.isHashed(name) ? this.hash(raw) : this.value(raw)
      if (value === undefined) continue
      out[keys.of(name)] = value
      taken++
    }
  }

  /** Whether the collector takes `name` as a feature or attribute name. */
  nameAllowed(name: string): boolean {
    return name.length <= LIMITS.maxNameLength && NAME_PATTERN.test(name)
  }

  /** Whether `name`'s values are replaced by their salted hash. */
  isHashed(name: string): boolean {
    return this.hashed.has(name)
  }

  /** A value the wire format takes, cut to its limit, or undefined (counted) when it takes none. */
  value(raw: unknown): FieldValue | undefined {
    switch (typeof raw) {
      case 'number':
        if (Number.isFinite(raw)) return raw
        break
      case 'boolean':
        return raw
      case 'string':
        if (raw.length === 0) break
        if (raw.length > LIMITS.maxStringValueLength) {
          this.truncated++
          return raw.slice(0, LIMITS.maxStringValueLength)
        }
        return raw
    }
    this.truncated++
    return undefined
  }

  /** Cuts a free-text field (error messages) to `max` characters, counting the cut. */
  text(raw: string, max: number): string {
    // Strings by construction (call-error.ts); a check that costs nothing at export, in case.
    if (typeof raw !== 'string') raw = String(raw)
    if (raw.length <= max) return raw
    this.truncated++
    return raw.slice(0, max)
  }

  /** The salted hash of a value the wire format takes (undefined, counted, otherwise). */
  hash(raw: unknown): string | undefined {
    if (this.value(raw) === undefined) return undefined
    return createHmac('sha256', this.hashSalt!).update(String(raw)).digest('hex').slice(0, 16)
  }
}

/** Whether the wire format takes `raw` as a value (a finite number, a boolean, a non-empty string; long strings are cut), without counting. */
export function isUsableValue(raw: unknown): boolean {
  switch (typeof raw) {
    case 'number':
      return Number.isFinite(raw)
    case 'boolean':
      return true
    case 'string':
      return raw.length > 0
    default:
      return false
  }
}

/** `aims.feature.` + name, built once per name. */
export class AttributeKeys {
  private readonly cache = new Map<string, string>()
  constructor(private readonly prefix: string) {}

  of(name: string): string {
    let key = this.cache.get(name)
    if (key === undefined) {
      key = this.prefix + name
      if (this.cache.size < 10_000) this.cache.set(name, key)
    }
    return key
  }
}
