// bench/store-paths: the insert paths and row layouts behind docs/storage-layout.md, measured on
// the same rows in one run. Baseline: @clickhouse/client's JSONEachRow insert (what a plain client
// does); the product's path: RowBinary written by JS and read by the engine through file().
// Options: --rows N (default 500,000), --batch N (default 50,000).
import { rmSync, mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  BASE_PREDICTION_COLUMNS, RowBinaryWriter, attributeColumn, compilePredictionEncoder, featureColumn,
  featureKindOf, openStore, storeConfigFromEnv, structureOf,
} from '@aims-monitor/store'
import { eventId, loadAdultRows, mulberry32, predictionFor } from '../ingest/workload.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const { values: opts } = parseArgs({ options: { rows: { type: 'string', default: '500000' }, batch: { type: 'string', default: '50000' } } })
const N = Number(opts.rows)
const B = Number(opts.batch)
const work = join(here, '..', '.work', 'store-paths')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
const log = (...a) => process.stderr.write(a.join(' ') + '\n')

const adult = loadAdultRows()
const random = mulberry32(7)
const now = Date.now()
const records = Array.from({ length: N }, (_, i) => {
  const p = predictionFor(adult, i, now, random)
  return {
    id: eventId(i + 1), timestampMs: p.timestamp, receivedMs: now, modelId: p.model.id, modelVersion: p.model.version,
    environment: 'production', status: 'ok', errorType: '', outputLabel: p.output.label, outputScore: p.output.score,
    outputValue: NaN, latencyMs: p.latencyMs, streamItems: NaN, traceId: '', spanId: '', features: p.features, attributes: p.attributes,
  }
})
const columns = [...BASE_PREDICTION_COLUMNS]
const names = new Set(columns.map((c) => c.name))
for (const r of records.slice(0, 2000)) {
  for (const [k, v] of Object.entries(r.features)) { const c = featureColumn(k, featureKindOf(v)); if (!names.has(c.name)) { names.add(c.name); columns.push(c) } }
  for (const k of Object.keys(r.attributes)) { const c = attributeColumn(k); if (!names.has(c.name)) { names.add(c.name); columns.push(c) } }
}
const store = await openStore(storeConfigFromEnv({}, { dataDir: join(work, 'store') }))
const db = store.config.database
const q = (name) => `\`${db}\`.\`${name}\``
// Feature and attribute columns only (the sorting key's columns cannot be Nullable).
const isFeatureColumn = (c) => c.name.startsWith('f:') || c.name.startsWith('a:')
const nullable = (c) => (!isFeatureColumn(c) ? c.type : c.type === 'Float64' ? 'Nullable(Float64)' : 'LowCardinality(Nullable(String))')
async function createTable(name, engine, typeOf = (c) => c.type) {
  const defs = columns.map((c) => `\`${c.name}\` ${typeOf(c)}`).join(', ')
  await store.client.command({ query: `CREATE TABLE ${q(name)} (${defs}) ENGINE = ${engine} PARTITION BY toYYYYMM(ts) ORDER BY (model_version, toStartOfHour(ts), id)` })
}
function jsonRow(r) {
  const row = { id: r.id, ts: r.timestampMs, received: r.receivedMs, model_version: r.modelVersion, environment: r.environment, status: r.status,
    error_type: r.errorType, output_label: r.outputLabel, output_score: r.outputScore, output_value: null, latency_ms: r.latencyMs, trace_id: '', span_id: '' }
  for (const c of columns.slice(BASE_PREDICTION_COLUMNS.length)) {
    const m = /^f:(.+):(num|str|bool)$/.exec(c.name)
    row[c.name] = m ? r.features[m[1]] ?? (m[2] === 'str' ? '' : null) : r.attributes[c.name.slice(2)] ?? ''
  }
  return row
}
async function measure(label, fn) {
  const started = performance.now()
  await fn()
  const seconds = (performance.now() - started) / 1000
  const rate = Math.round(N / seconds)
  log(`${label}: ${rate} rows/s`)
  return rate
}
const encode = compilePredictionEncoder(columns)
const writer = new RowBinaryWriter(64 * 1024 * 1024)
async function viaRowBinary(table, nullableFlags, { product = false, settings = '' } = {}) {
  for (let from = 0, n = 0; from < N; from += B, n++) {
    writer.reset()
    if (nullableFlags) {
      // Nullable RowBinary: a 0 byte ("not NULL") before every value of a Nullable column; an
      // empty string is exactly that byte.
      const flagged = columns.map(isFeatureColumn)
      const single = columns.map((c) => compilePredictionEncoder([c]))
      for (const r of records.slice(from, from + B)) for (let i = 0; i < columns.length; i++) {
        if (flagged[i]) writer.string('')
        single[i](writer, r)
      }
    } else {
      for (const r of records.slice(from, from + B)) encode(writer, r)
    }
    const file = join(work, `chunk-${n}.rows`)
    writeFileSync(file, writer.view())
    if (product) {
      // Exactly what the collector's drainer does.
      await store.insertRowBinaryFile({ table, columns, file, dedupToken: `bench-${n}` })
      rmSync(file)
      continue
    }
    const structure = nullableFlags ? columns.map((c) => `\`${c.name}\` ${nullable(c)}`).join(', ') : structureOf(columns)
    await store.client.command({
      query: `INSERT INTO ${q(table)} ${settings} SELECT * FROM file({file:String}, 'RowBinary', {structure:String})`,
      query_params: { file, structure },
    })
    rmSync(file)
  }
}

const results = {}
await createTable('client_json', 'ReplacingMergeTree(received)')
results.clientJsonEachRow = await measure('@clickhouse/client insert, JSONEachRow (baseline)', async () => {
  for (let from = 0; from < N; from += B) await store.client.insert({ table: q('client_json'), values: records.slice(from, from + B).map(jsonRow), format: 'JSONEachRow' })
})
await createTable('file_json', 'ReplacingMergeTree(received)')
results.fileJsonEachRow = await measure('JSONEachRow file read by the engine through file()', async () => {
  for (let from = 0, n = 0; from < N; from += B, n++) {
    const file = join(work, `chunk-${n}.ndjson`)
    writeFileSync(file, records.slice(from, from + B).map((r) => JSON.stringify(jsonRow(r))).join('\n'))
    await store.client.command({ query: `INSERT INTO ${q('file_json')} SELECT * FROM file({file:String}, 'JSONEachRow')`, query_params: { file } })
    rmSync(file)
  }
})
await createTable('rb_replacing', 'ReplacingMergeTree(received)')
results.rowBinaryReplacing = await measure('RowBinary through file(), ReplacingMergeTree, store.insertRowBinaryFile (the product)', () =>
  viaRowBinary('rb_replacing', false, { product: true }),
)
await createTable('rb_replacing_optimize', 'ReplacingMergeTree(received)')
results.rowBinaryReplacingOptimizeOnInsert = await measure('the same with ClickHouse default optimize_on_insert = 1', () =>
  viaRowBinary('rb_replacing_optimize', false, { settings: 'SETTINGS optimize_on_insert = 1' }),
)
await createTable('rb_plain', 'MergeTree')
results.rowBinaryPlainMergeTree = await measure('RowBinary through file(), plain MergeTree', () => viaRowBinary('rb_plain', false))
await createTable('rb_nullable', 'ReplacingMergeTree(received)', nullable)
results.rowBinaryNullable = await measure('RowBinary through file(), Nullable feature columns', () => viaRowBinary('rb_nullable', true))
for (const t of ['client_json', 'file_json', 'rb_replacing', 'rb_replacing_optimize', 'rb_plain', 'rb_nullable']) {
  const [{ n }] = await (await store.client.query({ query: `SELECT count() AS n FROM ${q(t)}`, format: 'JSONEachRow' })).json()
  if (Number(n) !== N) throw new Error(`${t} holds ${n} rows, expected ${N}`)
}
await store.close()
rmSync(work, { recursive: true, force: true })
process.stdout.write(JSON.stringify({
  name: 'store-paths', rows: N, batch: B, ...results,
  ratio: Number((results.rowBinaryReplacing / results.clientJsonEachRow).toFixed(2)),
  machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
}) + '\n')
