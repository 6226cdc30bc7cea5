import type { ControlOutcome, ThresholdDirection } from '@aims-monitor/controls'

export interface Thresholds {
  readonly direction: ThresholdDirection
  readonly warn?: number | undefined
  readonly breach: number
}

/**
 * pass, warn or breach for a value against thresholds. A value is beyond a threshold when it is
 * strictly past it (above: value > threshold; below: value < threshold), so a four-fifths control
 * with breach 0.8 passes a ratio of exactly 0.8, as 29 CFR 1607.4(D) reads ("less than four-fifths"),
 * and a p-value control with breach 0.05 breaches at p < 0.05, as scipy users read a test.
 *
 * @example
 * judge(0.27, { direction: 'above', warn: 0.1, breach: 0.2 }) // 'breach'
 */
export function judge(value: number, thresholds: Thresholds): Exclude<ControlOutcome, 'insufficient_data' | 'error'> {
  if (Number.isNaN(value)) throw new RangeError('judge: the value is NaN')
  const beyond = (threshold: number) => (thresholds.direction === 'above' ? value > threshold : value < threshold)
  if (beyond(thresholds.breach)) return 'breach'
  if (thresholds.warn !== undefined && beyond(thresholds.warn)) return 'warn'
  return 'pass'
}

/** The sentence an evaluation record gives for its outcome. */
export function judgementReason(value: number, thresholds: Thresholds, outcome: ControlOutcome): string {
  const op = thresholds.direction === 'above' ? '>' : '<'
  const notOp = thresholds.direction === 'above' ? '≤' : '≥'
  if (outcome === 'breach') return `value ${format(value)} ${op} breach threshold ${format(thresholds.breach)}`
  if (outcome === 'warn') return `value ${format(value)} ${op} warn threshold ${format(thresholds.warn!)} (breach at ${op} ${format(thresholds.breach)})`
  const bound = thresholds.warn ?? thresholds.breach
  return `value ${format(value)} ${notOp} ${thresholds.warn !== undefined ? 'warn' : 'breach'} threshold ${format(bound)}`
}

/** Worst first: the order a control with several features or groups takes its outcome from. */
export const OUTCOME_SEVERITY: Record<ControlOutcome, number> = { error: 4, breach: 3, warn: 2, insufficient_data: 1, pass: 0 }

function format(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4).replace(/\.?0+$/, '')
}
