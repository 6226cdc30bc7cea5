// The four-fifths rule: "A selection rate for any race, sex, or ethnic group which is less than
// four-fifths (4/5) (or eighty percent) of the rate for the group with the highest rate will generally be
// regarded ... as evidence of adverse impact" (Uniform Guidelines on Employee Selection Procedures,
// 29 CFR 1607.4(D)). The rule presumes that being selected is the favourable outcome: choose
// positiveLabel accordingly, or read the result as a disparity check only.

import type { ConfusionCounts } from '../performance/confusion.js'
import type { Candidate } from './disparity.js'
import { ratioInterval } from './mover.js'
import type { FourFifths, FourFifthsGroup } from './types.js'

const THRESHOLD = 0.8 as const

/**
 * The four-fifths check over the groups whose selection rate can be compared (`candidates`, from
 * {@link comparable}). `passes` is decided on integer counts — x_g · n_ref · 5 ≥ 4 · n_g · x_ref — so a
 * ratio of exactly 4/5 passes whatever the floating-point rounding of the ratio.
 *
 * @example
 * fourFifths(candidates, counts).passes // => false when some group is selected < 80 % as often
 */
export function fourFifths(candidates: readonly Candidate[], counts: Record<string, ConfusionCounts>): FourFifths {
  const base = { threshold: THRESHOLD, byGroup: {} as Record<string, FourFifthsGroup>, failingGroups: [] as string[] }
  if (candidates.length < 2) {
    return {
      ...base,
      ratio: null,
      passes: null,
      referenceGroup: candidates[0]?.group ?? null,
      reason: `fewer than two groups with enough data to compare selection rates (${candidates.length})`,
    }
  }
  let reference = candidates[0] as Candidate
  for (const c of candidates) if (c.value > reference.value) reference = c
  if (reference.value === 0) {
    return {
      ...base,
      ratio: null,
      passes: null,
      referenceGroup: reference.group,
      reason: 'no group has any positive prediction: every selection rate is 0 and the ratios are 0/0',
    }
  }
  const ref = selection(counts, reference.group)
  let lowest = 1
  for (const c of candidates) {
    const own = selection(counts, c.group)
    const ratio = c.value / reference.value
    const passes = own.selected * ref.rows * 5 >= 4 * own.rows * ref.selected
    base.byGroup[c.group] = {
      selectionRate: c.value,
      ratio: c.group === reference.group ? 1 : ratio,
      passes,
      interval: c.group === reference.group ? null : ratioInterval(c, reference),
    }
    if (!passes) base.failingGroups.push(c.group)
    if (ratio < lowest) lowest = ratio
  }
  return { ...base, ratio: lowest, passes: base.failingGroups.length === 0, referenceGroup: reference.group }
}

function selection(counts: Record<string, ConfusionCounts>, group: string): { selected: number; rows: number } {
  const c = counts[group] as ConfusionCounts
  return { selected: c.tp + c.fp, rows: c.tp + c.fp + c.tn + c.fn }
}
