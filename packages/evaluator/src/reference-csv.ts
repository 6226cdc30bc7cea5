import { createReadStream } from 'node:fs'
import { parse } from 'csv-parse'

/**
 * The few things read from a CSV file in JavaScript: its header (the engine is given an all-String
 * structure built from it) and, only when values are refused, the lines they are on. The rows
 * themselves are parsed by ClickHouse. Parsing follows RFC 4180 as the engine is configured to
 * (double quotes only, no trimming, a UTF-8 BOM skipped).
 */

export interface CsvHead {
  /** Column names as written (an unnamed column is ''). */
  readonly columns: readonly string[]
  /** Whether at least one record follows the header. */
  readonly hasRows: boolean
}

/** Reads the header and peeks at the first record; stops reading there. */
export async function readCsvHead(file: string): Promise<CsvHead> {
  const input = createReadStream(file)
  const parser = input.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, to: 2 }))
  const records: string[][] = []
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      records.push(record)
      if (records.length === 2) break
    }
  } finally {
    input.destroy()
    parser.destroy()
  }
  return { columns: records[0] ?? [], hasRows: records.length > 1 }
}

/**
 * Lines (1-based, the line a record ends on) of the first `limit` records whose column at an index
 * holds one of the given values: where refused values are, for the error message. Reads the file
 * to its end at worst; only called on the error path.
 */
export async function findCsvLines(file: string, values: ReadonlyMap<number, ReadonlySet<string>>, limit: number): Promise<number[]> {
  const input = createReadStream(file)
  const parser = input.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, from_line: 2, info: true }))
  const lines: number[] = []
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      let hit = false
      for (const [index, wanted] of values) if (wanted.has(record[index] ?? '')) hit = true
      if (hit) lines.push(info.lines)
      if (lines.length >= limit) break
    }
  } finally {
    input.destroy()
    parser.destroy()
  }
  return lines
}
