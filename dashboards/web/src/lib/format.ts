// Formatting shared by the pages: numbers, percentages, durations and times, never "NaN" or "undefined".

export const DASH = '—'

export function formatCount(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : DASH
}

export function formatPercent(n: number | null | undefined, digits = 1): string {
  return typeof n === 'number' && Number.isFinite(n) ? `${(n * 100).toFixed(digits)} %` : DASH
}

/** A metric value: small p-values in scientific notation, others with 4 significant digits. */
export function formatValue(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return DASH
  if (n !== 0 && Math.abs(n) < 1e-3) return n.toExponential(2)
  return Number(n.toPrecision(4)).toString()
}

export function formatMs(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? `${Number(n.toPrecision(3))} ms` : DASH
}

const pad = (n: number) => String(n).padStart(2, '0')

/** Local time as `YYYY-MM-DD HH:MM` (the ISO value goes in a title attribute where it matters). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return DASH
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function formatWindow(window: { from: string; to: string } | null | undefined): string {
  return window ? `${formatTime(window.from)} → ${formatTime(window.to)}` : DASH
}

/** A duration in ms as the policy would write it (15m, 1h, 7d). */
export function formatDuration(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return DASH
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']]
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  return `${ms} ms`
}

/** For `<input type="datetime-local">`: local time without seconds. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A length of time in words, rounded: "18 hours", "30 minutes", "2 days". */
export function formatSpan(ms: number): string {
  const units: [number, string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']]
  for (const [size, unit] of units) {
    if (ms >= size) {
      const n = Math.round((ms / size) * 10) / 10
      return `${n} ${unit}${n === 1 ? '' : 's'}`
    }
  }
  return `${ms} ms`
}
