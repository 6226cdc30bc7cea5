// bench/sdk: what wrapping a model call costs the caller, against what OpenTelemetry's own
// logger.emit costs with the same attributes through a BatchLogRecordProcessor, in one run; then
// 100,000 calls per second for a few seconds against a running collector, counting drops.
// Last line: {"name":"sdk","wrappedOverheadNs","otelEmitNs","ratio",…}
// Options: --batches N (default 60), --batch-size N (default 20000), --paced-seconds N (default 3).
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
import { createMonitor } from '@aims-monitor/sdk'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const { values: opts } = parseArgs({
  options: {
    batches: { type: 'string', default: '60' },
    'batch-size': { type: 'string', default: '20000' },
    'paced-seconds': { type: 'string', default: '3' },
  },
})
const BATCHES = Number(opts.batches)
const SIZE = Number(opts['batch-size'])
const log = (...a) => process.stderr.write(a.join(' ') + '\n')
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

// A real collector, so exports really happen while the calls are timed.
const KEY = 'bench-sdk-key-0123456789'
const dataDir = join(root, 'bench', '.work', 'sdk')
rmSync(dataDir, { recursive: true, force: true })
const collector = spawn(process.execPath, [join(root, 'packages/cli/dist/main.js'), 'up', '--port', '0', '--data', dataDir], {
  env: { ...process.env, AIMS_INIT_API_KEY: KEY, AIMS_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
})
const url = await new Promise((resolve, reject) => {
  let out = ''
  collector.stdout.on('data', (c) => {
    out += c
    const m = /listening on (http:\/\/\S+)/.exec(out)
    if (m) resolve(m[1])
  })
  collector.once('exit', (code) => reject(new Error(`collector exited with ${code}`)))
})

// Trace context: a real tracer and context manager, every call inside an active span.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const tracer = new BasicTracerProvider().getTracer('bench')

// The "model": a small linear score, so the bare call is not optimised away.
const weights = [0.01, 0.2, -0.3, 0.05, 0.001, 0.4, -0.02, 0.1]
function score(a) {
  return weights[0] * a.age + weights[1] * a.income + weights[2] * a.debt + weights[3] * a.years + weights[4] * a.score + weights[5] * a.accounts + weights[6] * a.inquiries + weights[7] * a.utilization
}
const applicants = Array.from({ length: 1024 }, (_, i) => ({
  age: 20 + (i % 50), income: 1 + (i % 9), debt: (i % 7) / 7, years: i % 30, score: 300 + (i % 550), accounts: i % 12, inquiries: i % 5, utilization: (i % 100) / 100,
}))
const features = (a) => ({ age: a.age, income: a.income, debt: a.debt, years: a.years, score: a.score, accounts: a.accounts, inquiries: a.inquiries, utilization: a.utilization })

// Default settings; between timed batches the queue is flushed (untimed), so no call is dropped.
const monitor = createMonitor({ endpoint: url, apiKey: KEY, model: { id: 'bench-sdk', version: '1.0.0' } })
const wrapped = monitor.wrap(score, { features, output: (s) => ({ score: s }) })

// OpenTelemetry's own path, same attributes, exporting to nowhere (its cost is what we compare).
const discard = { export: (_records, done) => done({ code: 0 }), shutdown: async () => undefined, forceFlush: async () => undefined }
const loggerProvider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: discard, maxQueueSize: 1_000_000, maxExportBatchSize: 4096 })] })
const otelLogger = loggerProvider.getLogger('bench')
function emitted(a) {
  const s = score(a)
  otelLogger.emit({
    eventName: 'aims.prediction',
    attributes: {
      'aims.feature.age': a.age, 'aims.feature.income': a.income, 'aims.feature.debt': a.debt, 'aims.feature.years': a.years,
      'aims.feature.score': a.score, 'aims.feature.accounts': a.accounts, 'aims.feature.inquiries': a.inquiries, 'aims.feature.utilization': a.utilization,
      'aims.output.score': s,
    },
  })
  return s
}

let sink = 0
function timeBatch(fn) {
  const started = process.hrtime.bigint()
  for (let i = 0; i < SIZE; i++) sink += fn(applicants[i & 1023])
  return Number(process.hrtime.bigint() - started) / SIZE
}
const bare = []
const wrappedTimes = []
const otel = []
await tracer.startActiveSpan('bench', async (span) => {
  // Bare and wrapped batches alternate; OpenTelemetry's batches run afterwards, since the records
  // its processor keeps alive would otherwise burden the collections during our batches too.
  for (let b = 0; b < BATCHES; b++) {
    bare.push(timeBatch(score))
    wrappedTimes.push(timeBatch(wrapped))
    await monitor.flush() // the exporters run between batches, off the timed loop
    await new Promise((r) => setImmediate(r))
  }
  for (let b = 0; b < BATCHES; b++) {
    bare.push(timeBatch(score))
    otel.push(timeBatch(emitted))
    await loggerProvider.forceFlush()
  }
  span.end()
})
const bareNs = median(bare)
const wrappedOverheadNs = median(wrappedTimes) - bareNs
const otelEmitNs = median(otel) - bareNs
log(`bare call ${bareNs.toFixed(1)} ns; wrapped +${wrappedOverheadNs.toFixed(1)} ns; OpenTelemetry logger.emit +${otelEmitNs.toFixed(1)} ns`)
if (monitor.stats().dropped > 0) throw new Error(`${monitor.stats().dropped} calls were dropped while timed: the figure would be wrong`)
await monitor.flush()

// 100,000 calls per second, paced in 1 ms slices, against the collector: nothing may be dropped.
const pacedSeconds = Number(opts['paced-seconds'])
const paced = createMonitor({ endpoint: url, apiKey: KEY, model: { id: 'bench-sdk-paced', version: '1.0.0' } })
const pacedCall = paced.wrap(score, { features, output: (s) => ({ score: s }) })
const startedAt = performance.now()
let calls = 0
while (performance.now() - startedAt < pacedSeconds * 1000) {
  const due = Math.floor(((performance.now() - startedAt) / 1000) * 100_000)
  while (calls < due) sink += pacedCall(applicants[calls++ & 1023])
  await new Promise((r) => setTimeout(r, 1))
}
await paced.shutdown()
const pacedStats = paced.stats()
const models = await (await fetch(`${url}/v1/models?wait=30000`, { headers: { authorization: `Bearer ${KEY}` } })).json()
const stored = models.models.find((m) => m.id === 'bench-sdk-paced')?.predictionCount ?? 0
log(`paced: ${calls} calls in ${pacedSeconds} s; recorded ${pacedStats.recorded}, dropped ${pacedStats.dropped}, exported ${pacedStats.exported}, failed ${pacedStats.failed}; stored ${stored}`)
await monitor.shutdown()
await loggerProvider.shutdown()
collector.kill('SIGTERM')
await new Promise((r) => collector.once('exit', r))
rmSync(dataDir, { recursive: true, force: true })
if (sink === 42) log('') // keep the results alive
process.stdout.write(JSON.stringify({
  name: 'sdk',
  wrappedOverheadNs: Number(wrappedOverheadNs.toFixed(1)),
  otelEmitNs: Number(otelEmitNs.toFixed(1)),
  ratio: Number((wrappedOverheadNs / otelEmitNs).toFixed(3)),
  bareCallNs: Number(bareNs.toFixed(1)),
  pacedCallsPerSecond: Math.round(calls / pacedSeconds),
  pacedDropped: pacedStats.dropped,
  pacedFailed: pacedStats.failed,
  pacedStored: stored,
  pacedCalls: calls,
  machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
}) + '\n')
