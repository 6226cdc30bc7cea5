import type { FeatureValue } from '@aims-monitor/schema'

/**
 * Sets a feature or attribute on the map the OTLP mapping builds, as an own enumerable property.
 *
 * Why not `map[name] = value`: `__proto__` is a valid name (NAME_PATTERN allows it, and /v1/events
 * stores it, since JSON.parse makes it an own property), but assigning it on a plain object sets the
 * object's prototype instead: the field was silently lost (and a string value silently ignored).
 * Only that name is defined; the rest are assigned, which keeps the map's fast shape.
 */
export function setField(map: Record<string, FeatureValue>, name: string, value: FeatureValue): void {
  if (name === '__proto__') Object.defineProperty(map, name, { value, enumerable: true, writable: true, configurable: true })
  else map[name] = value
}
