import { RESOURCE_FALLBACK_ATTRIBUTES } from '@aims-monitor/schema'
import type { OtlpAnyValue } from './otlp-model.js'

/**
 * The attributes a log record reads from its resource when it lacks them itself (model id, version,
 * environment: RESOURCE_FALLBACK_ATTRIBUTES), as the two protobuf readers (protobuf-fast-events.ts,
 * protobuf-row-transcoder.ts) take them from a decoded resource.
 */
export interface ResourceFallback {
  /** Each fallback attribute the resource has, by key; a value that is not a string makes the record fall back to the general path when it needs it. */
  readonly values: ReadonlyMap<string, OtlpAnyValue>
}

export const NO_FALLBACK: ResourceFallback = { values: new Map() }

const FALLBACK_KEYS: ReadonlySet<string> = new Set(RESOURCE_FALLBACK_ATTRIBUTES)

/** The resource's fallback attributes, empty values left out and the last of a repeated key kept, as the mapping does. */
export function resourceFallback(attributes: readonly { key: string; value: OtlpAnyValue }[]): ResourceFallback {
  const values = new Map<string, OtlpAnyValue>()
  for (const { key, value } of attributes) {
    if (value.kind === 'empty') continue
    if (FALLBACK_KEYS.has(key)) values.set(key, value)
  }
  return values.size === 0 ? NO_FALLBACK : { values }
}

/** The string a fallback key has on the resource; undefined when absent, null when it is not a string. */
export function fallbackString(fallback: ResourceFallback, key: string): string | undefined | null {
  const value = fallback.values.get(key)
  if (value === undefined) return undefined
  return value.kind === 'string' ? value.value : null
}
