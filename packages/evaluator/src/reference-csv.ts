import { createReadStream } from 'node:fs'
import path from 'node:path'
import { CsvError, parse, type Options } from 'csv-parse'
import { ReferenceImportError } from './reference-errors.js'

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

/**
 * Reads the header and peeks at the first record; stops reading there.
 *
 * @throws {ReferenceImportError} `bad_file`, with the line, when those records are not CSV (a quote
 *   left open runs to the end of the file).
 */
export async function readCsvHead(file: string, sourceName = path.basename(file)): Promise<CsvHead> {
  let records: string[][]
  try {
    records = await firstRecords(file, false)
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    let cause: CsvError = error
    // A quote inside an unquoted field (a"b) is text to the engine (and to pandas) in every row
    // after the header, so it is here too. Only that: a quoted field with text after its closing
    // quote ("g"h) stays refused here, with its line, as the engine refuses it without one.
    if (error.code === 'INVALID_OPENING_QUOTE' && (error as CsvError & { lines: number }).lines > 1) {
      try {
        return headOf(await firstRecords(file, true))
      } catch (relaxed) {
        if (!(relaxed instanceof CsvError)) throw relaxed
        cause = relaxed
      }
    }
    throw new ReferenceImportError('bad_file', `${sourceName} cannot be read as CSV at line ${(cause as CsvError & { lines: number }).lines}: ${cause.message}`, { cause })
  }
  return headOf(records)
}

/** The header and, when there is one, the first record. */
async function firstRecords(file: string, relaxQuotes: boolean): Promise<string[][]> {
  const records: string[][] = []
  for await (const record of csvRecords<string[]>(file, { bom: true, relax_column_count: true, relax_quotes: relaxQuotes, skip_empty_lines: true, to: 2 })) {
    records.push(record)
    if (records.length === 2) break
  }
  return records
}

function headOf(records: readonly string[][]): CsvHead {
  return { columns: records[0] ?? [], hasRows: records.length > 1 }
}

/**
 * Lines (1-based, the line a record ends on) of the first `limit` records whose column at an index
 * holds one of the given values: where refused values are, for the error message. Reads the file
 * to its end at worst; only called on the error path.
 */
export async function findCsvLines(file: string, values: ReadonlyMap<number, ReadonlySet<string>>, limit: number): Promise<number[]> {
  const lines: number[] = []
  try {
    // relax_quotes: a quote inside an unquoted field (a"b) is text, as the engine that loaded the rows read it.
    for await (const { record, info } of csvRecords<{ record: string[]; info: { lines: number } }>(file, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, from_line: 2, info: true })) {
      let hit = false
      for (const [index, wanted] of values) if (wanted.has(record[index] ?? '')) hit = true
      if (hit) lines.push(info.lines)
      if (lines.length >= limit) break
    }
  } catch (error) {
    // Text the engine accepted and this parser does not (a quote left open at the end): the lines
    // found up to there are still right, and the caller's refusal of the values is the error to report.
    if (!(error instanceof CsvError)) throw error
  }
  return lines
}

/**
 * The line (1-based) data record `row` (1-based, the header not counted) starts on, reading as the
 * engine does: a quoted field may span lines, and a blank line is a record. Undefined when the
 * file has fewer records or this parser cannot read that far. Only called on the error path.
 */
export async function csvRecordStartLine(file: string, row: number): Promise<number | undefined> {
  let record = -1 // the header is record 0
  let previousEnd = 0
  try {
    for await (const { info } of csvRecords<{ info: { lines: number } }>(file, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true })) {
      record++
      if (record === row) return previousEnd + 1
      previousEnd = info.lines
    }
  } catch (error) {
    // The engine's own row number is then the best place there is: the caller falls back to it.
    if (!(error instanceof CsvError)) throw error
  }
  return undefined
}

/** Quote characters (") in a chunk of a file: counted while the file is hashed, for {@link refuseOpenQuote}. */
export function countQuotes(chunk: Uint8Array): number {
  let quotes = 0
  for (let at = chunk.indexOf(0x22); at >= 0; at = chunk.indexOf(0x22, at + 1)) quotes++
  return quotes
}

/**
 * Refuses a CSV file whose last quoted field is never closed. The engine reads an open quote to the
 * end of the file, so such a file would import with its last field swallowing the rest; only the
 * first two records are parsed here otherwise (readCsvHead). A closed file has an even number of
 * quote characters (`quotes`, counted by {@link countQuotes} in the pass that hashes the file),
 * unless a quote stands inside an unquoted field (a"b, text to the engine and to this parser
 * alike): an odd count is therefore followed by a full parse, which decides.
 *
 * @throws {ReferenceImportError} `bad_file`, naming the line where the open quote starts.
 */
export async function refuseOpenQuote(file: string, quotes: number, sourceName = path.basename(file)): Promise<void> {
  if (quotes % 2 === 0) return
  try {
    for await (const _record of csvRecords(file, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true })) {
      // Read to the end: only the end tells whether a quote is left open.
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error
    throw new ReferenceImportError('bad_file', `${sourceName} cannot be read as CSV: ${error.message}`, { cause: error })
  }
}

/**
 * The records of a CSV file as csv-parse gives them with these options; the file and the parser
 * are closed however the caller's loop ends (its end, a break, a parse error).
 */
async function* csvRecords<T = string[]>(file: string, options: Options): AsyncGenerator<T> {
  const input = createReadStream(file)
  const parser = input.pipe(parse(options))
  try {
    yield* parser as AsyncIterable<T>
  } finally {
    input.destroy()
    parser.destroy()
  }
}
