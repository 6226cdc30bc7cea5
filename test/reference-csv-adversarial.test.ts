import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { attributeColumn, featureColumn, openStore, PredictionTables, queryRows, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { ReferenceImportError } from '../packages/evaluator/src/reference-errors.js'
import { importReferenceDataset } from '../packages/evaluator/src/reference-import.js'
import { readReferenceDatasets } from '../packages/evaluator/src/reference-registry.js'
import type { ReferenceDataset } from '../packages/evaluator/src/reference-dataset.js'

// Adversarial CSV reference files, imported in-process into one embedded store (chDB: one data
// directory per process). The model declares x as a number and g as an attribute. Each file must
// import exactly, or be refused with a ReferenceImportError naming the line (and column where the
// value is at fault), leaving no table and no registry row behind.

const root = mkdtempSync(path.join(os.tmpdir(), 'aims-reference-adversarial-'))
let store: Store
let serial = 0

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(root, 'store') }))
  await new PredictionTables(store).ensure('default', 'm', [featureColumn('x', 'num'), attributeColumn('g')])
})

afterAll(async () => {
  await store?.close()
  rmSync(root, { recursive: true, force: true })
})

function writeCsv(content: string | Buffer): string {
  const file = path.join(root, `case-${++serial}.csv`)
  writeFileSync(file, content)
  return file
}

async function referenceTables(): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(store, {
    query: "SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, 'reference__')",
    params: { db: store.config.database },
  })
  return rows.map((r) => r.name).sort()
}

/** Imports the file and returns its rows as [x, g] pairs. */
async function imported(content: string | Buffer): Promise<{ dataset: ReferenceDataset; rows: [number, string][] }> {
  const dataset = await importReferenceDataset(store, { project: 'default', modelId: 'm', file: writeCsv(content), id: `ok-${serial}`, createdBy: 't' })
  const rows = await queryRows<Record<string, unknown>>(store, { query: `SELECT \`f:x:num\` AS x, \`a:g\` AS g FROM ${store.table(dataset.rowsTable)}` })
  return { dataset, rows: rows.map((r) => [Number(r.x), String(r.g)] as [number, string]).sort((a, b) => a[0] - b[0]) }
}

/** Imports the file expecting a refusal; checks nothing of it was left behind. */
async function refused(content: string | Buffer): Promise<ReferenceImportError> {
  const before = await referenceTables()
  const id = `refused-${serial + 1}`
  const error = await importReferenceDataset(store, { project: 'default', modelId: 'm', file: writeCsv(content), id, createdBy: 't' }).then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(ReferenceImportError)
  expect(await referenceTables()).toEqual(before)
  expect(await readReferenceDatasets(store, { project: 'default', modelId: 'm', id })).toEqual([])
  return error as ReferenceImportError
}

describe('CSV that must import exactly', () => {
  it('reads a UTF-8 BOM and CRLF line ends', async () => {
    const { rows, dataset } = await imported('\uFEFFx,g\r\n1,a\r\n2,b\r\n')
    expect(rows).toEqual([[1, 'a'], [2, 'b']])
    expect(dataset.rowCount).toBe(2)
  })

  it('keeps quoted fields with commas, doubled quotes and line breaks as written', async () => {
    const { rows } = await imported('x,g\n1,"a, ""quoted""\nline two"\n2,"b\r\nc"\n3,""\n')
    expect(rows).toEqual([[1, 'a, "quoted"\nline two'], [2, 'b\r\nc'], [3, '']])
  })

  it('imports a 100,000-character field whole, quoted or not', async () => {
    const long = 'z'.repeat(100_000)
    const { rows } = await imported(`x,g\n1,${long}\n2,"${long}"\n`)
    expect(rows.map(([, g]) => g.length)).toEqual([100_000, 100_000])
    expect(rows.every(([, g]) => g === long)).toBe(true)
  })

  it('ignores an unnamed column and a duplicated column it does not use, and says so', async () => {
    const { rows, dataset } = await imported('x,,g,h,h\n1,p,a,q,r\n')
    expect(rows).toEqual([[1, 'a']])
    expect(dataset.profile.ignoredColumns).toEqual(['(column 2)', 'h', 'h'])
  })

  it('reads a quote inside an unquoted field as text in the first row as in any other', async () => {
    expect((await imported('x,g\n1,a"b\n2,c"d\n')).rows).toEqual([[1, 'a"b'], [2, 'c"d']])
  })

  it('reads a last row without a line end and skips blank lines at the end', async () => {
    expect((await imported('x,g\n1,a\n2,b')).rows).toEqual([[1, 'a'], [2, 'b']])
    expect((await imported('x,g\n1,a\n\n\n')).rows).toEqual([[1, 'a']])
  })
})

describe('CSV that must be refused, naming the place, leaving nothing behind', () => {
  it('refuses an empty file, a BOM alone and a header without rows', async () => {
    for (const content of ['', '\uFEFF']) expect(await refused(content)).toMatchObject({ code: 'empty_file', message: expect.stringMatching(/is empty$/) })
    for (const content of ['x,g\n', '\uFEFFx,g\r\n']) expect(await refused(content)).toMatchObject({ code: 'empty_file', message: expect.stringMatching(/has a header but no rows$/) })
  })

  it('refuses a used column named twice in the header', async () => {
    expect(await refused('x,g,x\n1,a,2\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/column "x" appears 2 times in the header/) })
  })

  it('refuses a declared column whose header has spaces around its name, instead of leaving it out', async () => {
    // "x, g" names " g": the attribute g would have been imported as nothing (its column only "ignored").
    expect(await refused('x, g\n1,a\n')).toMatchObject({ code: 'missing_column', message: `column 2 of case-${serial}.csv is named " g", with spaces around the attribute "g": remove them from the header` })
    expect(await refused('x\t,g\n1,a\n')).toMatchObject({ code: 'missing_column', message: expect.stringMatching(/is named "x\\t", with spaces around the feature "x"/) })
  })

  it('refuses a row with too many or too few fields on its line', async () => {
    expect(await refused('x,g\n1,a\n2,b,extra\n3,c\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/cannot be read as CSV at line 3 \(data row 2\)/) })
    expect(await refused('x,g\n1,a\n2\n3,c\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/at line 3 \(data row 2\)/) })
    expect(await refused('x,g\n1,a\n\n2,b\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/at line 3 \(data row 2\)/) })
  })

  it('names the line of the bad row after a quoted field spanning lines, not the row number plus one', async () => {
    expect(await refused('x,g\n1,"a\nb\nc"\n2,b,extra\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/at line 5 \(data row 2\)/) })
    expect(await refused('x,g\n1,"a\nb\nc"\n2\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/at line 5 \(data row 2\)/) })
  })

  it.each([
    ['abc', 'abc'], ['NaN', 'NaN'], ['inf', 'inf'], ['-inf', '-inf'], ['1e400', '1e400'], ['0x10', '0x10'],
  ])('refuses %s in the numeric column x on its line', async (value, shown) => {
    const error = await refused(`x,g\n1,a\n2,b\n${value},c\n`)
    expect(error.code).toBe('bad_values')
    expect(error.message).toBe(`case-${serial}.csv: column "x": 1 value is not finite numbers, e.g. ${JSON.stringify(shown)} (on line 4)`)
  })

  it('finds the line of a bad value after a multi-line field and despite a stray quote elsewhere', async () => {
    expect((await refused('x,g\n1,"a\nb"\nabc,c\n')).message).toMatch(/e\.g\. "abc" \(on line 4\)$/)
    expect((await refused('x,g\n1,a\n2,a"b\nabc,c\n')).message).toMatch(/e\.g\. "abc" \(on line 4\)$/)
  })

  it('refuses a 100,000-digit number with a short message', async () => {
    const error = await refused(`x,g\n${'9'.repeat(100_000)},a\n`)
    expect(error.code).toBe('bad_values')
    expect(error.message).toMatch(/e\.g\. "9{57}\.\.\." \(on line 2\)$/)
    expect(error.message.length).toBeLessThan(200)
  })

  it('refuses broken quoting in the first rows as bad_file with its line, not a raw parser error', async () => {
    expect(await refused('x,g\n1,"abc\n2,b\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/cannot be read as CSV at line 3: Quote Not Closed/) })
    expect(await refused('x,"g"h\n1,a\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/at line 1: Invalid Closing Quote/) })
    expect(await refused('x,g"h\n1,a\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/at line 1: Invalid Opening Quote/) })
    expect(await refused('x,g\n1,"a"b\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/at line 2: Invalid Closing Quote/) })
  })

  it('refuses a quote left open at the end of the file, which the engine would read to the end', async () => {
    expect(await refused('x,g\n1,a\n2,b\n3,"c\n')).toMatchObject({ code: 'bad_file', message: expect.stringMatching(/cannot be read as CSV: Quote Not Closed: .* at line 4$/) })
  })

  it('leaves the earlier, accepted imports registered and readable', async () => {
    const registered = await readReferenceDatasets(store, { project: 'default', modelId: 'm' })
    expect(registered.length).toBeGreaterThan(0)
    expect(registered.every((d) => d.id.startsWith('ok-'))).toBe(true)
    expect(await referenceTables()).toEqual(registered.map((d) => d.rowsTable).sort())
  })
})
