import { chiSquareSurvival } from '../shared/chiSquareSurvival.js'
import { pairwiseSum } from '../shared/pairwiseSum.js'
import { assertInteger, assertNonEmptyArray, assertNonNegative, assertSameLength } from '../shared/validate.js'

// Pearson's chi-square goodness-of-fit test and its Cressie-Read power-divergence family, as
// scipy.stats.chisquare / scipy.stats.power_divergence (scipy/stats/_stats_py.py, `_power_divergence`):
// expected frequencies default to the mean of the observed ones (uniform); when given, their total
// must agree with the observed total to a relative tolerance of sqrt(machine epsilon), as scipy
// requires (it does not rescale them, neither do we); dof = k - 1 - ddof; p = chi2.sf(statistic, dof).

/** Cressie-Read lambda, by value or by scipy's names. */
export type PowerDivergenceLambda =
  | number
  | 'pearson'
  | 'log-likelihood'
  | 'freeman-tukey'
  | 'mod-log-likelihood'
  | 'neyman'
  | 'cressie-read'

const LAMBDA_NAMES: Record<Exclude<PowerDivergenceLambda, number>, number> = {
  pearson: 1,
  'log-likelihood': 0,
  'freeman-tukey': -0.5,
  'mod-log-likelihood': -1,
  neyman: -2,
  'cressie-read': 2 / 3,
}

export interface ChiSquareOptions {
  /** Delta degrees of freedom: the p-value uses k - 1 - ddof degrees of freedom (default 0). */
  ddof?: number
  /** Statistic of the power-divergence family (default 'pearson', i.e. chisquare). */
  lambda?: PowerDivergenceLambda
}

export interface ChiSquareResult {
  statistic: number
  pValue: number
  dof: number
}

const SUM_RTOL = Math.sqrt(Number.EPSILON) // scipy: finfo(float64).eps ** 0.5

/** x * log(y), with 0 when x is 0 (scipy.special.xlogy). */
function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y)
}

function resolveLambda(lambda: PowerDivergenceLambda | undefined): number {
  if (lambda === undefined) return 1
  if (typeof lambda === 'number') {
    if (!Number.isFinite(lambda)) throw new RangeError(`lambda must be finite, got ${lambda}`)
    return lambda
  }
  const value = LAMBDA_NAMES[lambda]
  if (value === undefined) throw new RangeError(`lambda must be a number or one of ${Object.keys(LAMBDA_NAMES).join(', ')}`)
  return value
}

/**
 * Chi-square (power-divergence) goodness-of-fit test, as scipy.stats.chisquare(observed, expected).
 *
 * Conventions: counts must be finite and >= 0 with a positive total; `expected` defaults to uniform;
 * a total of `expected` that differs from the observed total by more than sqrt(eps) relative is a
 * RangeError (scipy's rule: rescale your expected frequencies explicitly); an expected frequency of 0
 * is a RangeError (the statistic is undefined: for an unseen category use {@link chiSquareDrift},
 * which reports it explicitly); dof = k - 1 - ddof must be >= 1. A statistic that is +Infinity (a
 * negative lambda with an observed zero) gives p = 0.
 *
 * @example
 * chiSquareTest([16, 18, 16, 14, 12, 12]) // { statistic: 2, pValue: 0.849145036084609…, dof: 5 }
 */
export function chiSquareTest(
  observed: ArrayLike<number>,
  expected?: ArrayLike<number> | null,
  options: ChiSquareOptions = {},
): ChiSquareResult {
  assertNonEmptyArray(observed, 'observed')
  assertNonNegative(observed, 'observed')
  const ddof = options.ddof ?? 0
  assertInteger(ddof, 'ddof', -Number.MAX_SAFE_INTEGER)
  const lambda = resolveLambda(options.lambda)
  const k = observed.length
  const obsSum = pairwiseSum(observed)
  if (!(obsSum > 0)) throw new RangeError('observed must contain at least one positive count')

  let exp: ArrayLike<number>
  if (expected === undefined || expected === null) {
    exp = new Float64Array(k).fill(obsSum / k)
  } else {
    assertNonEmptyArray(expected, 'expected')
    assertNonNegative(expected, 'expected')
    assertSameLength(observed, 'observed', expected, 'expected')
    const expSum = pairwiseSum(expected)
    const relativeDiff = Math.abs(obsSum - expSum) / Math.min(obsSum, expSum)
    if (!(relativeDiff <= SUM_RTOL)) {
      throw new RangeError(
        `the sum of expected (${expSum}) must agree with the sum of observed (${obsSum}) to a relative tolerance of ${SUM_RTOL} (relative difference ${relativeDiff})`,
      )
    }
    exp = expected
  }
  return powerDivergence(observed, exp, k - 1 - ddof, lambda)
}

/**
 * The power-divergence statistic and its chi-square p-value for aligned observed/expected
 * frequencies (already validated). Shared with the contingency test.
 */
export function powerDivergence(
  observed: ArrayLike<number>,
  expected: ArrayLike<number>,
  dof: number,
  lambda: number,
): ChiSquareResult {
  if (!(dof >= 1)) throw new RangeError(`degrees of freedom must be >= 1, got ${dof} (too few categories for this ddof)`)
  const terms = new Float64Array(observed.length)
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i] as number
    const e = expected[i] as number
    if (e === 0) {
      throw new RangeError(`expected[${i}] is 0: the chi-square statistic is undefined for a category with no expected count`)
    }
    let term: number
    if (lambda === 1) term = (o - e) ** 2 / e
    else if (lambda === 0) term = 2.0 * xlogy(o, o / e)
    else if (lambda === -1) term = 2.0 * xlogy(e, e / o)
    else term = (o * ((o / e) ** lambda - 1)) / (0.5 * lambda * (lambda + 1))
    terms[i] = term
  }
  const statistic = pairwiseSum(terms)
  if (Number.isNaN(statistic)) throw new RangeError('the power-divergence statistic is undefined for these frequencies')
  return { statistic, pValue: chiSquareSurvival(statistic, dof), dof }
}

/** Resolves a lambda name or value (exported for the contingency test). */
export { resolveLambda }
