// bench/sdk: what wrapping a model call costs the caller, against what OpenTelemetry's own
// logger.emit costs with the same attributes through a BatchLogRecordProcessor, in one run; then
// 100,000 calls per second for ten seconds (long enough that the SDK's queue, 65,536 records, cannot
// hide a pipeline slower than the calls), first against a receiver that answers at once (what the
// SDK's export path sustains by itself), then against a running collector on the same machine (what
// the whole pipeline sustains), counting drops and the CPU per record of each process.
// Last line: {"name":"sdk","wrappedOverheadNs","otelEmitNs","ratio",…}
// Options: --batches N (default 60), --batch-size N (default 20000), --paced-seconds N (default 10),
// --collector-node-args "…" (Node options for the collector, e.g. --heap-growing-percent=0 for V8's own factor).
import { startCollector } from '../support/start-collector.mjs'
import { readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
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
    'paced-seconds': { type: 'string', default: '10' },
    'collector-node-args': { type: 'string', default: '' },
  },
})
const BATCHES = Number(opts.batches)
const SIZE = Number(opts['batch-size'])
const PACED_SECONDS = Number(opts['paced-seconds'])
const log = (...a) => process.stderr.write(a.join(' ') + '\n')
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const loadAverage = () => os.loadavg().map((l) => Number(l.toFixed(2)))
const loadAtStart = loadAverage()

// A receiver that takes any OTLP request and answers at once: the timed calls' exports go here
// (between batches), so the figures are the SDK's alone, not the collector's background work.
const sink = createServer((req, res) => {
  req.resume()
  req.on('end', () => res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end())
})
await new Promise((r) => sink.listen(0, '127.0.0.1', r))
const sinkUrl = `http://127.0.0.1:${sink.address().port}`

// A real collector for the paced run.
const KEY = 'bench-sdk-key-0123456789'
const dataDir = join(root, 'bench', '.work', 'sdk')
rmSync(dataDir, { recursive: true, force: true })
const { collector, url } = await startCollector({ root, key: KEY, nodeArgs: opts['collector-node-args'].split(' ').filter(Boolean), args: ['--port', '0', '--data', dataDir] })
/** CPU seconds (user + system, all threads) of a process, from /proc (Linux: clock ticks of 1/100 s). */
function cpuSecondsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

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
const monitor = createMonitor({ endpoint: sinkUrl, model: { id: 'bench-sdk', version: '1.0.0' } })
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

// Each batch is timed twice: wall clock (what the caller waits, including time the machine gave to
// other processes) and this process's CPU time (what the calls cost, whatever else runs).
let sinkValue = 0
function timeBatch(fn, wall, cpu) {
  const cpuStart = process.cpuUsage()
  const started = process.hrtime.bigint()
  for (let i = 0; i < SIZE; i++) sinkValue += fn(applicants[i & 1023])
  wall.push(Number(process.hrtime.bigint() - started) / SIZE)
  const used = process.cpuUsage(cpuStart)
  cpu.push(((used.user + used.system) * 1000) / SIZE)
}
const bare = { wall: [], cpu: [] }
const wrappedTimes = { wall: [], cpu: [] }
const otel = { wall: [], cpu: [] }
await tracer.startActiveSpan('bench', async (span) => {
  // Bare and wrapped batches alternate; OpenTelemetry's batches run afterwards, since the records
  // its processor keeps alive would otherwise burden the collections during our batches too.
  for (let b = 0; b < BATCHES; b++) {
    timeBatch(score, bare.wall, bare.cpu)
    timeBatch(wrapped, wrappedTimes.wall, wrappedTimes.cpu)
    await monitor.flush() // the exporters run between batches, off the timed loop
    await new Promise((r) => setImmediate(r))
  }
  for (let b = 0; b < BATCHES; b++) {
    timeBatch(score, bare.wall, bare.cpu)
    timeBatch(emitted, otel.wall, otel.cpu)
    await loggerProvider.forceFlush()
  }
  span.end()
})
const bareNs = median(bare.wall)
const wrappedOverheadNs = median(wrappedTimes.wall) - bareNs
const otelEmitNs = median(otel.wall) - bareNs
const bareCpuNs = median(bare.cpu)
const wrappedOverheadCpuNs = median(wrappedTimes.cpu) - bareCpuNs
const otelEmitCpuNs = median(otel.cpu) - bareCpuNs
log(`bare call ${bareNs.toFixed(1)} ns; wrapped +${wrappedOverheadNs.toFixed(1)} ns (CPU +${wrappedOverheadCpuNs.toFixed(1)} ns); OpenTelemetry logger.emit +${otelEmitNs.toFixed(1)} ns (CPU +${otelEmitCpuNs.toFixed(1)} ns)`)
if (monitor.stats().dropped > 0) throw new Error(`${monitor.stats().dropped} calls were dropped while timed: the figure would be wrong`)
await monitor.shutdown()
await loggerProvider.shutdown()

/** 100,000 calls per second, paced in 1 ms slices, for PACED_SECONDS; then shutdown (which flushes). */
async function paced(endpoint, modelId) {
  const pacedMonitor = createMonitor({ endpoint, apiKey: KEY, model: { id: modelId, version: '1.0.0' } })
  const call = pacedMonitor.wrap(score, { features, output: (s) => ({ score: s }) })
  let calls = 0
  await tracer.startActiveSpan('paced', async (span) => {
    const startedAt = performance.now()
    while (performance.now() - startedAt < PACED_SECONDS * 1000) {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * 100_000)
      while (calls < due) sinkValue += call(applicants[calls++ & 1023])
      await new Promise((r) => setTimeout(r, 1))
    }
    span.end()
  })
  const shutdownStarted = performance.now()
  await pacedMonitor.shutdown()
  return { calls, stats: pacedMonitor.stats(), shutdownMs: performance.now() - shutdownStarted }
}

// The SDK's export path by itself: encoding, compression and HTTP at 100k calls/s.
const bySdk = await paced(sinkUrl, 'bench-sdk-sink')
log(`paced, immediate receiver: ${bySdk.calls} calls in ${PACED_SECONDS} s; dropped ${bySdk.stats.dropped}, exported ${bySdk.stats.exported}; shutdown ${bySdk.shutdownMs.toFixed(0)} ms`)

// The whole pipeline, with the collector's CPU per record while it takes them.
const collectorCpuBefore = cpuSecondsOf(collector.pid)
const sdkCpuBefore = process.cpuUsage()
const byCollector = await paced(url, 'bench-sdk-paced')
const models = await (await fetch(`${url}/v1/models?wait=60000`, { headers: { authorization: `Bearer ${KEY}` } })).json()
const stored = models.models.find((m) => m.id === 'bench-sdk-paced')?.predictionCount ?? 0
const collectorCpuUsPerRecord = ((cpuSecondsOf(collector.pid) - collectorCpuBefore) * 1e6) / Math.max(stored, 1)
// This process: the paced calls, the SDK's encoding and HTTP, and gzip on libuv's threads.
const sdkCpu = process.cpuUsage(sdkCpuBefore)
const sdkCpuUsPerRecord = (sdkCpu.user + sdkCpu.system) / Math.max(byCollector.calls, 1)
log(
  `paced, collector: ${byCollector.calls} calls in ${PACED_SECONDS} s; recorded ${byCollector.stats.recorded}, dropped ${byCollector.stats.dropped}, ` +
    `exported ${byCollector.stats.exported}, failed ${byCollector.stats.failed}; stored ${stored}; shutdown ${byCollector.shutdownMs.toFixed(0)} ms; ` +
    `collector CPU ${collectorCpuUsPerRecord.toFixed(1)} µs per stored record, SDK process ${sdkCpuUsPerRecord.toFixed(1)} µs per call`,
)
collector.kill('SIGTERM')
await new Promise((r) => collector.once('exit', r))
sink.close()
rmSync(dataDir, { recursive: true, force: true })
if (sinkValue === 42) log('') // keep the results alive
process.stdout.write(JSON.stringify({
  name: 'sdk',
  wrappedOverheadNs: Number(wrappedOverheadNs.toFixed(1)),
  otelEmitNs: Number(otelEmitNs.toFixed(1)),
  ratio: Number((wrappedOverheadNs / otelEmitNs).toFixed(3)),
  bareCallNs: Number(bareNs.toFixed(1)),
  wrappedOverheadCpuNs: Number(wrappedOverheadCpuNs.toFixed(1)),
  otelEmitCpuNs: Number(otelEmitCpuNs.toFixed(1)),
  ratioCpu: Number((wrappedOverheadCpuNs / otelEmitCpuNs).toFixed(3)),
  pacedCallsPerSecond: Math.round(byCollector.calls / PACED_SECONDS),
  pacedDropped: byCollector.stats.dropped,
  pacedFailed: byCollector.stats.failed,
  pacedStored: stored,
  pacedCalls: byCollector.calls,
  collectorCpuUsPerRecord: Number(collectorCpuUsPerRecord.toFixed(1)),
  sdkCpuUsPerRecord: Number(sdkCpuUsPerRecord.toFixed(1)),
  sinkPacedCalls: bySdk.calls,
  sinkPacedDropped: bySdk.stats.dropped,
  loadAverage: { start: loadAtStart, end: loadAverage() },
  machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
}) + '\n')
