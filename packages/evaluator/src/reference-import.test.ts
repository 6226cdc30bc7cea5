import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { numericSummaryFromRows, numericSummaryQuery, quantileEdges } from '@aims-monitor/metrics'
import { attributeColumn, featureColumn, openStore, PredictionTables, storeConfigFromEnv, tableTtl, type Store } from '@aims-monitor/store'
import { REFERENCE_ALL_TIME, type CategoricalColumnProfile, type NumericColumnProfile, type ReferenceDataset } from './reference-dataset.js'
import { ReferenceDatasets } from './reference-datasets.js'
import { ReferenceImportError } from './reference-errors.js'
import { importReferenceDataset, referenceRowsTableName } from './reference-import.js'
import { referenceBinEdges } from './reference-profile.js'
import { queryRows } from '@aims-monitor/store'

// One embedded store for the whole file: chDB holds one data directory per process.
const DATA = fileURLToPath(new URL('../../../data/', import.meta.url))
const BIKE_FEATURES = ['temp', 'atemp', 'hum', 'windspeed', 'hr', 'weekday', 'season']
const ADULT_COLUMNS = [
  'age', 'workclass', 'fnlwgt', 'education', 'education_num', 'marital_status', 'occupation', 'relationship',
  'race', 'sex', 'capital_gain', 'capital_loss', 'hours_per_week', 'native_country', 'output_label',
]

let dir: string
let store: Store
let references: ReferenceDatasets
let bikeHeader: string[]
let janRows: string[][]
let janFile: string
let febFile: string

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aims-reference-import-'))
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(dir, 'store') }))
  references = new ReferenceDatasets(store)
  // The file has CRLF line ends and blank lines among its rows (line 8481): keep the rows only.
  const lines = readFileSync(path.join(DATA, 'bike-sharing/hour.csv'), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '')
  bikeHeader = lines[0]!.split(',')
  const rows = lines.slice(1).map((l) => l.split(','))
  janRows = rows.filter((r) => r[1]!.startsWith('2011-01'))
  janFile = writeCsv('hour-2011-01.csv', bikeHeader, janRows)
  febFile = writeCsv('hour-2011-02.csv', bikeHeader, rows.filter((r) => r[1]!.startsWith('2011-02')))
})

afterAll(async () => {
  await store?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function writeCsv(name: string, header: readonly string[], rows: readonly (readonly string[])[]): string {
  const file = path.join(dir, name)
  writeFileSync(file, [header, ...rows].map((r) => r.join(',')).join('\n') + '\n')
  return file
}

function writeText(name: string, text: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, text)
  return file
}

function column(rows: readonly (readonly string[])[], header: readonly string[], name: string): string[] {
  const i = header.indexOf(name)
  return rows.map((r) => r[i]!)
}

/** Count, min, max, mean and population std computed here from the CSV text, not by the engine. */
function stats(values: readonly number[]) {
  const n = values.length
  const mean = values.reduce((s, v) => s + v, 0) / n
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n)
  return { count: n, min: Math.min(...values), max: Math.max(...values), mean, std }
}

function numeric(dataset: ReferenceDataset, name: string): NumericColumnProfile {
  const p = dataset.profile.columns[name]
  if (!p || p.kind === 'str') throw new Error(`${name} is not a numeric column of the profile`)
  return p
}

function categorical(dataset: ReferenceDataset, name: string): CategoricalColumnProfile {
  const p = dataset.profile.columns[name]
  if (!p || p.kind !== 'str') throw new Error(`${name} is not a categorical column of the profile`)
  return p
}

/** numpy.histogram's convention: [e(i), e(i+1)), the last bin closed. */
function countBins(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0)
  for (const v of values) {
    for (let i = 0; i < edges.length - 1; i++) {
      if (v >= edges[i]! && (v < edges[i + 1]! || (i === edges.length - 2 && v <= edges[i + 1]!))) {
        counts[i]!++
        break
      }
    }
  }
  return counts
}

async function referenceTables(): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(store, {
    query: "SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, 'reference__') ORDER BY name",
    params: { db: store.config.database },
  })
  return rows.map((r) => r.name)
}

async function rejection(promise: Promise<unknown>): Promise<ReferenceImportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ReferenceImportError)
  return error as ReferenceImportError
}

const base = { project: 'default', createdBy: 'tester' }

describe('importReferenceDataset: bike sharing, January 2011', () => {
  let jan: ReferenceDataset

  beforeAll(async () => {
    jan = await importReferenceDataset(store, { ...base, modelId: 'bikes', file: janFile, id: 'jan-2011', features: BIKE_FEATURES })
  })

  it('records the file: SHA-256, rows, source, table name, ignored columns', async () => {
    expect(jan.sha256).toBe(createHash('sha256').update(readFileSync(janFile)).digest('hex'))
    expect(jan).toMatchObject({ project: 'default', modelId: 'bikes', id: 'jan-2011', format: 'csv', sourceName: 'hour-2011-01.csv', createdBy: 'tester' })
    expect(jan.rowCount).toBe(janRows.length)
    expect(jan.profile.rows).toBe(janRows.length)
    expect(jan.rowsTable).toBe(referenceRowsTableName('default', 'bikes', 'jan-2011'))
    expect(jan.rowsTable).toMatch(/^reference__bikes_jan_2011__[0-9a-f]{12}$/)
    expect(jan.profile.ignoredColumns).toEqual(bikeHeader.filter((c) => !BIKE_FEATURES.includes(c)))
    expect(Object.keys(jan.profile.columns).sort()).toEqual(BIKE_FEATURES.map((f) => `f:${f}:num`).sort())
  })

  it('profiles every feature as computed independently from the CSV', () => {
    for (const feature of BIKE_FEATURES) {
      const values = column(janRows, bikeHeader, feature).map(Number)
      const expected = stats(values)
      const p = numeric(jan, `f:${feature}:num`)
      expect(p.kind).toBe('num')
      expect(p.count).toBe(expected.count)
      expect(p.missing).toBe(0)
      expect(p.min).toBe(expected.min)
      expect(p.max).toBe(expected.max)
      expect(p.mean).toBeCloseTo(expected.mean, 10)
      expect(p.std).toBeCloseTo(expected.std, 10)
      // Deciles as the drift family computes them in TypeScript, outer edges open and written as strings.
      const edges = referenceBinEdges(p)
      expect(p.binEdges[0]).toBe('-Infinity')
      expect(p.binEdges[p.binEdges.length - 1]).toBe('+Infinity')
      const tsEdges = quantileEdges(values, 10)
      expect(edges.length).toBe(tsEdges.length)
      edges.forEach((e, i) => (Number.isFinite(e) ? expect(e).toBeCloseTo(tsEdges[i]!, 12) : expect(e).toBe(tsEdges[i])))
      expect(p.binCounts).toEqual(countBins(values, edges))
    }
  })

  it('keeps the rows in a MergeTree table without TTL that the metrics builders read with REFERENCE_ALL_TIME', async () => {
    expect(await tableTtl(store, jan.rowsTable)).toBeUndefined()
    const engine = await queryRows<{ engine: string }>(store, {
      query: 'SELECT engine FROM system.tables WHERE database = {db:String} AND name = {t:String}',
      params: { db: store.config.database, t: jan.rowsTable },
    })
    expect(engine[0]?.engine).toBe('MergeTree')
    for (const feature of ['temp', 'hum', 'hr']) {
      const name = `f:${feature}:num`
      const summary = numericSummaryFromRows(await queryRows(store, numericSummaryQuery({ scope: { table: store.table(jan.rowsTable), window: REFERENCE_ALL_TIME, environment: '' }, column: name })))
      const p = numeric(jan, name)
      expect({ count: summary.count, min: summary.min, max: summary.max, mean: summary.mean, std: summary.std, nan: summary.nan }).toEqual({
        count: p.count,
        min: p.min,
        max: p.max,
        mean: p.mean,
        std: p.std,
        nan: p.missing,
      })
    }
    const base = await queryRows<Record<string, unknown>>(store, {
      query: `SELECT uniqExact(ts) AS times, any(model_version) AS version, any(environment) AS env, any(output_label) AS label, countIf(isNaN(output_score)) AS nan_scores FROM ${store.table(jan.rowsTable)}`,
    })
    // 64-bit counts arrive as numbers from chDB and as strings from a server.
    expect({ ...base[0], times: Number(base[0]!.times), nan_scores: Number(base[0]!.nan_scores) }).toEqual({ times: 1, version: '', env: '', label: '', nan_scores: janRows.length })
  })

  it('is read back from the registry', async () => {
    expect(await references.get('default', 'bikes', 'jan-2011')).toEqual(jan)
    expect(await references.get('default', 'bikes', 'nope')).toBeNull()
    expect((await references.list('default', 'bikes')).map((d) => d.id)).toContain('jan-2011')
  })

  it('returns the registered data set when the same file is imported again under the same id', async () => {
    const tables = await referenceTables()
    const again = await references.import({ ...base, modelId: 'bikes', file: janFile, id: 'jan-2011', features: BIKE_FEATURES })
    expect(again).toEqual(jan)
    expect(await referenceTables()).toEqual(tables)
    const rows = await queryRows<{ n: string }>(store, { query: `SELECT count() AS n FROM ${store.table(jan.rowsTable)}` })
    expect(Number(rows[0]!.n)).toBe(janRows.length)
  })

  it('refuses another file under a taken id, and derives an id from the file name and hash', async () => {
    const conflict = await rejection(importReferenceDataset(store, { ...base, modelId: 'bikes', file: febFile, id: 'jan-2011', features: BIKE_FEATURES }))
    expect(conflict.code).toBe('conflict')
    expect(conflict.message).toContain(jan.sha256)
    const feb = await importReferenceDataset(store, { ...base, modelId: 'bikes', file: febFile, features: ['temp'] })
    expect(feb.id).toBe(`hour-2011-02-${feb.sha256.slice(0, 12)}`)
    expect((await references.list('default', 'bikes')).map((d) => d.id).sort()).toEqual(['hour-2011-02-' + feb.sha256.slice(0, 12), 'jan-2011'].sort())
    expect(await references.list('default', 'other-model')).toEqual([])
  })

  it('imports a Parquet file with its column types as kinds, profiled alike', async () => {
    const file = path.join(dir, 'hour-2011-01.parquet')
    await store.client.command({
      query: `INSERT INTO FUNCTION file({file:String}, 'Parquet')
              SELECT \`f:temp:num\` AS temp, toInt32(\`f:hr:num\`) AS hr, toString(toInt32(\`f:season:num\`)) AS season_name,
                     toBool(\`f:weekday:num\` IN (0, 6)) AS weekend, if(\`f:hum:num\` = 0, NULL, \`f:hum:num\`) AS hum
              FROM ${store.table(jan.rowsTable)}`,
      query_params: { file },
    })
    const parquet = await importReferenceDataset(store, { ...base, modelId: 'bikes', file, id: 'jan-2011-parquet', features: ['temp', 'hr', 'season_name', 'weekend', 'hum'] })
    expect(parquet.format).toBe('parquet')
    expect(Object.keys(parquet.profile.columns).sort()).toEqual(['f:hr:num', 'f:hum:num', 'f:season_name:str', 'f:temp:num', 'f:weekend:bool'])
    for (const name of ['f:temp:num', 'f:hr:num']) expect(numeric(parquet, name)).toEqual(numeric(jan, name))
    expect(categorical(parquet, 'f:season_name:str')).toEqual({ kind: 'str', count: janRows.length, missing: 0, frequencies: { '1': janRows.length }, other: 0 })
    const weekend = column(janRows, bikeHeader, 'weekday').filter((d) => d === '0' || d === '6').length
    expect(numeric(parquet, 'f:weekend:bool')).toMatchObject({ kind: 'bool', count: janRows.length, missing: 0, min: 0, max: 1 })
    expect(numeric(parquet, 'f:weekend:bool').mean).toBeCloseTo(weekend / janRows.length, 12)
    const hum = column(janRows, bikeHeader, 'hum').map(Number)
    expect(numeric(parquet, 'f:hum:num')).toMatchObject({ count: hum.filter((h) => h !== 0).length, missing: hum.filter((h) => h === 0).length })
  })
})

describe('importReferenceDataset: adult, columns from the model', () => {
  it("imports the model's declared features and attributes, and output_label, with category counts", async () => {
    const rows = readFileSync(path.join(DATA, 'adult/adult.data'), 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .slice(0, 2000)
      .map((l) => l.split(',').map((v) => v.trim()))
    const file = writeCsv('adult-2000.csv', ADULT_COLUMNS, rows)
    await new PredictionTables(store).ensure('default', 'adult-income', [
      featureColumn('age', 'num'),
      featureColumn('education', 'str'),
      featureColumn('hours_per_week', 'num'),
      featureColumn('capital_gain', 'num'),
      attributeColumn('sex'),
      attributeColumn('race'),
      attributeColumn('not_in_file'),
    ])
    const adult = await references.import({ ...base, modelId: 'adult-income', file, id: 'train-2000' })
    expect(Object.keys(adult.profile.columns).sort()).toEqual(['a:race', 'a:sex', 'f:age:num', 'f:capital_gain:num', 'f:education:str', 'f:hours_per_week:num', 'output_label'])
    expect(adult.profile.ignoredColumns).toEqual(['workclass', 'fnlwgt', 'education_num', 'marital_status', 'occupation', 'relationship', 'capital_loss', 'native_country'])
    for (const name of ['sex', 'race', 'education', 'output_label']) {
      const expected: Record<string, number> = {}
      for (const v of column(rows, ADULT_COLUMNS, name)) expected[v] = (expected[v] ?? 0) + 1
      const key = name === 'output_label' ? name : name === 'education' ? 'f:education:str' : `a:${name}`
      expect(categorical(adult, key)).toEqual({ kind: 'str', count: rows.length, missing: 0, frequencies: expected, other: 0 })
    }
    const age = stats(column(rows, ADULT_COLUMNS, 'age').map(Number))
    expect(numeric(adult, 'f:age:num')).toMatchObject({ count: age.count, min: age.min, max: age.max })
    expect(numeric(adult, 'f:age:num').mean).toBeCloseTo(age.mean, 10)
  })

  it('refuses values that do not fit the kind the model declares, naming the lines, and leaves nothing behind', async () => {
    await new PredictionTables(store).ensure('default', 'strict', [featureColumn('x', 'num'), attributeColumn('y')])
    const file = writeText('bad-values.csv', 'x,y\n1,a\n2,b\nabc,c\n4,d\nn/a,e\n')
    const before = await referenceTables()
    const error = await rejection(importReferenceDataset(store, { ...base, modelId: 'strict', file, id: 'bad' }))
    expect(error.code).toBe('bad_values')
    expect(error.message).toContain('column "x": 2 values are not finite numbers, e.g. "abc", "n/a"')
    expect(error.message).toContain('lines 4, 6')
    expect(await referenceTables()).toEqual(before)
    expect(await references.get('default', 'strict', 'bad')).toBeNull()
  })
})

describe('importReferenceDataset: kinds and refusals', () => {
  it('infers kinds from the data when the model does not declare them, keeping text as written (CRLF, blank lines at the end)', async () => {
    const file = writeText('kinds.csv', 'n,b,s,e\r\n1,true,x,\r\n2.5,False," y, z",\r\n, , w,\r\n\r\n\n')
    const d = await importReferenceDataset(store, { ...base, modelId: 'kinds', file, id: 'k', features: ['n', 'b', 's', 'e'] })
    expect(numeric(d, 'f:n:num')).toMatchObject({ count: 2, missing: 1, min: 1, max: 2.5, mean: 1.75 })
    expect(numeric(d, 'f:b:bool')).toMatchObject({ kind: 'bool', count: 2, missing: 1, min: 0, max: 1 })
    expect(categorical(d, 'f:s:str')).toEqual({ kind: 'str', count: 3, missing: 0, frequencies: { x: 1, ' y, z': 1, ' w': 1 }, other: 0 })
    expect(numeric(d, 'f:e:num')).toMatchObject({ count: 0, missing: 3, min: null, max: null, mean: null, std: null, binEdges: ['-Infinity', '+Infinity'], binCounts: [0] })
  })

  it('refuses a named feature missing from the file, naming it, and leaves nothing behind', async () => {
    const before = await referenceTables()
    const error = await rejection(importReferenceDataset(store, { ...base, modelId: 'bikes', file: janFile, id: 'missing', features: ['temp', 'rainfall'] }))
    expect(error.code).toBe('missing_column')
    expect(error.message).toContain('"rainfall"')
    expect(await referenceTables()).toEqual(before)
  })

  it('asks for features and attributes when the model has no predictions table', async () => {
    const error = await rejection(importReferenceDataset(store, { ...base, modelId: 'unknown-model', file: janFile, id: 'x' }))
    expect(error.code).toBe('no_columns')
    expect(error.message).toMatch(/pass the features and attributes/)
  })

  it('refuses an empty file and a header without rows', async () => {
    const empty = await rejection(importReferenceDataset(store, { ...base, modelId: 'bikes', file: writeText('empty.csv', ''), features: ['temp'] }))
    expect(empty.code).toBe('empty_file')
    expect(empty.message).toContain('empty.csv is empty')
    const header = await rejection(importReferenceDataset(store, { ...base, modelId: 'bikes', file: writeText('header.csv', 'temp,hum\n'), features: ['temp'] }))
    expect(header.code).toBe('empty_file')
    expect(header.message).toContain('a header but no rows')
  })

  it('reports the line of a row the engine cannot parse, and leaves nothing behind', async () => {
    const before = await referenceTables()
    const error = await rejection(importReferenceDataset(store, { ...base, modelId: 'bikes', file: writeText('ragged.csv', 'x,y\n1,2\n3,4,5\n6,7\n'), features: ['x', 'y'] }))
    expect(error.code).toBe('bad_file')
    expect(error.message).toContain('line 3')
    expect(await referenceTables()).toEqual(before)
  })

  it('refuses options it cannot use', async () => {
    expect((await rejection(importReferenceDataset(store, { ...base, modelId: 'bikes', file: janFile, id: 'bad id!' }))).code).toBe('invalid_options')
    expect((await rejection(importReferenceDataset(store, { ...base, modelId: 'bikes', file: path.join(dir, 'data.txt'), features: ['x'] }))).code).toBe('unreadable_file')
    expect((await rejection(importReferenceDataset(store, { ...base, modelId: 'bikes', file: path.join(dir, 'absent.csv'), features: ['x'] }))).code).toBe('unreadable_file')
  })
})
