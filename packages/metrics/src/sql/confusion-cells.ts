import type { GroupConfusion } from './confusion-by-group.js'
import type { ResultRow } from './rows.js'

/** The counts of a {@link GroupConfusion} while rows are added up. */
export interface ConfusionCells {
  tp: number
  fp: number
  tn: number
  fn: number
  predictions: number
  labelled: number
}

export function emptyCells(): ConfusionCells {
  return { tp: 0, fp: 0, tn: 0, fn: 0, predictions: 0, labelled: 0 }
}

/** Adds `n` predictions with these flags: every one to `predictions`, a labelled one also to its cell. */
export function addCells(cells: ConfusionCells, n: number, predicted: boolean, actual: boolean, matched: boolean): void {
  cells.predictions += n
  if (!matched) return
  cells.labelled += n
  cells[predicted ? (actual ? 'tp' : 'fp') : actual ? 'fn' : 'tn'] += n
}

/** The cells with coverage = labelled / predictions (0, not NaN, for no prediction). */
export function withCoverage(cells: ConfusionCells): GroupConfusion {
  return { ...cells, coverage: cells.predictions === 0 ? 0 : cells.labelled / cells.predictions }
}

/** A 0/1 cell (UInt8 or Bool as JSON). @throws {TypeError} naming the column otherwise. */
export function flagCell(row: ResultRow, key: string, where: string): boolean {
  const value = row[key]
  if (value === true || value === 1 || value === '1') return true
  if (value === false || value === 0 || value === '0') return false
  throw new TypeError(`${where}: column ${key} is not 0/1 (${JSON.stringify(value)})`)
}
