/**
 * A reference data set: a fixed sample (for instance the validation data a model was approved on)
 * that drift and data-quality controls compare production windows with. Imported once, never
 * changed; a new upload is a new id. Its rows live in their own table, with the column naming of a
 * predictions table (`f:<name>:num|str|bool`, `a:<name>`), so the same SQL builders read both.
 */
export interface ReferenceDataset {
  readonly project: string
  readonly modelId: string
  /** Chosen at import (default: derived from the file name and hash), unique per model. */
  readonly id: string
  /** SHA-256 of the imported file's bytes: what an auditor compares with `sha256sum`. */
  readonly sha256: string
  /** The file name it came from (lineage). */
  readonly sourceName: string
  readonly format: 'csv' | 'parquet'
  readonly rowCount: number
  /** Unqualified table name holding the rows (`store.table(rowsTable)`). */
  readonly rowsTable: string
  readonly profile: ReferenceProfile
  readonly createdAt: string
  readonly createdBy: string
}

/** What was computed at import, kept with the registry row as evidence of what the reference held. */
export interface ReferenceProfile {
  readonly rows: number
  /** By column name (`f:age:num`, `a:sex`). */
  readonly columns: Readonly<Record<string, NumericColumnProfile | CategoricalColumnProfile>>
  /** File columns that were not imported (not a declared feature or attribute), by name. */
  readonly ignoredColumns: readonly string[]
}

export interface NumericColumnProfile {
  readonly kind: 'num' | 'bool'
  readonly count: number
  readonly missing: number
  readonly min: number | null
  readonly max: number | null
  readonly mean: number | null
  /** Population standard deviation (ddof 0). */
  readonly std: number | null
  /** Deciles as bin edges, outer edges open (−∞, +∞), ties merged. */
  readonly binEdges: readonly (number | string)[]
  readonly binCounts: readonly number[]
}

export interface CategoricalColumnProfile {
  readonly kind: 'str'
  readonly count: number
  readonly missing: number
  /** Category → count (at most 10,000 categories; the rest summed in `other`). */
  readonly frequencies: Readonly<Record<string, number>>
  readonly other: number
}

/** The window that covers every row of a reference table (its rows carry the import time as `ts`). */
export const REFERENCE_ALL_TIME = { from: 0, to: Date.UTC(2299, 0, 1) } as const
