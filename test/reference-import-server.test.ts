import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { ReferenceDatasets } from '../packages/evaluator/src/reference-datasets.js'
import { ReferenceImportError } from '../packages/evaluator/src/reference-errors.js'
import { startClickHouseHttpFixture, type ClickHouseHttpFixture } from './support/clickhouse-http-fixture.js'

// Importing a reference data set into a ClickHouse server (AIMS_CLICKHOUSE_URL): the CSV must
// travel as the body of the insert, since a server's file() reads the server's disk. The server is
// the ClickHouse HTTP fixture over chDB; the store in server mode never opens chDB itself, so the
// fixture's engine is the only one in this process.

const DATA = fileURLToPath(new URL('../data/', import.meta.url))
const FEATURES = ['temp', 'hum', 'hr']
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-reference-server-'))
let ch: ClickHouseHttpFixture
let store: Store
let header: string[]
let rows: string[][]
let csv: string

beforeAll(async () => {
  ch = await startClickHouseHttpFixture({ dataDir: path.join(root, 'clickhouse') })
  store = await openStore(storeConfigFromEnv({ AIMS_CLICKHOUSE_URL: ch.url, AIMS_CLICKHOUSE_DATABASE: 'refs' }, { dataDir: path.join(root, 'local') }))
  const lines = readFileSync(path.join(DATA, 'bike-sharing/hour.csv'), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '')
  header = lines[0]!.split(',')
  rows = lines.slice(1).map((l) => l.split(',')).filter((r) => r[1]!.startsWith('2011-01'))
  csv = path.join(root, 'hour-2011-01.csv')
  writeFileSync(csv, [header, ...rows].map((r) => r.join(',')).join('\n') + '\n')
})

afterAll(async () => {
  await store?.close()
  await ch?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('reference data sets on a ClickHouse server', () => {
  it('imports a CSV streamed as the request body, profiled as computed from the file', async () => {
    expect(store.mode).toBe('server')
    const references = new ReferenceDatasets(store)
    const dataset = await references.import({ project: 'default', modelId: 'bikes', file: csv, id: 'jan-2011', features: FEATURES, createdBy: 'tester' })
    expect(dataset.sha256).toBe(createHash('sha256').update(readFileSync(csv)).digest('hex'))
    expect(dataset.rowCount).toBe(rows.length)
    for (const feature of FEATURES) {
      const values = rows.map((r) => Number(r[header.indexOf(feature)]))
      const mean = values.reduce((s, v) => s + v, 0) / values.length
      const p = dataset.profile.columns[`f:${feature}:num`]
      expect(p).toMatchObject({ kind: 'num', count: values.length, missing: 0, min: Math.min(...values), max: Math.max(...values) })
      expect(p && 'mean' in p ? p.mean : NaN).toBeCloseTo(mean, 10)
    }
    // The file reached the server as the body of one insert, not as a path.
    const insert = ch.requests.find((r) => /FORMAT CSVWithNames/.test(r.sql))
    expect(insert).toMatchObject({ status: 200, insertBytes: statSync(csv).size })
    expect(insert!.sql).not.toMatch(/file\(/)
    // Rows and registry are on the server; the staging table is gone.
    const stored = await ch.rows<{ n: string }>(`SELECT count() AS n FROM refs.\`${dataset.rowsTable}\``)
    expect(Number(stored[0]!.n)).toBe(rows.length)
    const tables = await ch.rows<{ name: string }>("SELECT name FROM system.tables WHERE database = 'refs' AND startsWith(name, 'reference__')")
    expect(tables.map((t) => t.name)).toEqual([dataset.rowsTable])
    expect(await references.get('default', 'bikes', 'jan-2011')).toEqual(dataset)
  })

  it('refuses Parquet with a typed error that names CSV', async () => {
    const parquet = path.join(root, 'x.parquet')
    writeFileSync(parquet, 'PAR1')
    const error = await new ReferenceDatasets(store).import({ project: 'default', modelId: 'bikes', file: parquet, features: ['temp'], createdBy: 'tester' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReferenceImportError)
    expect(error).toMatchObject({ code: 'unsupported_format' })
    expect((error as Error).message).toMatch(/CSV/)
  })

  it('reports the line of a row the server cannot parse, and leaves nothing behind', async () => {
    const ragged = path.join(root, 'ragged.csv')
    writeFileSync(ragged, 'temp,hum\n1,2\n3,4\n5,6,7\n')
    const error = await new ReferenceDatasets(store).import({ project: 'default', modelId: 'bikes', file: ragged, id: 'ragged', features: ['temp', 'hum'], createdBy: 'tester' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'bad_file' })
    expect((error as Error).message).toContain('line 4')
    const tables = await ch.rows<{ name: string }>("SELECT name FROM system.tables WHERE database = 'refs' AND startsWith(name, 'reference__')")
    expect(tables).toHaveLength(1)
  })
})
