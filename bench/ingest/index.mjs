// bench/ingest: prediction batches of 500 over HTTP to a running collector on the embedded store,
// against the same rows inserted straight into the store, in the same run.
//
// eventsPerSecond is sustained: events queryable in the store when sending ends, divided by the
// sending time; what still waits in the spool does not count.
// Options: --seconds N (default 30), --concurrency N (default 8), --raw-rows N (default 1,000,000).
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, mkdirSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { eventId, loadAdultRows, mulberry32, predictionFor } from './workload.mjs'
import { startCollector } from '../support/start-collector.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '8' },
    'raw-rows': { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '500' },
    // e.g. --collector-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the collector
    'collector-node-args': { type: 'string', default: '' },
  },
})
const SECONDS = Number(opts.seconds)
const CONCURRENCY = Number(opts.concurrency)
const BATCH = Number(opts['batch-size'])
const RAW_ROWS = Number(opts['raw-rows'])
const KEY = 'bench-ingest-key-0123456789'
const work = join(root, 'bench', '.work', 'ingest')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

const log = (...args) => process.stderr.write(args.join(' ') + '\n')

// --- templates: 200 distinct batches; each send patches fresh ids into a copy -------------------
const rows = loadAdultRows()
const startMs = Date.now()
const random = mulberry32(42)
const TEMPLATES = 200
const templates = []
for (let t = 0; t < TEMPLATES; t++) {
  const events = []
  for (let j = 0; j < BATCH; j++) events.push({ ...predictionFor(rows, t * BATCH + j, startMs, random), id: eventId(0) })
  const text = JSON.stringify({ events })
  const body = Buffer.from(text)
  const offsets = []
  let at = 0
  const needle = Buffer.from(`"id":"${eventId(0)}"`)
  while ((at = body.indexOf(needle, at)) !== -1) {
    offsets.push(at + 6 + 24) // the 12 hex digits at the end of the UUID
    at += needle.length
  }
  if (offsets.length !== BATCH) throw new Error('template id patching failed')
  templates.push({ body, offsets })
}
let nextId = 1
function nextBody() {
  const template = templates[(nextId / BATCH) % TEMPLATES | 0]
  const body = Buffer.from(template.body)
  for (const offset of template.offsets) body.write((nextId++).toString(16).padStart(12, '0'), offset, 'latin1')
  return body
}

// --- the collector, as a user runs it --------------------------------------------------------
const { collector, url } = await startCollector({ root, key: KEY, nodeArgs: opts['collector-node-args'].split(' ').filter(Boolean), args: ['--port', '0', '--data', join(work, 'collector')] })
log(`collector at ${url} (pid ${collector.pid})`)
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), {
      method,
      agent,
      headers: { authorization: `Bearer ${KEY}`, ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}) },
    }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

// --- sustained ingest ---------------------------------------------------------------------------
let acknowledged = 0
let refused = 0
const t0 = performance.now()
const deadline = t0 + SECONDS * 1000
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const response = await request('POST', '/v1/events', nextBody())
      if (response.status === 200) acknowledged += BATCH
      else {
        refused += BATCH
        if (response.status !== 503) throw new Error(`unexpected ${response.status}: ${response.body.slice(0, 300)}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }),
)
const sendSeconds = (performance.now() - t0) / 1000
const models = JSON.parse((await request('GET', '/v1/models?wait=0')).body)
const stored = models.models.find((m) => m.id === 'credit-risk')?.predictionCount ?? 0
const status = readFileSync(`/proc/${collector.pid}/status`, 'utf8')
const peakRssMB = Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024
// Drain what is left and check nothing acknowledged is missing (a benchmark that lost data is no benchmark).
const drained = JSON.parse((await request('GET', '/v1/models?wait=60000')).body)
const finalCount = drained.models.find((m) => m.id === 'credit-risk')?.predictionCount ?? 0
collector.kill('SIGTERM')
await new Promise((r) => collector.once('exit', r))
agent.destroy()
if (finalCount !== acknowledged) throw new Error(`store holds ${finalCount} events but ${acknowledged} were acknowledged`)
const eventsPerSecond = stored / sendSeconds
log(`collector: ${acknowledged} acknowledged (${Math.round(acknowledged / sendSeconds)}/s), ${stored} stored in ${sendSeconds.toFixed(1)} s, peak RSS ${peakRssMB.toFixed(0)} MB, ${refused} refused with 503`)

// --- the baseline: the same rows straight into the store, in a process of its own (one chDB per process)
const raw = spawnSync(process.execPath, [join(here, 'raw-store.mjs'), join(work, 'raw'), String(RAW_ROWS), String(startMs)], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
})
if (raw.status !== 0) throw new Error(`raw store run failed (${raw.status})`)
const rawResult = JSON.parse(raw.stdout.trim().split('\n').pop())
log(`raw store: ${rawResult.rows} rows in ${rawResult.seconds.toFixed(1)} s`)
rmSync(work, { recursive: true, force: true })

const result = {
  name: 'ingest',
  eventsPerSecond: Math.round(eventsPerSecond),
  rawStoreRowsPerSecond: Math.round(rawResult.rowsPerSecond),
  ratio: Number((eventsPerSecond / rawResult.rowsPerSecond).toFixed(3)),
  acknowledgedPerSecond: Math.round(acknowledged / sendSeconds),
  collectorPeakRssMB: Math.round(peakRssMB),
  batchSize: BATCH,
  concurrency: CONCURRENCY,
  seconds: Number(sendSeconds.toFixed(1)),
  machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
}
process.stdout.write(JSON.stringify(result) + '\n')
