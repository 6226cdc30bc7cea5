// An outcome shown with colour AND words AND a symbol: readable without colour vision.
import type { Outcome } from '../api/types.js'

export const OUTCOME_LABEL: Record<Outcome | 'none', string> = {
  pass: 'Pass',
  warn: 'Warn',
  breach: 'Breach',
  insufficient_data: 'Insufficient data',
  error: 'Error',
  none: 'Not evaluated',
}

const SYMBOL: Record<Outcome | 'none', string> = { pass: '✓', warn: '!', breach: '✕', insufficient_data: '?', error: '⚠', none: '–' }

/** The colours of outcomes, shared with the charts. */
export const OUTCOME_COLOR: Record<Outcome | 'none', string> = {
  pass: '#1a7f37',
  warn: '#b7791f',
  breach: '#c62828',
  insufficient_data: '#6b7280',
  error: '#7b1fa2',
  none: '#9ca3af',
}

/** Worst first: the order the status board sorts in. */
export const OUTCOME_ORDER: (Outcome | 'none')[] = ['breach', 'error', 'warn', 'insufficient_data', 'none', 'pass']

export function StatusBadge({ outcome }: { outcome: Outcome | null | undefined }) {
  const key = outcome ?? 'none'
  return (
    <span class={`badge badge-${key}`} data-outcome={key}>
      <span aria-hidden="true">{SYMBOL[key]}</span> {OUTCOME_LABEL[key] ?? key}
    </span>
  )
}

export function SeverityTag({ severity }: { severity: string }) {
  return <span class={`severity severity-${severity}`}>{severity}</span>
}
