import { openStore, storeConfigFromEnv } from '@aims-monitor/store'
import { ReferenceDatasets } from '@aims-monitor/evaluator'
const C = '/work/main/collector/dist/dashboard/'
const { modelOverview } = await import(C + 'overview-queries.js')
const { modelTimeseries } = await import(C + 'timeseries-queries.js')
const { featureDistribution } = await import(C + 'distribution-queries.js')
const { findModel, listModelTables } = await import(C + 'model-catalog.js')
const { planBuckets } = await import(C + 'buckets.js')
const store = await openStore(storeConfigFromEnv({}, { dataDir: '/work/main/bench/.work/dashboard/store' }))
const captured = []
const orig = store.client.query.bind(store.client)
let capture = true
store.client.query = async (args) => { if (capture) captured.push({ endpoint: current, args }); return orig(args) }
let current = ''
const now = Math.ceil(Date.now() / 60000) * 60000
const ref = (await new ReferenceDatasets(store).list('default', 'credit-risk'))[0]
for (const [name, span] of [['24h', 86400000], ['7d', 7 * 86400000]]) {
  const range = { from: now - span, to: now }
  current = `overview/${name}`
  for (const m of await listModelTables(store, 'default')) await modelOverview(store, { id: m.id, table: store.table(m.table) }, range, planBuckets(range, 48))
  const model = await findModel(store, 'default', 'credit-risk')
  current = `timeseries/${name}`
  await modelTimeseries(store, model, range, planBuckets(range, 48))
  current = `distribution/${name}`
  await featureDistribution(store, model, 'age', range, ref)
}
capture = false
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)] }
for (const c of captured) {
  const times = []
  for (let i = 0; i < 5; i++) { const t = performance.now(); await (await orig(c.args)).json(); times.push(performance.now() - t) }
  console.log(`${c.endpoint.padEnd(18)} ${median(times).toFixed(0).padStart(5)} ms (min ${Math.min(...times).toFixed(0)})  ${c.args.query.replace(/\s+/g, ' ').slice(0, 160)}`)
}
// Variants, 7d, credit-risk: what the quantile costs.
const table = (await listModelTables(store, 'default')).find((m) => m.id === 'credit-risk').table
const from = now - 7 * 86400000
const where = `FROM ${store.table(table)} WHERE ts >= fromUnixTimestamp64Milli(${from}) AND ts < fromUnixTimestamp64Milli(${now})`
for (const [label, q] of [
  ['count only', `SELECT count() ${where}`],
  ['count per bucket', `SELECT intDiv(toUnixTimestamp64Milli(ts) - ${from}, 12600000) AS b, count(), countIf(status = 'error') ${where} GROUP BY b`],
  ['+ groupUniqArray(version)', `SELECT intDiv(toUnixTimestamp64Milli(ts) - ${from}, 12600000) AS b, count(), countIf(status = 'error'), groupUniqArray(100)(model_version) ${where} GROUP BY b`],
  ['quantiles (reservoir) overall', `SELECT quantilesIf(0.5, 0.95, 0.99)(latency_ms, isFinite(latency_ms)) ${where}`],
  ['quantilesTDigest overall', `SELECT quantilesTDigestIf(0.5, 0.95, 0.99)(latency_ms, isFinite(latency_ms)) ${where}`],
  ['quantiles per bucket', `SELECT intDiv(toUnixTimestamp64Milli(ts) - ${from}, 12600000) AS b, quantilesIf(0.5, 0.95, 0.99)(latency_ms, isFinite(latency_ms)) ${where} GROUP BY b`],
  ['quantilesTDigest per bucket', `SELECT intDiv(toUnixTimestamp64Milli(ts) - ${from}, 12600000) AS b, quantilesTDigestIf(0.5, 0.95, 0.99)(latency_ms, isFinite(latency_ms)) ${where} GROUP BY b`],
  ['output_label top-k', `SELECT output_label, count() AS n ${where} GROUP BY output_label ORDER BY n DESC LIMIT 11`],
]) {
  const times = []
  for (let i = 0; i < 5; i++) { const t = performance.now(); await (await orig({ query: q, format: 'JSONEachRow' })).json(); times.push(performance.now() - t) }
  console.log(`variant ${label.padEnd(32)} ${median(times).toFixed(0).padStart(5)} ms (min ${Math.min(...times).toFixed(0)})`)
}
await store.close()
