// bench/evaluator, the fill: writes the bench's rows into a fresh embedded store (the store's own
// DDL), settles its tables and, unless --no-baseline, exports the rows for pandas/scipy; then exits.
// A process of its own, so that nothing of this engine (its background threads, its memory) is still
// running when the timed evaluation starts in another process (measured: the evaluation spawned
// from the filling process took 4.6–6.2 s and peaked at 1.5–1.95 GB; see BENCHMARKS.md).
// Usage: fill.mjs WORK_DIR ROWS REF_FROM_MS [no-baseline]; prints one JSON line.
import { join } from 'node:path'
import {
  PredictionTables, attributeColumn, featureColumn, numericFeatureRollupName, openStore, rollupTableName, storeConfigFromEnv, stringFeatureRollupName,
} from '@aims-monitor/store'
import { MODEL } from './policy.mjs'

const [work, rowsText, refFromText, baselineText] = process.argv.slice(2)
const N = Number(rowsText)
const HALF = Math.floor(N / 2)
const DAY = 86_400_000
const refFrom = Number(refFromText)
const curFrom = refFrom + DAY
const noBaseline = baselineText === 'no-baseline'
const log = (...a) => process.stderr.write(a.join(' ') + '\n')

const store = await openStore(storeConfigFromEnv({}, { dataDir: join(work, 'store') }))
const FEATURES = Array.from({ length: 12 }, (_, i) => `f${i}`)
const predictionsTable = await new PredictionTables(store).ensure('default', MODEL, [
  ...FEATURES.map((f) => featureColumn(f, 'num')), attributeColumn('sex'), attributeColumn('race'),
])
const table = store.table(predictionsTable)

// Deterministic uniforms in (0, 1) and normals from the row number and a stream k.
const u = (k) => `((cityHash64(number, ${k}) % 9007199254740992) + 0.5) / 9007199254740992`
const normal = (k) => `(sqrt(-2 * log(${u(k)})) * cos(2 * pi() * ${u(k + 100)}))`
const idOf = (n) => `toUUID(concat('00000000-0000-4000-8000-', leftPad(lower(hex(${n})), 12, '0')))`
let t = performance.now()
await store.client.command({
  query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, output_score,
      ${FEATURES.map((f) => `\`f:${f}:num\``).join(', ')}, \`a:sex\`, \`a:race\`)
    SELECT ${idOf('number')}, ts, ts, '1', 'production', 'ok', if(score > 0.5, '1', '0'), score, ${FEATURES.join(', ')}, sex, race
    FROM (
      SELECT number, number >= {half:UInt64} AS cur,
        fromUnixTimestamp64Milli(toInt64(if(cur, {curFrom:Int64}, {refFrom:Int64}) + intDiv((number % {half:UInt64}) * 86400000, {half:UInt64}))) AS ts,
        ${normal(0)} + if(cur, 0.3, 0) AS f0,
        ${normal(1)} * if(cur, 1.3, 1) AS f1,
        ${normal(2)} + if(cur, 0.03, 0) AS f2,
        exp(${normal(3)}) AS f3,
        ${u(4)} * 100 + if(cur, 0.5, 0) AS f4,
        round(${normal(5)} * 10 + if(cur, 3, 0)) AS f5,
        ${normal(6)} AS f6, ${normal(7)} AS f7, ${normal(8)} AS f8, ${normal(9)} AS f9, ${normal(10)} AS f10,
        if(${u(11)} < if(cur, 0.03, 0.01), nan, ${normal(11)}) AS f11,
        if(${u(20)} < 0.6, 'm', 'f') AS sex,
        multiIf(${u(21)} < 0.5, 'a', ${u(21)} < 0.8, 'b', ${u(21)} < 0.95, 'c', 'd') AS race,
        1 / (1 + exp(-(0.8 * f0 + 0.6 * f6 + 0.5 * ${normal(22)} + if(sex = 'f', -0.3, 0)))) AS score
      FROM numbers({n:UInt64}))`,
  query_params: { n: N, half: HALF, refFrom, curFrom },
})
// Outcomes for the even rows: the label follows f0 and f6 (so the model is informative), with noise.
await store.client.command({
  query: `INSERT INTO ${store.table('outcomes')} (project, model_id, prediction_id, ts, received, model_version, label)
    SELECT 'default', {model:String}, ${idOf('number')}, ts, ts, '1',
      if(${u(23)} < 1 / (1 + exp(-(0.9 * f0 + 0.5 * f6 - 0.2))), '1', '0')
    FROM (SELECT number, fromUnixTimestamp64Milli(toInt64(if(number >= {half:UInt64}, {curFrom:Int64}, {refFrom:Int64}) + intDiv((number % {half:UInt64}) * 86400000, {half:UInt64})) + 3600000) AS ts,
            ${normal(0)} + if(number >= {half:UInt64}, 0.3, 0) AS f0, ${normal(6)} AS f6
          FROM numbers({n:UInt64}) WHERE number % 2 = 0)`,
  query_params: { n: N, half: HALF, refFrom, curFrom, model: MODEL },
})
// Settle the parts so that background merges do not run under the timed evaluation.
await store.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` })
await store.client.command({ query: `OPTIMIZE TABLE ${store.table('outcomes')} FINAL` })
// Settled as a store is a day after these rows arrived (the windows evaluated are one and two days
// old; the engine merges parts within minutes): the predictions and outcomes tables and those their
// views fill (outcomes_latest, the rollups). Else their parts merge during the timed evaluation, in
// its time and its memory (measured: peak RSS 1953 MB against ~680 MB settled).
for (const name of [predictionsTable, 'outcomes', 'outcomes_latest', rollupTableName(predictionsTable), numericFeatureRollupName(predictionsTable), stringFeatureRollupName(predictionsTable)]) {
  await store.client.command({ query: `OPTIMIZE TABLE ${store.table(name)} FINAL` })
}
log(`filled ${N} predictions and ${Math.ceil(N / 2)} outcomes in ${((performance.now() - t) / 1000).toFixed(1)} s`)

// The same rows for the baseline, as one fixed-width binary file numpy reads with np.fromfile.
const exportFile = join(work, 'rows.bin')
if (!noBaseline) {
  t = performance.now()
  await store.client.command({
    query: `INSERT INTO FUNCTION file({file:String}, 'RowBinary', 'cur UInt8, ${FEATURES.map((f) => `${f} Float64`).join(', ')}, sex UInt8, race UInt8, score Float64, pred UInt8, labelled UInt8, actual UInt8')
      SELECT p.ts >= fromUnixTimestamp64Milli({curFrom:Int64}), ${FEATURES.map((f) => `p.\`f:${f}:num\``).join(', ')},
        p.\`a:sex\` = 'f', toUInt8(indexOf(['a', 'b', 'c', 'd'], toString(p.\`a:race\`)) - 1), p.output_score, p.output_label = '1', o.matched, o.label = '1'
      FROM ${table} AS p LEFT JOIN (SELECT prediction_id, label, toUInt8(1) AS matched FROM ${store.table('outcomes')}) AS o ON o.prediction_id = p.id
      ORDER BY p.ts`,
    query_params: { file: exportFile, curFrom },
  })
  log(`exported the rows for the baseline in ${((performance.now() - t) / 1000).toFixed(1)} s`)
}

const fillRssMb = process.resourceUsage().maxRSS / 1024
await store.close()
process.stdout.write(JSON.stringify({ fillRssMb, exportFile: noBaseline ? null : exportFile }) + '\n')
process.exit(0) // the engine's threads are not waited for: this process's work is done
