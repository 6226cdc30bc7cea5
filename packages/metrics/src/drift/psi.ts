import { pairwiseSum } from '../shared/pairwiseSum.js'
import { assertNonEmptyArray, assertNonNegative, assertSameLength } from '../shared/validate.js'
import { alignCategoryCounts, type CategoryCounts } from './categoryCounts.js'

// Population Stability Index with Evidently's conventions (evidently/legacy/calculations/stattests/
// psi.py, `_psi`, and utils.py, `get_binned_data` with feel_zeroes=True):
//   proportions = count / total per side;
//   a zero proportion is replaced, separately on each side, by min(non-zero proportions) / 1e6 when
//   that minimum is <= 0.0001, else by 0.0001 (so it is not simply 0.0001 everywhere);
//   PSI = sum over bins of (ref - cur) * ln(ref / cur).
// Bins empty on both sides are kept, as Evidently keeps them: each side's fill value is used, so such
// a bin adds (fill_ref - fill_cur) ln(fill_ref / fill_cur), which is 0 unless the fills differ.

/** Evidently's replacement for empty bins on one side (see file comment). */
export function evidentlyZeroFill(proportions: ArrayLike<number>): number {
  let minNonZero = Infinity
  for (let i = 0; i < proportions.length; i++) {
    const p = proportions[i] as number
    if (p !== 0 && p < minNonZero) minNonZero = p
  }
  return minNonZero <= 0.0001 ? minNonZero / 10 ** 6 : 0.0001
}

function toFilledProportions(counts: ArrayLike<number>, name: string): Float64Array {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i] as number
  if (!(total > 0)) throw new RangeError(`${name} must have a positive total (no data: the PSI is undefined)`)
  const proportions = Float64Array.from(counts, (c) => c / total)
  const fill = evidentlyZeroFill(proportions)
  for (let i = 0; i < proportions.length; i++) if (proportions[i] === 0) proportions[i] = fill
  return proportions
}

export interface PsiBin {
  /** Bin index, or category name for {@link psiBreakdown} on keyed counts. */
  key: string
  referenceProportion: number
  currentProportion: number
  /** (ref - cur) ln(ref / cur) after the zero fill: this bin's share of the PSI (always >= 0). */
  contribution: number
}

export interface PsiBreakdown {
  value: number
  bins: PsiBin[]
}

function breakdown(keys: string[], reference: ArrayLike<number>, current: ArrayLike<number>): PsiBreakdown {
  const ref = toFilledProportions(reference, 'reference')
  const cur = toFilledProportions(current, 'current')
  const bins: PsiBin[] = []
  const contributions = new Float64Array(ref.length)
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number
    const c = cur[i] as number
    const contribution = (r - c) * Math.log(r / c)
    contributions[i] = contribution
    bins.push({ key: keys[i] as string, referenceProportion: r, currentProportion: c, contribution })
  }
  // Evidently sums with np.sum (pairwise), so do we.
  return { value: pairwiseSum(contributions), bins }
}

/**
 * PSI over aligned bin counts (or proportions) of the reference and the current data, e.g. from
 * {@link binCounts} on shared edges. Evidently's zero fill; both arrays must have the same length.
 *
 * @example
 * psiFromBins([50, 30, 20], [40, 30, 30]) // 0.0629…
 */
export function psiFromBins(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): number {
  return psiBinsBreakdown(referenceCounts, currentCounts).value
}

/** {@link psiFromBins} with each bin's proportions and contribution (to explain an alert). */
export function psiBinsBreakdown(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): PsiBreakdown {
  assertNonEmptyArray(referenceCounts, 'referenceCounts')
  assertNonEmptyArray(currentCounts, 'currentCounts')
  assertNonNegative(referenceCounts, 'referenceCounts')
  assertNonNegative(currentCounts, 'currentCounts')
  assertSameLength(referenceCounts, 'referenceCounts', currentCounts, 'currentCounts')
  const keys = Array.from({ length: referenceCounts.length }, (_, i) => String(i))
  return breakdown(keys, referenceCounts, currentCounts)
}

/**
 * PSI over category counts (or proportions) keyed by category name, with Evidently's conventions.
 *
 * Conventions: the categories are the union of both sides' keys; a category missing on one side
 * (unseen in the reference, or gone from the current data) counts 0 there and gets Evidently's zero
 * fill, so it contributes a large but finite amount; each side must have a positive total. Missing
 * values (NaN) are not a category unless the caller adds one (Evidently drops them).
 *
 * @example
 * psi({ a: 50, b: 30, c: 20 }, { a: 40, b: 30, c: 30 }) // 0.0629…
 */
export function psi(reference: CategoryCounts, current: CategoryCounts): number {
  return psiBreakdown(reference, current).value
}

/** {@link psi} with each category's proportions and contribution. */
export function psiBreakdown(reference: CategoryCounts, current: CategoryCounts): PsiBreakdown {
  const aligned = alignCategoryCounts(reference, current)
  return breakdown(aligned.keys, aligned.reference, aligned.current)
}
