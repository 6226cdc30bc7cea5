// The time range every page reads, kept in the URL: `range=1h|24h|7d|30d` (relative to when the
// page loads) or `from=<ISO>&to=<ISO>` for a fixed period (a link to it shows the same data later).

export const PRESETS = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const

export type PresetId = (typeof PRESETS)[number]['id']

export interface TimeRange {
  /** A preset id, or 'custom' for a fixed period. */
  kind: PresetId | 'custom'
  from: string
  to: string
}

export const DEFAULT_PRESET: PresetId = '24h'

/** The range a URL names, resolved against `now`; invalid or missing values fall back to the last 24 hours. */
export function rangeFromQuery(query: URLSearchParams, now = Date.now()): TimeRange {
  const from = Date.parse(query.get('from') ?? '')
  const to = Date.parse(query.get('to') ?? '')
  if (Number.isFinite(from) && Number.isFinite(to) && from < to) {
    return { kind: 'custom', from: new Date(from).toISOString(), to: new Date(to).toISOString() }
  }
  const preset = PRESETS.find((p) => p.id === query.get('range')) ?? PRESETS.find((p) => p.id === DEFAULT_PRESET)!
  // Rounded up to the minute: repeated renders within a minute ask the server the same question.
  const end = Math.ceil(now / 60_000) * 60_000
  return { kind: preset.id, from: new Date(end - preset.ms).toISOString(), to: new Date(end).toISOString() }
}

/** Query parameters naming a range. */
export function rangeParams(range: TimeRange): Record<string, string | undefined> {
  return range.kind === 'custom'
    ? { range: undefined, from: range.from, to: range.to }
    : { range: range.kind === DEFAULT_PRESET ? undefined : range.kind, from: undefined, to: undefined }
}
