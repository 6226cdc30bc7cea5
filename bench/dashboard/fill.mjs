// bench/dashboard, the untimed preparation, in a process of its own (so the orchestrator that drives
// the browser does not keep the fill's chDB memory): fills STORE_DIR with two models' predictions
// over the 7 days before NOW_MS and outcomes for a part of them, imports a reference data set,
// evaluates the policy at each midnight of the span, closes the store and prints one JSON line.
// Usage: fill.mjs STORE_DIR NOW_MS TOTAL_EVENTS
// - credit-risk: 60 % of the events; features income (drifts a little more each day), age,
//   debt_ratio, credit_lines, employment (string), has_mortgage (boolean); attributes sex, race
//   (the score is biased by both); labels high/low with a score; 0.5 % failed calls (no output).
// - fraud-detector: 20 %; features amount (shifts on days 5-6), hour_of_day, merchant (string);
//   latency 1.5× on the last day; 0.2 % failed calls.
// - outcomes: 20 %, for about a third of the credit-risk predictions that did not fail, 1 h after each.
// Rows come from INSERT … SELECT FROM numbers() with cityHash64-derived values (deterministic), as
// in bench/evaluator; tables from PredictionTables.ensure (so the models are registered), then
// OPTIMIZE … FINAL so no background merge runs under the measurements.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadPolicy } from '@aims-monitor/controls'
import { Evaluator, ReferenceDatasets } from '@aims-monitor/evaluator'
import { PredictionTables, attributeColumn, featureColumn, openStore, storeConfigFromEnv } from '@aims-monitor/store'
import { CREDIT, FRAUD, REFERENCE_ID, policyYaml } from './policy.mjs'

const [dataDir, nowText, totalText] = process.argv.slice(2)
const NOW = Number(nowText)
const TOTAL = Number(totalText)
const DAY = 86_400_000
const SPAN = 7 * DAY
const START = NOW - SPAN
const N_CREDIT = Math.round(TOTAL * 0.6)
const N_FRAUD = Math.round(TOTAL * 0.2)
const log = (...a) => process.stderr.write(a.join(' ') + '\n')

const loaded = loadPolicy(policyYaml(), 'bench-dashboard.yaml')
if (!loaded.ok) throw new Error(`policy rejected: ${JSON.stringify(loaded.problems)}`)
mkdirSync(dataDir, { recursive: true })
const store = await openStore(storeConfigFromEnv({}, { dataDir }))
const tables = new PredictionTables(store)
const creditTable = store.table(await tables.ensure('default', CREDIT, [
  featureColumn('income', 'num'), featureColumn('age', 'num'), featureColumn('debt_ratio', 'num'), featureColumn('credit_lines', 'num'),
  featureColumn('employment', 'str'), featureColumn('has_mortgage', 'bool'), attributeColumn('sex'), attributeColumn('race'),
]))
const fraudTable = store.table(await tables.ensure('default', FRAUD, [
  featureColumn('amount', 'num'), featureColumn('hour_of_day', 'num'), featureColumn('merchant', 'str'),
]))

// Deterministic uniforms in (0, 1) and normals from the row number and a stream k.
const u = (k) => `((cityHash64(number, ${k}) % 9007199254740992) + 0.5) / 9007199254740992`
const normal = (k) => `(sqrt(-2 * log(${u(k)})) * cos(2 * pi() * ${u(k + 100)}))`
const sigmoid = (x) => `(1 / (1 + exp(-(${x}))))`
const idOf = (n) => `toUUID(concat('00000000-0000-4000-8000-', leftPad(lower(hex(${n})), 12, '0')))`
/** Rows spread evenly over [START, NOW): time and day (0-6) of row `number` of n. */
const spread = (n) => `intDiv(number * ${SPAN}, ${n}) AS offset_ms,
  fromUnixTimestamp64Milli(toInt64(${START} + offset_ms)) AS ts, intDiv(offset_ms, ${DAY}) AS day`

/** credit-risk's generated rows (`day` fixed and other row numbers for the reference sample). */
const creditRows = (n, fixedDay, first = 0) => `SELECT number, ${fixedDay === undefined ? spread(n) : `${fixedDay} AS day`},
  exp(10.5 + 0.5 * ${normal(0)} + 0.05 * day) AS income,
  greatest(18, round(40 + 12 * ${normal(1)})) AS age,
  ${u(2)} * 0.8 AS debt_ratio,
  round(exp(1.5 + 0.5 * ${normal(3)})) AS credit_lines,
  multiIf(${u(4)} < 0.6, 'salaried', ${u(4)} < 0.8, 'self-employed', ${u(4)} < 0.9, 'unemployed', ${u(4)} < 0.97, 'retired', 'student') AS employment,
  if(${u(5)} < 0.35, 1., 0.) AS has_mortgage,
  if(${u(20)} < 0.52, 'female', 'male') AS sex,
  multiIf(${u(21)} < 0.55, 'group-a', ${u(21)} < 0.8, 'group-b', ${u(21)} < 0.95, 'group-c', 'group-d') AS race,
  ${u(6)} < 0.005 AS failed,
  2.5 * (debt_ratio - 0.4) - 0.6 * (log(income) - 10.5 - 0.05 * day) / 0.5 + if(employment = 'unemployed', 0.8, 0) AS risk,
  ${sigmoid(`risk + 0.7 * ${normal(22)} + if(sex = 'male', 0.3, 0) + if(race = 'group-c', 0.35, 0) - 0.4`)} AS score,
  exp(2 + 0.4 * ${normal(7)}) AS latency
FROM numbers(${first}, ${n})`

const fraudRows = (n) => `SELECT number, ${spread(n)},
  exp(3.5 + ${normal(30)}) * if(day >= 5, 1.25, 1) AS amount,
  toFloat64(toHour(ts)) AS hour_of_day,
  concat('mcc-', toString(cityHash64(number, 31) % 30)) AS merchant,
  ${sigmoid(`-4 + 0.5 * (log(amount) - 3.5) + ${normal(32)}`)} AS score,
  ${u(33)} < 0.002 AS failed,
  exp(1.5 + 0.3 * ${normal(34)}) * if(day = 6, 1.5, 1) AS latency
FROM numbers(${n})`

const run = (query, settings = {}) => store.client.command({ query, clickhouse_settings: { max_execution_time: 3600, ...settings } })
let t = performance.now()
await run(`INSERT INTO ${creditTable} (id, ts, received, model_version, environment, status, error_type, output_label, output_score, latency_ms,
    \`f:income:num\`, \`f:age:num\`, \`f:debt_ratio:num\`, \`f:credit_lines:num\`, \`f:employment:str\`, \`f:has_mortgage:bool\`, \`a:sex\`, \`a:race\`)
  SELECT ${idOf('number')}, ts, ts, if(day < 4, '1.0.0', '1.1.0'), 'production', if(failed, 'error', 'ok'), if(failed, 'TimeoutError', ''),
    if(failed, '', if(score >= 0.5, 'high', 'low')), if(failed, nan, score), latency,
    income, age, debt_ratio, credit_lines, employment, has_mortgage, sex, race
  FROM (${creditRows(N_CREDIT)})`)
await run(`INSERT INTO ${fraudTable} (id, ts, received, model_version, environment, status, error_type, output_label, output_score, latency_ms,
    \`f:amount:num\`, \`f:hour_of_day:num\`, \`f:merchant:str\`)
  SELECT ${idOf('number + 100000000000')}, ts, ts, '3.2.0', 'production', if(failed, 'error', 'ok'), if(failed, 'UpstreamError', ''),
    if(failed, '', if(score >= 0.5, 'fraud', 'legit')), if(failed, nan, score), latency, amount, hour_of_day, merchant
  FROM (${fraudRows(N_FRAUD)})`)
// Outcomes: the realised default follows the true risk (not the biased score), an hour after the
// prediction; as many as leave the total at TOTAL events.
const nOutcomes = TOTAL - N_CREDIT - N_FRAUD
await run(`INSERT INTO ${store.table('outcomes')} (project, model_id, prediction_id, ts, received, model_version, label)
  SELECT 'default', '${CREDIT}', ${idOf('number')}, ts + INTERVAL 1 HOUR, ts + INTERVAL 1 HOUR, if(day < 4, '1.0.0', '1.1.0'),
    if(${u(23)} < ${sigmoid('risk - 0.4')}, '1', '0')
  FROM (${creditRows(N_CREDIT)}) WHERE cityHash64(number, 40) % 100 < 34 AND NOT failed
  LIMIT ${nOutcomes}`)
const counted = async (table) => Number((await (await store.client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })).json())[0].n)
const outcomes = await counted(store.table('outcomes'))
for (const table of [creditTable, fraudTable, store.table('outcomes')]) await run(`OPTIMIZE TABLE ${table} FINAL`)
const fillSeconds = (performance.now() - t) / 1000
log(`filled ${N_CREDIT} + ${N_FRAUD} predictions and ${outcomes} outcomes in ${fillSeconds.toFixed(1)} s`)

// The reference data set of the PSI control: 50,000 rows of day 0's distribution, other row numbers.
t = performance.now()
const referenceFile = join(dataDir, '..', 'credit-risk-train.csv')
await run(`INSERT INTO FUNCTION file('${referenceFile}', 'CSVWithNames') SELECT income, age, debt_ratio, credit_lines, employment,
    if(has_mortgage = 1, 'true', 'false') AS has_mortgage, sex, race
  FROM (${creditRows(50_000, 0, 200_000_000_000)})`, { engine_file_truncate_on_insert: 1 })
const reference = await new ReferenceDatasets(store).import({ project: 'default', modelId: CREDIT, file: referenceFile, id: REFERENCE_ID, createdBy: 'bench/dashboard' })
log(`reference ${reference.id}: ${reference.rowCount} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`)

// Every control at each midnight of the span: 7 daily windows (the first one partly filled).
t = performance.now()
const evaluator = new Evaluator({ store, policy: loaded })
const outcomeCounts = {}
const latestId = {}
const byControl = {}
let evaluations = 0
for (let at = Math.ceil(START / DAY) * DAY; at <= NOW; at += DAY) {
  for (const result of await evaluator.evaluate({ at: at + 1000 })) {
    if (result.evaluation === null) throw new Error(`${result.controlId} was claimed elsewhere: the store is not fresh`)
    const record = result.evaluation.record
    outcomeCounts[record.outcome] = (outcomeCounts[record.outcome] ?? 0) + 1
    latestId[result.controlId] = record.id
    ;(byControl[result.controlId] ??= []).push(`${record.outcome}${typeof record.value === 'number' ? ` ${record.value.toPrecision(3)}` : ''}`)
    evaluations++
  }
  log(`  evaluated at ${new Date(at).toISOString()}`)
}
const alerts = await evaluator.alerts.list({ project: 'default', limit: 10_000 })
await evaluator.stop()
const evaluateSeconds = (performance.now() - t) / 1000
for (const [id, outcomes] of Object.entries(byControl)) log(`  ${id.padEnd(18)} ${outcomes.join(', ')}`)
log(`${evaluations} evaluations (${JSON.stringify(outcomeCounts)}), ${alerts.length} alerts, in ${evaluateSeconds.toFixed(1)} s`)
await store.close()
process.stdout.write(JSON.stringify({
  now: NOW, start: START, predictions: { [CREDIT]: N_CREDIT, [FRAUD]: N_FRAUD }, outcomes, events: N_CREDIT + N_FRAUD + outcomes,
  fillSeconds, evaluateSeconds, evaluations, outcomeCounts, alerts: alerts.length, latestEvaluationId: latestId,
  fillRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
}) + '\n')
