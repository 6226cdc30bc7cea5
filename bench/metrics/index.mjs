// bench/metrics: KS, PSI over 20 bins, Wasserstein and a fairness report on the same 10 million
// generated rows, three ways in one run:
//   - this package in TypeScript, data in memory (typed arrays);
//   - scipy/numpy (Debian's python3-scipy, run with /usr/bin/python3), data in memory;
//   - pushed down: the rows in an embedded ClickHouse store, the inputs of the metrics computed by the
//     SQL builders, the metrics finished in TypeScript from the aggregates.
// KS, PSI and Wasserstein compare two samples of 5M each (the first and last halves of the 10M
// values); the fairness report covers all 10M rows (selection rate, TPR, FPR per group). Each path is
// timed on its computations only (generation, file reading and loading the store are not counted).
// The three paths must agree, or the run fails: a benchmark that computed something else is no benchmark.
// Options: --rows N (default 10,000,000), --bins N (default 20), --no-clickhouse, --no-scipy,
// --forms (also measure the two SQL forms of bin counts, see bin-forms.mjs).
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { binCounts, fairnessMetrics, ksTest, psiFromBins, quantileEdges, wassersteinDistance } from '@aims-monitor/metrics'
import { generate, writeRows } from './workload.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    bins: { type: 'string', default: '20' },
    'no-clickhouse': { type: 'boolean', default: false },
    'no-scipy': { type: 'boolean', default: false },
    forms: { type: 'boolean', default: false },
  },
})
const N = Number(opts.rows)
const BINS = Number(opts.bins)
const PYTHON = '/usr/bin/python3' // Debian's interpreter: the pyenv python3 first on PATH has no scipy
const work = join(root, 'bench', '.work', 'metrics')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
const log = (...a) => process.stderr.write(a.join(' ') + '\n')
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ')
const loadAtStart = load()

// --- the data, once ---------------------------------------------------------------------------
let t = performance.now()
const data = generate(N)
const file = join(work, 'rows.bin')
writeRows(file, data)
log(`generated ${N} rows in ${((performance.now() - t) / 1000).toFixed(1)} s (${file})`)
const ref = data.x.subarray(0, data.half)
const cur = data.x.subarray(data.half)

// --- TypeScript, in memory --------------------------------------------------------------------
const tsSeconds = {}
function timed(label, fn) {
  const started = performance.now()
  const value = fn()
  tsSeconds[label] = (performance.now() - started) / 1000
  return value
}
const ts = {}
ts.ks = timed('ks', () => ksTest(ref, cur))
ts.psi = timed('psi', () => {
  const edges = quantileEdges(ref, BINS) // open outer edges, numpy's linear quantiles
  return { edges, value: psiFromBins(binCounts(ref, edges).counts, binCounts(cur, edges).counts) }
})
ts.wasserstein = timed('wasserstein', () => wassersteinDistance(ref, cur))
ts.fairness = timed('fairness', () => fairnessMetrics({ yTrue: data.actual, yPred: data.pred, sensitive: data.grp, positiveLabel: 1 }))
const tsTotal = Object.values(tsSeconds).reduce((a, b) => a + b, 0)
log(`typescript: ${fmt(tsSeconds)} total ${tsTotal.toFixed(2)} s`)

// --- scipy/numpy, in memory, in the same run --------------------------------------------------
let scipy
if (!opts['no-scipy']) {
  const run = spawnSync(PYTHON, [join(here, 'scipy_path.py'), file, String(N), String(BINS)], { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.status !== 0) throw new Error(`scipy path failed (${run.status}): ${run.stderr}\n(install Debian's python3-scipy python3-numpy)`)
  scipy = JSON.parse(run.stdout.trim().split('\n').pop())
  log(`scipy ${scipy.versions.scipy} / numpy ${scipy.versions.numpy}: ${fmt(scipy.seconds)} total ${scipy.total.toFixed(2)} s`)
  check('KS statistic equals scipy', ts.ks.statistic === scipy.ks.statistic, ts.ks.statistic, scipy.ks.statistic)
  check('KS p-value equals scipy to 1e-6 relative', relative(ts.ks.pValue, scipy.ks.pValue) <= 1e-6, ts.ks.pValue, scipy.ks.pValue)
  check('PSI edges equal numpy', ts.psi.edges.slice(1, -1).every((e, i) => relative(e, scipy.edges[i]) <= 1e-12), ts.psi.edges.length - 2, scipy.edges.length)
  check('PSI equals numpy to 1e-9 relative', relative(ts.psi.value, scipy.psi) <= 1e-9, ts.psi.value, scipy.psi)
  check('Wasserstein equals scipy to 1e-9 relative', relative(ts.wasserstein, scipy.wasserstein) <= 1e-9, ts.wasserstein, scipy.wasserstein)
  for (const [group, expected] of Object.entries(scipy.fairness)) {
    const got = ts.fairness.byGroup[group]
    for (const rate of ['selectionRate', 'tpr', 'fpr']) check(`fairness ${group}.${rate} equals numpy`, relative(got[rate], expected[rate]) <= 1e-12, got[rate], expected[rate])
  }
}

// --- pushed down to ClickHouse, in a process of its own (one chDB per process) ------------------
let clickhouse
if (!opts['no-clickhouse']) {
  // Filled by one process, measured by the next (the filling engine gone): see clickhouse-path.mjs.
  const args = [file, String(N), join(work, 'store'), JSON.stringify(ts.psi.edges.slice(1, -1)), ...(opts.forms ? ['--forms'] : [])]
  const filled = spawnSync(process.execPath, [join(here, 'clickhouse-path.mjs'), 'fill', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  if (filled.status !== 0) throw new Error(`clickhouse fill failed (${filled.status})`)
  const run = spawnSync(process.execPath, [join(here, 'clickhouse-path.mjs'), 'measure', ...args], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20,
  })
  if (run.status !== 0) throw new Error(`clickhouse path failed (${run.status})`)
  clickhouse = JSON.parse(run.stdout.trim().split('\n').pop())
  log(`clickhouse: ${fmt(clickhouse.seconds)} total ${clickhouse.total.toFixed(2)} s (reference edges apart)`)
  const expectedRef = binCounts(ref, ts.psi.edges)
  const expectedCur = binCounts(cur, ts.psi.edges)
  check('bin counts equal binCounts (reference)', same(clickhouse.refBins.counts, expectedRef.counts), '', '')
  check('bin counts equal binCounts (current)', same(clickhouse.curBins.counts, expectedCur.counts), '', '')
  const chPsi = psiFromBins(clickhouse.refBins.counts, clickhouse.curBins.counts)
  check('PSI from ClickHouse counts equals the TypeScript PSI', Math.abs(chPsi - ts.psi.value) <= 1e-12, chPsi, ts.psi.value)
  const { ks, wasserstein } = clickhouse
  check('exact KS statistic within the histogram bracket', ks.lower <= ts.ks.statistic && ts.ks.statistic <= ks.upper, ts.ks.statistic, `[${ks.lower}, ${ks.upper}]`)
  check('exact Wasserstein within the histogram bracket', wasserstein.lower <= ts.wasserstein && ts.wasserstein <= wasserstein.upper, ts.wasserstein, `[${wasserstein.lower}, ${wasserstein.upper}]`)
  for (const [group, counts] of Object.entries(ts.fairness.byGroup)) {
    const got = clickhouse.confusion[['a', 'b', 'c', 'd'][Number(group)]]
    check(`confusion of group ${group} equals the TypeScript counts`, ['tp', 'fp', 'tn', 'fn'].every((k) => got[k] === counts.counts[k]), JSON.stringify(got), JSON.stringify(counts.counts))
  }
  log(`clickhouse: KS D ${ks.value} (exact ${ts.ks.statistic}, error ≤ ${ks.maxError.toExponential(2)}); Wasserstein ${wasserstein.value} (exact ${ts.wasserstein}, error ≤ ${wasserstein.maxError.toExponential(2)}, normed error ≤ ${(wasserstein.maxError / clickhouse.refStd).toExponential(2)})`)
}
rmSync(work, { recursive: true, force: true })

function fmt(seconds) {
  return Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')
}
function relative(a, b) {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b))
}
function same(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i])
}
function check(what, ok, got, expected) {
  if (!ok) throw new Error(`${what}: got ${got}, expected ${expected}`)
}

const result = {
  name: 'metrics',
  tsSeconds: round(tsTotal),
  scipySeconds: scipy ? round(scipy.total) : null,
  ratio: scipy ? round(tsTotal / scipy.total) : null,
  clickhouseSeconds: clickhouse ? round(clickhouse.total) : null,
  rows: N,
  samples: `KS, PSI (${BINS} bins on reference quantiles), Wasserstein: reference = first ${data.half} vs current = last ${N - data.half}; fairness: all ${N} rows, 4 groups`,
  ts: roundAll(tsSeconds),
  scipy: scipy ? roundAll(scipy.seconds) : null,
  clickhouse: clickhouse ? roundAll(clickhouse.seconds) : null,
  ...(clickhouse?.binForms ? { binForms: clickhouse.binForms } : {}),
  note: 'clickhouseSeconds = PSI bin counts + summaries + fine histograms (KS, Wasserstein) + confusion by group with the outcome join (outcomes_latest, merge join); reference quantile edges (computed once per reference) and the argMax join over every outcome (with and without pre-filter) are reported apart; bench/metrics/outcome-join.mjs compares the join variants',
  loadAverage: { start: loadAtStart, end: load() },
  machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}${scipy ? `, scipy ${scipy.versions.scipy}, numpy ${scipy.versions.numpy}` : ''}`,
}
function round(v) {
  return Number(v.toFixed(3))
}
function roundAll(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]))
}
process.stdout.write(JSON.stringify(result) + '\n')
