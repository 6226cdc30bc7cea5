import type { ControlOutcome, ControlStatus } from './collector-api.js'

const ORDER: Record<ControlOutcome | 'not evaluated', number> = { breach: 0, warn: 1, error: 2, insufficient_data: 3, pass: 4, 'not evaluated': 5 }

/** A metric value as people read it: p-values in scientific notation, the rest with 3 significant digits. */
export function formatValue(value: number | null | undefined, metric: string): string {
  if (value === null || value === undefined) return '—'
  if (metric === 'ks' && value < 0.001) return value.toExponential(1)
  return Number(value.toPrecision(3)).toString()
}

/**
 * The control status board as lines: one header with the counts per outcome, then one line per
 * control, worst first, e.g.
 *   breach  credit.fairness.sex-impact-ratio  four_fifths 0.31  (credit-decisioning)
 */
export function summaryLines(controls: readonly ControlStatus[], elapsedSeconds: number, extra: string): string[] {
  const outcome = (c: ControlStatus) => c.latest?.outcome ?? 'not evaluated'
  const counts = new Map<string, number>()
  for (const c of controls) counts.set(outcome(c), (counts.get(outcome(c)) ?? 0) + 1)
  const sorted = [...controls].sort((a, b) => ORDER[outcome(a)] - ORDER[outcome(b)] || a.id.localeCompare(b.id))
  const width = Math.max(...controls.map((c) => c.id.length), 10)
  const header = `── ${elapsedSeconds} s ── controls: ${[...counts].sort((a, b) => ORDER[a[0] as ControlOutcome] - ORDER[b[0] as ControlOutcome]).map(([o, n]) => `${n} ${o.replace('_', ' ')}`).join(', ')} · ${extra}`
  return [
    header,
    ...sorted.map((c) => {
      const value = c.latest ? `${c.metric.name} ${formatValue(c.latest.value, c.metric.name)}` : ''
      const why = c.latest && c.latest.value === null && c.latest.reason ? ` (${c.latest.reason})` : ''
      const alerts = c.openAlerts.length ? ` · alert ${c.openAlerts[0]!.state}` : ''
      return `   ${outcome(c).replace('_', ' ').padEnd(17)} ${c.id.padEnd(width)}  ${value}${why}${alerts}`
    }),
  ]
}
