// bench/metrics, the pushed-down path: the same rows in an embedded store (one predictions table
// with the store's own DDL, outcomes in the outcomes table), the metrics' inputs computed by the
// SQL builders of @aims-monitor/metrics, the metrics finished in TypeScript from those aggregates.
// Runs in processes of their own (one chDB per process): `fill` writes the store and exits, then
// `measure` opens it in a fresh process and times the statements, so that the filling engine (its
// background threads, its memory) is gone while they run. Prints one JSON line (measure).
// Usage: clickhouse-path.mjs fill|measure ROWS_FILE N_ROWS WORK_DIR EDGES_JSON [--forms]
// --forms also measures the two SQL forms of bin counts (bin-forms.mjs) on the same table.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  addColumnsSql, attributeColumn, createPredictionsTableSql, featureColumn, openStore, predictionsTableName, storeConfigFromEnv,
} from '@aims-monitor/store'
import {
  binCountsFromRows, binCountsQuery, confusionByGroupFromRows, confusionByGroupQuery, fineGrid, fineHistogramFromRows, fineHistogramQuery,
  ksFromFineHistograms, numericSummaryFromRows, numericSummaryQuery, quantilesFromRows, quantilesQuery, wassersteinFromFineHistograms,
} from '@aims-monitor/metrics'
import { measureBinForms } from './bin-forms.mjs'
import { GROUPS, ROW_STRUCTURE } from './workload.mjs'

const [phase, file, nText, work, edgesJson, formsFlag] = process.argv.slice(2)
if (phase !== 'fill' && phase !== 'measure') throw new Error(`phase: expected fill or measure, got ${phase}`)
const n = Number(nText)
const half = n >> 1
const edges = JSON.parse(edgesJson)
const log = (...a) => process.stderr.write(a.join(' ') + '\n')

if (phase === 'fill') rmSync(work, { recursive: true, force: true })
const store = await openStore(storeConfigFromEnv({}, { dataDir: work }))
const ctx = { database: store.config.database, retentionDays: 365 }
const name = predictionsTableName('default', 'bench-metrics')
const table = store.table(name)
// Two days: the reference sample on the first, the current one on the second; ids from the row index.
const day = 86_400_000
const refFrom = Math.floor(Date.now() / day) * day - 3 * day
const curFrom = refFrom + day
if (phase === 'fill') {
  await fill()
  await store.close()
  process.exit(0) // the engine's threads are not waited for: the measuring process starts after this one has gone
}

async function fill() {
await store.client.command({ query: createPredictionsTableSql(name, ctx) })
await store.client.command({ query: addColumnsSql(name, [featureColumn('x', 'num'), attributeColumn('group')], ctx) })
const idOf = (idx) => `toUUID(concat('00000000-0000-4000-8000-', leftPad(lower(hex(${idx})), 12, '0')))`
const t = performance.now()
await store.client.command({
  query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, output_score, \`f:x:num\`, \`a:group\`)
    SELECT ${idOf('idx')}, ts, ts, '1', 'production', 'ok', if(pred = 1, 'yes', 'no'), nan, x, arrayElement({groups:Array(String)}, grp + 1)
    FROM (SELECT *, fromUnixTimestamp64Milli(toInt64(if(idx < {half:UInt32}, {refFrom:Int64}, {curFrom:Int64}) + (idx % {half:UInt32}) * 86400000 / {half:UInt32})) AS ts
          FROM file({file:String}, 'RowBinary', {structure:String}))`,
  query_params: { file, structure: ROW_STRUCTURE, half, refFrom, curFrom, groups: GROUPS },
})
await store.client.command({
  query: `INSERT INTO ${store.table('outcomes')} (project, model_id, prediction_id, ts, received, model_version, label)
    SELECT 'default', 'bench-metrics', ${idOf('idx')}, now64(3), now64(3), '1', if(actual = 1, 'yes', 'no')
    FROM file({file:String}, 'RowBinary', {structure:String})`,
  query_params: { file, structure: ROW_STRUCTURE },
})
// Settle the parts first so that background merges do not run under the timed queries.
await store.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` })
await store.client.command({ query: `OPTIMIZE TABLE ${store.table('outcomes')} FINAL` })
await store.client.command({ query: `OPTIMIZE TABLE ${store.table('outcomes_latest')} FINAL` })
log(`clickhouse: ${n} predictions and outcomes loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`)
}

async function rows({ query, params }) {
  return (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json()
}
const ref = { table, window: { from: refFrom, to: curFrom } }
const cur = { table, window: { from: curFrom, to: curFrom + day } }
const both = { table, window: { from: refFrom, to: curFrom + day } }
const column = 'f:x:num'
const seconds = {}
async function timed(label, fn) {
  const started = performance.now()
  const value = await fn()
  seconds[label] = (performance.now() - started) / 1000
  return value
}

// Quantile edges of the reference: reported apart, since an evaluation reads them from its stored
// reference (computed once, with the reference's hash), not from the data each time.
const levels = Array.from({ length: edges.length }, (_, i) => (i + 1) / (edges.length + 1))
const exactEdges = await timed('referenceEdgesExactInclusive', async () => quantilesFromRows(await rows(quantilesQuery({ scope: ref, column, levels, method: 'exactInclusive' })), levels))
const approxEdges = await timed('referenceEdgesApproximate', async () => quantilesFromRows(await rows(quantilesQuery({ scope: ref, column, levels, method: 'approximate' })), levels))

const allEdges = [-Infinity, ...edges, Infinity]
const started = performance.now()
const [refBins, curBins] = await timed('psiBinCounts', async () => [
  binCountsFromRows(await rows(binCountsQuery({ scope: ref, column, edges: allEdges })), allEdges),
  binCountsFromRows(await rows(binCountsQuery({ scope: cur, column, edges: allEdges })), allEdges),
])
const [refSummary, curSummary] = await timed('summaries', async () => [
  numericSummaryFromRows(await rows(numericSummaryQuery({ scope: ref, column }))),
  numericSummaryFromRows(await rows(numericSummaryQuery({ scope: cur, column }))),
])
const grid = fineGrid(Math.min(refSummary.min, curSummary.min), Math.max(refSummary.max, curSummary.max))
const [refHist, curHist] = await timed('fineHistograms', async () => [
  fineHistogramFromRows(await rows(fineHistogramQuery({ scope: ref, column, grid })), grid),
  fineHistogramFromRows(await rows(fineHistogramQuery({ scope: cur, column, grid })), grid),
])
const ks = ksFromFineHistograms(refHist, curHist)
const wasserstein = wassersteinFromFineHistograms(refHist, curHist)
// The latest outcome of each prediction from outcomes_latest (store migration 0005, filled by its view
// as the outcomes above were inserted), merge-joined: the builder's fast path.
const confusionOptions = { scope: both, latestOutcomesTable: store.table('outcomes_latest'), project: 'default', modelId: 'bench-metrics', groupBy: 'group', positiveLabel: 'yes' }
const confusion = await timed('confusionByGroupWithOutcomeJoin', async () => confusionByGroupFromRows(await rows(confusionByGroupQuery(confusionOptions))))
const total = (performance.now() - started) / 1000
// The same from every outcome event with argMax per prediction (the path before migration 0005, with
// and without pre-filtering the outcomes by the window's ids); reported apart, not in the total.
const eventOptions = { ...confusionOptions, latestOutcomesTable: undefined, outcomesTable: store.table('outcomes') }
const argMax = await timed('confusionArgMaxPath', async () => confusionByGroupFromRows(await rows(confusionByGroupQuery(eventOptions))))
const unfiltered = await timed('confusionArgMaxWithoutOutcomePrefilter', async () => confusionByGroupFromRows(await rows(confusionByGroupQuery({ ...eventOptions, preFilterOutcomes: false }))))
for (const other of [argMax, unfiltered]) if (JSON.stringify(other) !== JSON.stringify(confusion)) throw new Error('confusion differs between outcomes_latest and the argMax path')
const binForms = formsFlag === '--forms' ? await measureBinForms(store.client, both, column, allEdges) : undefined
await store.close()
rmSync(work, { recursive: true, force: true })
process.stdout.write(JSON.stringify({
  seconds, total,
  refBins, curBins, refStd: refSummary.std, grid,
  ks, wasserstein,
  confusion: confusion.byGroup,
  edges: { exactInclusive: exactEdges.values, approximate: approxEdges.values },
  binForms,
}) + '\n')
