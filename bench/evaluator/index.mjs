// bench/evaluator: the whole evaluation of a 20-control policy on 10 million predictions (12
// features, 2 attributes) and 5 million outcomes in an embedded store, against the same metrics
// computed by pandas/scipy (Debian's python3-pandas, python3-scipy) on the same rows in memory.
// - Fill (fill.mjs, a process of its own): the predictions table (the store's own DDL, registered in
//   `models` by PredictionTables) and the outcomes table are written by INSERT … SELECT FROM
//   numbers() with values derived from cityHash64 (deterministic); day 1 is the reference (5M rows),
//   day 2 the current window (5M rows, drift in f0, f1, f2, f5); outcomes for the even rows.
// - Timed: only `evaluator.evaluate({ at })`; the baseline only its computations (not the load).
// - Checked: the evaluator's values against pandas/scipy's, within stated tolerances, before the figures.
// Options: --rows N (default 10,000,000), --no-baseline, --keep (leave the filled store in bench/.work for experiments), --no-final (Evaluator exactDedup: false, to
// measure what reading the predictions with FINAL costs).
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const { values: opts } = parseArgs({ options: { rows: { type: 'string', default: '10000000' }, 'no-baseline': { type: 'boolean', default: false }, 'no-final': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } })
const N = Number(opts.rows)
const PYTHON = '/usr/bin/python3' // Debian's interpreter: the pyenv python3 first on PATH has no pandas
const work = join(here, '..', '.work', 'evaluator')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
const log = (...a) => process.stderr.write(a.join(' ') + '\n')
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ')
const loadAtStart = load()

const DAY = 86_400_000
const refFrom = Math.floor(Date.now() / DAY) * DAY - 3 * DAY
const curFrom = refFrom + DAY
const at = curFrom + DAY + 60_000 // just after the current day: the tumbling window evaluated is [curFrom, curFrom + 1d)

// --- the fill, in a process of its own (fill.mjs) ------------------------------------------------
const filled = spawnSync(process.execPath, [join(here, 'fill.mjs'), work, String(N), String(refFrom), opts['no-baseline'] ? 'no-baseline' : 'baseline'], {
  encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20,
})
if (filled.status !== 0) throw new Error(`fill failed (${filled.status})`)
const { fillRssMb, exportFile } = JSON.parse(filled.stdout.trim().split('\n').pop())
let baseline = null

// --- the evaluation, timed, in a process of its own --------------------------------------------
// The fill leaves its writes in the page cache, dirty: written back under the timed evaluation they
// took disk and CPU from it. `sync` first, as a store that was not just bulk-loaded would be.
const dirtyMb = () => Number(/Dirty:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024
const dirtyAfterFillMb = dirtyMb()
spawnSync('sync', { stdio: 'inherit' })
log(`after the fill: ${dirtyAfterFillMb.toFixed(0)} MB dirty in the page cache, ${dirtyMb().toFixed(0)} MB after sync`)
// So that its peak RSS is the evaluator's (what `aims up` would hold), not the fill's: maxRSS is a
// per-process high-water mark and the fill (10M rows through chDB) is not what is measured.
const loadBeforeEval = load()
const child = spawnSync(process.execPath, [join(here, 'evaluate.mjs'), join(work, 'store'), String(at), opts['no-final'] ? 'no-final' : 'final'], {
  encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 << 20,
})
if (child.status !== 0) throw new Error(`evaluation failed (${child.status})`)
const evaluated = JSON.parse(child.stdout.trim().split('\n').pop())
for (const id of ["fairness.sex", "fairness.race", "performance.accuracy"]) log(id, JSON.stringify(evaluated.records[id].samples), evaluated.records[id].reason)
const { seconds, peakRssMb, records } = evaluated
const perControl = Object.fromEntries(Object.entries(records).map(([id, r]) => [id, { outcome: r.outcome, value: r.value, ms: Math.round(r.durationMs) }]))
log(`evaluate(): ${seconds.toFixed(2)} s, evaluator process peak RSS ${peakRssMb.toFixed(0)} MB (fill process ${fillRssMb.toFixed(0)} MB)`)
for (const [id, c] of Object.entries(perControl)) log(`  ${id.padEnd(30)} ${String(c.outcome).padEnd(18)} ${String(c.value).padEnd(24)} ${c.ms} ms`)

// --- pandas / scipy, in memory, in the same run ---------------------------------------------------
if (!opts['no-baseline']) {
  const run = spawnSync(PYTHON, [join(here, 'baseline.py'), exportFile], { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.status !== 0) throw new Error(`baseline failed (${run.status}): ${run.stderr}\n(apt-get install -y python3-pandas python3-scipy)`)
  baseline = JSON.parse(run.stdout.trim().split('\n').pop())
  log(`pandas ${baseline.versions.pandas} / scipy ${baseline.versions.scipy}: load ${baseline.loadSeconds.toFixed(2)} s (not timed), metrics ${baseline.seconds.toFixed(2)} s`)
  compare(records, baseline.values)
}
if (opts.keep) log(`store kept in ${join(work, 'store')} (evaluation time ${at})`)
else rmSync(work, { recursive: true, force: true })

/** Evaluator vs pandas/scipy, each with its tolerance (why in the comment). */
function compare(records, expected) {
  const rows = []
  const failures = []
  const check = (id, tolerance, why) => {
    const got = records[id].value
    const want = expected[id]
    const error = Math.abs(got - want)
    rows.push({ id, got, want, error, tolerance, why })
    if (!(error <= tolerance)) failures.push(`${id}: evaluator ${got}, pandas/scipy ${want}, |error| ${error} > ${tolerance} (${why})`)
  }
  // Exact aggregates: only summation order differs.
  for (const id of ['performance.accuracy', 'performance.precision', 'performance.recall', 'performance.f1', 'fairness.sex', 'fairness.race', 'quality.missing_rate', 'quality.out_of_range_rate', 'quality.volume']) check(id, 1e-9, 'exact counts')
  check('performance.roc_auc', 1e-9, 'U / (P·N) is exact')
  // PSI-like over the reference's 10 exact quantile bins: same edges, same counts.
  for (const id of ['drift.f0', 'drift.f3', 'drift.f5', 'drift.f7', 'drift.f8']) check(id, 1e-9, 'same quantile edges and counts')
  // KS D from 4096-bin histograms: bracketed, error ≤ the bracket width (≈1e-3 on 5M normals).
  for (const id of ['drift.f1', 'drift.f4']) check(id, 2e-3, 'KS D from a 4096-bin histogram')
  // Normed Wasserstein from 4096-bin histograms: within the bracket (relative to the std).
  for (const id of ['drift.f2', 'drift.f6']) check(id, 2e-3, 'Wasserstein from a 4096-bin histogram')
  for (const r of rows) log(`  check ${r.id.padEnd(30)} evaluator ${r.got}  pandas/scipy ${r.want}  |err| ${r.error.toExponential(2)} ≤ ${r.tolerance} (${r.why})`)
  if (failures.length) throw new Error(`evaluator and pandas/scipy disagree:\n${failures.join('\n')}`)
  log(`  drift.f9 (KS p-value): evaluator ${records['drift.f9'].value} (the largest p the histogram allows), scipy ${expected['drift.f9']}`)
}

const round = (v) => Number(v.toFixed(3))
const summary = {
  name: 'evaluator',
  seconds: round(seconds),
  baselineSeconds: baseline ? round(baseline.seconds) : null,
  ratio: baseline ? round(seconds / baseline.seconds) : null,
  peakRssMb: Math.round(peakRssMb),
  fillProcessRssMb: Math.round(fillRssMb),
  exactDedup: !opts['no-final'],
  rows: N, outcomes: Math.ceil(N / 2), controls: Object.keys(records).length,
  perControlMs: Object.fromEntries(Object.entries(perControl).map(([id, c]) => [id, c.ms])),
  baselinePerMetric: baseline ? baseline.perMetric : null,
  loadAverage: { start: loadAtStart, beforeEvaluate: loadBeforeEval, end: load() },
  machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}${baseline ? `, pandas ${baseline.versions.pandas}, scipy ${baseline.versions.scipy}, numpy ${baseline.versions.numpy}` : ''}`,
}
process.stdout.write(JSON.stringify(summary) + '\n')
