import { pairwiseSum } from '../shared/pairwiseSum.js'
import { assertNonEmptyArray, assertNonNegative } from '../shared/validate.js'
import { powerDivergence, resolveLambda, type PowerDivergenceLambda } from './chiSquare.js'

// Chi-square test of independence for a two-way contingency table, as scipy.stats.chi2_contingency
// (scipy/stats/contingency.py): expected = outer(row sums, column sums) / total; dof = (R-1)(C-1);
// dof 0 gives statistic 0 and p 1; with dof 1 and correction (the default) Yates' continuity
// correction moves each observed count towards its expected count by min(0.5, |expected - observed|)
// (the cap is scipy's fix for gh-13875); then power_divergence with ddof = size - 1 - dof.

export interface ContingencyOptions {
  /** Yates' correction when dof = 1 (default true, as scipy). */
  correction?: boolean
  /** Statistic of the power-divergence family (default Pearson). */
  lambda?: PowerDivergenceLambda
}

export interface ContingencyResult {
  statistic: number
  pValue: number
  dof: number
  /** Expected frequencies under independence, same shape as the table. */
  expected: number[][]
}

/**
 * Chi-square test of independence, as scipy.stats.chi2_contingency(table).
 *
 * Conventions: the table is rectangular with counts >= 0; a zero row or column total makes an expected
 * frequency 0 and is a RangeError (scipy raises too); a 1xC or Rx1 table has dof 0: statistic 0, p 1.
 *
 * @example
 * chiSquareContingency([[10, 10, 20], [20, 20, 20]])
 * // { statistic: 2.7777777777777777, pValue: 0.2493522087772962, dof: 2, expected: [[12, 12, 16], [18, 18, 24]] }
 */
export function chiSquareContingency(table: ArrayLike<ArrayLike<number>>, options: ContingencyOptions = {}): ContingencyResult {
  assertNonEmptyArray(table, 'table')
  const rows = table.length
  const first = table[0]
  assertNonEmptyArray(first, 'table[0]')
  const cols = first.length
  for (let r = 0; r < rows; r++) {
    const row = table[r]
    assertNonEmptyArray(row, `table[${r}]`)
    if (row.length !== cols) throw new RangeError(`table must be rectangular: table[${r}] has ${row.length} columns, table[0] has ${cols}`)
    assertNonNegative(row, `table[${r}]`)
  }
  const lambda = resolveLambda(options.lambda)
  const correction = options.correction ?? true

  const flat = new Float64Array(rows * cols)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) flat[r * cols + c] = (table[r] as ArrayLike<number>)[c] as number
  const rowSums = Array.from({ length: rows }, (_, r) => pairwiseSum(flat, r * cols, cols))
  const colSums = Array.from({ length: cols }, (_, c) => {
    const column = new Float64Array(rows)
    for (let r = 0; r < rows; r++) column[r] = flat[r * cols + c] as number
    return pairwiseSum(column)
  })
  const total = pairwiseSum(flat)
  const expectedFlat = new Float64Array(rows * cols)
  const expected: number[][] = []
  for (let r = 0; r < rows; r++) {
    const row: number[] = []
    for (let c = 0; c < cols; c++) {
      const e = ((rowSums[r] as number) * (colSums[c] as number)) / total
      if (!(e > 0)) {
        throw new RangeError(`the expected frequency at [${r}, ${c}] is 0 (an empty row or column): the test is undefined`)
      }
      expectedFlat[r * cols + c] = e
      row.push(e)
    }
    expected.push(row)
  }
  const dof = rows * cols - (rows + cols) + 1
  if (dof === 0) return { statistic: 0, pValue: 1, dof, expected }

  let observed: Float64Array = flat
  if (dof === 1 && correction) {
    observed = new Float64Array(flat.length)
    for (let i = 0; i < flat.length; i++) {
      const diff = (expectedFlat[i] as number) - (flat[i] as number)
      observed[i] = (flat[i] as number) + Math.min(0.5, Math.abs(diff)) * Math.sign(diff)
    }
  }
  const { statistic, pValue } = powerDivergence(observed, expectedFlat, dof, lambda)
  return { statistic, pValue, dof, expected }
}
