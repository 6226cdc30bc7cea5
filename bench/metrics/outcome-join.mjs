// bench/metrics/outcome-join.mjs: the outcome join of the outcome-based metrics (confusion matrices per
// group, performance inputs) over N predictions and their outcomes in an embedded store, every variant
// measured in the same run, interleaved, repeated; medians reported with the load average (the machine
// is shared). Every variant must give the same counts as the first, or the run fails.
//
// Data (generated in ClickHouse, the same every run): N predictions over two days with SDK-style ids
// (8 "processes", each a random 64-bit prefix and a 48-bit counter: packages/sdk/src/prediction-ids.ts),
// attributes sex (3 values) and race (5), a score in [0, 1] and a value; one outcome for each of the first
// OUTCOMES predictions (ordered by a hash), 3% of them corrected later (new label), 2% retried with the
// same ts and a later receipt, and 5% of predictions with an outcome under another model. Outcomes are
// inserted into `outcomes`; the store's view fills `outcomes_latest` (migration 0005), as at ingest.
//
// Usage: node bench/metrics/outcome-join.mjs [--rows 10000000] [--outcomes N] [--repeats 5] [--only a,b]
//        [--keep DIR] (reuse or keep the store in DIR: loading 10M rows takes about a minute)
// Prints one JSON line last: {"name":"metrics-outcome-join", …, "variants": {name: {seconds, cpuSeconds, runs}}}.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { addColumnsSql, attributeColumn, createPredictionsTableSql, openStore, predictionsTableName, storeConfigFromEnv } from '@aims-monitor/store'
import {
  confusionByAttributesFromRows, confusionByAttributesQuery, confusionByGroupFromRows, confusionByGroupQuery, labelledScoresFromRows, labelledScoresQuery,
  outcomeCellsFromRows, outcomeCellsQuery, outcomeJoin, ParamBag,
  regressionErrorsFromRows, regressionErrorsQuery, rocAucFromScores,
} from '@aims-monitor/metrics'

const here = dirname(fileURLToPath(import.meta.url))
const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    outcomes: { type: 'string' },
    repeats: { type: 'string', default: '5' },
    only: { type: 'string' },
    keep: { type: 'string' },
  },
})
const N = Number(opts.rows)
const OUTCOMES = Number(opts.outcomes ?? opts.rows)
const REPEATS = Number(opts.repeats)
const log = (...a) => process.stderr.write(a.join(' ') + '\n')
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ')
const work = opts.keep ?? join(here, '..', '.work', 'metrics-outcome-join')
const reuse = opts.keep !== undefined && existsSync(join(work, 'loaded'))
if (!reuse) rmSync(work, { recursive: true, force: true })

const store = await openStore(storeConfigFromEnv({}, { dataDir: work }))
const name = predictionsTableName('default', 'bench-join')
const P = store.table(name)
const O = store.table('outcomes')
const L = store.table('outcomes_latest')
const day = 86_400_000
// Relative to today (the store's TTL drops old rows); ids, scores and labels do not depend on it.
const t0 = reuse ? Number(readFileSync(join(work, 'loaded'), 'utf8')) : Math.floor(Date.now() / day) * day - 3 * day
if (!reuse) {
  const started = performance.now()
  const ctx = { database: store.config.database, retentionDays: 3650 }
  await store.client.command({ query: createPredictionsTableSql(name, ctx) })
  await store.client.command({ query: addColumnsSql(name, [attributeColumn('sex'), attributeColumn('race')], ctx) })
  // 8 prefixes of 32 hex digits, of which the id uses 18 (the SDK draws 74 random bits per monitor).
  const prefixes = Array.from({ length: 8 }, (_, i) => `concat(leftPad(lower(hex(cityHash64(${i}, 'a'))), 16, '0'), leftPad(lower(hex(cityHash64(${i}, 'b'))), 16, '0'))`)
  const id = `toUUID(concat(substring(p, 1, 8), '-', substring(p, 9, 4), '-4', substring(p, 13, 3), '-8', substring(p, 16, 3), '-', leftPad(lower(hex(intDiv(number, 8))), 12, '0')))`
  await store.client.command({
    query: `INSERT INTO ${P} (id, ts, received, model_version, environment, status, output_label, output_score, output_value, \`a:sex\`, \`a:race\`)
      SELECT ${id}, fromUnixTimestamp64Milli(toInt64(${t0} + number * (2 * ${day}) / ${N})) AS ts, ts + toIntervalMillisecond(5), '1', 'production', 'ok',
        if(s >= 0.5, 'yes', 'no'), s, s * 100, ['f', 'm', 'x'][1 + cityHash64(number, 1) % 3], ['a', 'b', 'c', 'd', 'e'][1 + cityHash64(number, 2) % 5]
      FROM (SELECT number, [${prefixes.join(', ')}][1 + number % 8] AS p, (cityHash64(number, 3) % 1000000) / 1000000 AS s FROM numbers(${N}))`,
  })
  const outcome = (select, where) => store.client.command({
    query: `INSERT INTO ${O} (project, model_id, prediction_id, ts, received, model_version, label, value) SELECT ${select} FROM ${P} WHERE ${where}`,
  })
  const has = `cityHash64(id, 4) % ${N} < ${OUTCOMES}`
  await outcome(`'default', 'bench-join', id, ts + toIntervalSecond(60), ts + toIntervalSecond(61), '1', if((cityHash64(id, 5) % 1000) / 1000 < output_score, 'yes', 'no'), output_value + 1`, has)
  await outcome(`'default', 'bench-join', id, ts + toIntervalSecond(3600), ts + toIntervalSecond(3601), '1', if(cityHash64(id, 6) % 2 = 0, 'yes', 'no'), output_value + 2`, `${has} AND cityHash64(id, 7) % 100 < 3`)
  await outcome(`'default', 'bench-join', id, ts + toIntervalSecond(60), ts + toIntervalSecond(62), '1', if(cityHash64(id, 8) % 2 = 0, 'yes', 'no'), output_value + 3`, `${has} AND cityHash64(id, 7) % 100 >= 98`)
  await outcome(`'default', 'other-model', id, ts, ts, '1', 'yes', 0`, 'cityHash64(id, 9) % 100 < 5')
  // Settle the parts, so that background merges do not run under the timed queries.
  for (const table of [P, O, L]) await store.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` })
  log(`loaded ${N} predictions, outcomes for ${OUTCOMES}, in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
if (opts.keep !== undefined) writeFileSync(join(work, 'loaded'), String(t0))

async function rows({ query, params }) {
  return (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json()
}
/** The statement with another join algorithm (replacing the builder's, or added to its SETTINGS). */
const withJoin = (q, algorithm) => ({
  ...q,
  query: /join_algorithm = '\w+'/.test(q.query) ? q.query.replace(/join_algorithm = '\w+'/, `join_algorithm = '${algorithm}'`) : `${q.query}, join_algorithm = '${algorithm}'`,
})
const scope = { table: P, window: { from: t0, to: t0 + 2 * day } }
const hour = { table: P, window: { from: t0 + day, to: t0 + day + 3_600_000 } }
const base = { scope, project: 'default', modelId: 'bench-join', positiveLabel: 'yes' }
const latest = { ...base, latestOutcomesTable: L }
const events = { ...base, outcomesTable: O }
const confusion = (q) => async () => confusionByGroupFromRows(await rows(q)).byGroup
const scores = (options) => async () => labelledScoresFromRows(await rows(labelledScoresQuery(options)), options)
const attributes = (options) => async () => confusionByAttributesFromRows(await rows(confusionByAttributesQuery(options)), options.attributes).byAttribute.sex

const aucs = { cells: undefined, engine: undefined }
function checkAucs() {
  if (aucs.cells !== undefined && aucs.engine !== undefined && !(Math.abs(aucs.cells - aucs.engine) <= 1e-12)) throw new Error(`ROC AUC: cells ${aucs.cells}, arrayROCAUC ${aucs.engine}`)
  return null
}
// [name, what it is, run → value compared with the first variant's of the same window (or null: not compared), window]
const variants = [
  ['argmax-hash', 'outcomes, argMax per prediction (pre-filtered by the window ids), hash join: the old path', confusion(confusionByGroupQuery({ ...events, groupBy: 'sex' }))],
  ['argmax-hash-noprefilter', 'the same without the id pre-filter', confusion(confusionByGroupQuery({ ...events, groupBy: 'sex', preFilterOutcomes: false }))],
  ['argmax-fsm-noprefilter', 'outcomes, argMax, full_sorting_merge join', confusion(withJoin(confusionByGroupQuery({ ...events, groupBy: 'sex', preFilterOutcomes: false }), 'full_sorting_merge'))],
  ['latest-hash', 'outcomes_latest FINAL, hash join', confusion(withJoin(confusionByGroupQuery({ ...latest, groupBy: 'sex' }), 'hash'))],
  ['latest-parallel_hash', 'outcomes_latest FINAL, parallel_hash join', confusion(withJoin(confusionByGroupQuery({ ...latest, groupBy: 'sex' }), 'parallel_hash'))],
  ['latest-fsm', 'outcomes_latest FINAL, full_sorting_merge join (the builder\'s choice)', confusion(confusionByGroupQuery({ ...latest, groupBy: 'sex' }))],
  ['latest-fsm-all', 'the same with ALL LEFT JOIN, as before the builder used ANY (the right side holds each prediction once)', confusion(((q) => ({ ...q, query: q.query.replace('ANY LEFT JOIN', 'LEFT JOIN') }))(confusionByGroupQuery({ ...latest, groupBy: 'sex' })))],
  ['latest-fsm-sex+race', 'the same, sex and race as two queries', async () => {
    const sex = await confusion(confusionByGroupQuery({ ...latest, groupBy: 'sex' }))()
    await confusion(confusionByGroupQuery({ ...latest, groupBy: 'race' }))()
    return sex
  }],
  ['latest-fsm-attributes', 'confusionByAttributesQuery: sex and race as grouping sets of one join', attributes({ ...latest, attributes: ['sex', 'race'] })],
  ['scores', 'labelledScoresQuery: classifier performance inputs (1000-bin score histograms, sums), one join', async () => { await scores(latest)(); return null }],
  // The exact ROC AUC of the cells statement (Mann–Whitney's U over sorted score keys) against
  // ClickHouse's arrayROCAUC over the same join: each checks the other's value (to 1e-12).
  ['auc-cells', 'outcomeCellsQuery with rocAuc: U over one sort of (score bits, outcome) keys', async () => { aucs.cells = outcomeCellsFromRows(await rows(outcomeCellsQuery({ ...latest, attributes: [], rocAuc: true })), []).rocAuc; return checkAucs() }],
  ['auc-arrayROCAUC', 'the same join, arrayROCAUC over the labelled scores (the form before)', async () => {
    const bag = new ParamBag()
    const j = outcomeJoin(latest, bag, { predictions: ['output_score AS score'], outcome: [`CAST(label = ${bag.bind('positive', 'String', 'yes')} AS UInt8) AS actual`] })
    const scored = 'o.matched AND isFinite(p.score) AND p.score >= 0 AND p.score <= 1'
    aucs.engine = (await rows({ query: `SELECT arrayROCAUC(groupArrayIf(p.score, ${scored}), groupArrayIf(o.actual, ${scored})) AS auc FROM ${j.from} ${j.settings}`, params: bag.values }))[0].auc
    return checkAucs()
  }],
  ['regression', 'regressionErrorsQuery: MAE/RMSE sums, one join', async () => { regressionErrorsFromRows(await rows(regressionErrorsQuery(latest))); return null }],
  // A one-hour window (1/48 of the table): the latest table is still read whole, in key order; the
  // argMax path pre-filters the outcomes by the window's ids.
  ['argmax-hash-1h', 'the old path over a one-hour window', confusion(confusionByGroupQuery({ ...events, scope: hour, groupBy: 'sex' })), 'hour'],
  ['latest-fsm-1h', 'the builder\'s choice over a one-hour window', confusion(confusionByGroupQuery({ ...latest, scope: hour, groupBy: 'sex' })), 'hour'],
  ['scan-only', 'predictions alone, GROUP BY sex, no join: the floor', async () => { await rows({ query: `SELECT \`a:sex\` AS g, countIf(output_label = 'yes') FROM ${P} WHERE ts >= {from:DateTime64(3)} AND ts < {to:DateTime64(3)} GROUP BY g`, params: { from: String(t0 / 1000), to: String((t0 + 2 * day) / 1000) } }); return null }],
].filter(([n]) => !opts.only || opts.only.split(',').includes(n))

const times = Object.fromEntries(variants.map(([n]) => [n, { wall: [], cpu: [] }]))
const loads = []
const references = {}
for (let r = 0; r < REPEATS; r++) {
  for (const [n, , run, window = 'all'] of variants) {
    const started = performance.now()
    const cpu = process.cpuUsage()
    const value = await run()
    const used = process.cpuUsage(cpu)
    times[n].wall.push((performance.now() - started) / 1000)
    times[n].cpu.push((used.user + used.system) / 1e6)
    if (value !== null) {
      const text = JSON.stringify(value)
      references[window] ??= { name: n, text }
      if (text !== references[window].text) throw new Error(`${n} gives other counts than ${references[window].name}:\n${text}\n${references[window].text}`)
    }
  }
  loads.push(os.loadavg()[0])
  log(`repeat ${r + 1}/${REPEATS}: load ${load()}`)
}
const auc = variants.some(([n]) => n === 'scores') ? rocAucFromScores(await scores(latest)()) : null
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1]
const result = {}
log('\n| variant | median wall s | median CPU s | what |\n|---|---|---|---|')
for (const [n, what] of variants) {
  result[n] = { seconds: round(median(times[n].wall)), cpuSeconds: round(median(times[n].cpu)), runs: times[n].wall.map(round) }
  log(`| ${n} | ${result[n].seconds} | ${result[n].cpuSeconds} | ${what} |`)
}
log(`ROC AUC from the 1000-bin histogram: ${auc?.value} ± ${auc?.maxError}`)
await store.close()
if (opts.keep === undefined) rmSync(work, { recursive: true, force: true })
process.stdout.write(JSON.stringify({
  name: 'metrics-outcome-join',
  rows: N,
  outcomes: OUTCOMES,
  repeats: REPEATS,
  seconds: result['latest-fsm']?.seconds ?? null,
  variants: result,
  loadAverage: { median: round(median(loads)), max: round(Math.max(...loads)) },
  machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
}) + '\n')

function round(v) {
  return Number(v.toFixed(3))
}
