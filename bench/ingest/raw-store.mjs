// The baseline of bench/ingest: the same workload rows inserted straight into a fresh embedded
// store by the fastest path we know (RowBinary encoded in JS, read by the engine through file(),
// 50k-row files, the next file encoded while the engine inserts the previous one): no HTTP, no
// validation, no spool. Prints {"rows","seconds","rowsPerSecond"}.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  BASE_PREDICTION_COLUMNS, PredictionTables, RowBinaryWriter, attributeColumn, compilePredictionEncoder,
  featureColumn, featureKindOf, openStore, storeConfigFromEnv,
} from '@aims-monitor/store'
import { eventId, loadAdultRows, mulberry32, predictionFor } from './workload.mjs'

const [dir, rowsText, startText] = process.argv.slice(2)
const total = Number(rowsText)
const startMs = Number(startText)
const CHUNK = 50_000
const rows = loadAdultRows()
const random = mulberry32(42)
const store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
const records = (from, count) => {
  const out = []
  for (let i = from; i < from + count; i++) {
    const p = predictionFor(rows, i, startMs, random)
    out.push({
      id: eventId(i + 1), timestampMs: p.timestamp, receivedMs: Date.now(), modelId: p.model.id, modelVersion: p.model.version,
      environment: 'production', status: 'ok', errorType: '', outputLabel: p.output.label, outputScore: p.output.score,
      outputValue: NaN, latencyMs: p.latencyMs, streamItems: NaN, traceId: '', spanId: '', features: p.features, attributes: p.attributes,
    })
  }
  return out
}
const sample = records(0, 1000)
const columns = [...BASE_PREDICTION_COLUMNS]
const seen = new Set(columns.map((c) => c.name))
for (const r of sample) {
  for (const [k, v] of Object.entries(r.features)) { const c = featureColumn(k, featureKindOf(v)); if (!seen.has(c.name)) { seen.add(c.name); columns.push(c) } }
  for (const k of Object.keys(r.attributes)) { const c = attributeColumn(k); if (!seen.has(c.name)) { seen.add(c.name); columns.push(c) } }
}
const table = await new PredictionTables(store).ensure('default', 'credit-risk', columns)
const encode = compilePredictionEncoder(columns)
const writer = new RowBinaryWriter(32 * 1024 * 1024)
// The rows exist before the clock starts, as they do in the collector run (where they arrive as
// request bodies): what is timed is getting them into the store.
const prepared = []
for (let from = 0; from < total; from += CHUNK) prepared.push(records(from, Math.min(CHUNK, total - from)))
const started = performance.now()
let inFlight = Promise.resolve()
for (let n = 0; n < prepared.length; n++) {
  writer.reset()
  for (const r of prepared[n]) encode(writer, r)
  const file = join(dir, `chunk-${n % 2}.rows`)
  await inFlight
  writeFileSync(file, writer.view())
  inFlight = store.insertRowBinaryFile({ table, columns, file, dedupToken: `raw-${n}` })
}
await inFlight
const seconds = (performance.now() - started) / 1000
const count = await (await store.client.query({ query: `SELECT count() AS n FROM ${store.table(table)}`, format: 'JSONEachRow' })).json()
await store.close()
if (Number(count[0].n) !== total) throw new Error(`raw store holds ${count[0].n} rows, expected ${total}`)
process.stdout.write(JSON.stringify({ rows: total, seconds, rowsPerSecond: total / seconds }) + '\n')
