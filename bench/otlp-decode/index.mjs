// bench/otlp-decode: CPU per log record of reading an OTLP/HTTP protobuf logs request as the
// collector's ingest workers do, on a request the AIMS SDK writes (8,192 predictions of a credit
// model on UCI Adult rows: 6 numeric and 6 categorical features, 2 attributes, label, score,
// latency, inside a span), in one run:
// - baseline: protobufjs decoding the request by reflection (`Type.decode`, what the collector did
//   before: its message objects were then converted to the OTLP model);
// - general: the collector's decoder into the OTLP model, then the mapping and validation
//   (decodeProtobufLogsRequest + processLogsRequest), the path of any request;
// - fast: the fast path, bytes to wire events, then validation (fastProtobufEvents +
//   validateMappedEvents), the path of requests whose records are all readable AIMS events;
// - events: the whole batch by way of wire events (processOtlpEvents: fast path, records, RowBinary
//   rows), what a worker ran for every SDK request before the direct path;
// - direct: processOtlpBatch as a worker runs it now, rows written straight from the bytes
//   (protobuf-row-transcoder.ts), which must write the same bytes as the events path.
// The fast and general paths must accept the same events. Medians of CPU time over rounds.
// Options: --rounds N (default 15).
import { createServer } from 'node:http'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { isDeepStrictEqual } from 'node:util'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createMonitor } from '@aims-monitor/sdk'
import { seededRandom } from '@aims-monitor/metrics'
import { decodeProtobufLogsRequest } from '../../collector/dist/ingest/otlp/decode-protobuf.js'
import { otlpProtoTypes } from '../../collector/dist/ingest/otlp/otlp-proto-root.js'
import { processLogsRequest, validateMappedEvents } from '../../collector/dist/ingest/otlp/process-logs-request.js'
import { fastProtobufEvents } from '../../collector/dist/ingest/otlp/protobuf-fast-events.js'
import { processOtlpBatch, processOtlpEvents } from '../../collector/dist/ingest/otlp-batch.js'
import { BatchEncoder } from '../../collector/dist/ingest/batch-encoder.js'
import { loadAdultRows, predictionFor } from '../ingest/workload.mjs'

const { values: opts } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } })
const ROUNDS = Number(opts.rounds)
const RECORDS = 8192
const log = (...args) => process.stderr.write(args.join(' ') + '\n')

// --- the request, written by the SDK to a receiver that keeps the bodies ------------------------
const bodies = []
const receiver = createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    bodies.push(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body)
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
  })
})
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve))
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const tracer = new BasicTracerProvider().getTracer('bench')
const monitor = createMonitor({ endpoint: `http://127.0.0.1:${receiver.address().port}`, apiKey: 'bench', model: { id: 'credit-risk', version: '1.0.0' }, maxBatchSize: RECORDS })
const rows = loadAdultRows()
const random = seededRandom(5)
// More calls than one request holds: the SDK's first export is a small probe, the next ones full.
const inputs = Array.from({ length: 3 * RECORDS }, (_, i) => predictionFor(rows, i, Date.now(), random))
const score = monitor.wrap((p) => p.output.score, { features: (p) => p.features, attributes: (p) => p.attributes, output: (s) => ({ score: s, label: s > 0.5 ? 'approve' : 'deny' }) })
tracer.startActiveSpan('bench', (span) => {
  for (const p of inputs) score(p)
  span.end()
})
await monitor.shutdown()
receiver.close()
const body = bodies.sort((a, b) => b.length - a.length)[0]
const type = otlpProtoTypes().exportLogsServiceRequest

// --- the same events both ways --------------------------------------------------------------------
const general = () => processLogsRequest(decodeProtobufLogsRequest(body))
const fast = () => {
  const events = fastProtobufEvents(body)
  if (events === null) throw new Error('the fast path handed the SDK request over')
  return validateMappedEvents(events.total, events.events, events.originOf)
}
const reference = general()
if (reference.accepted.length !== RECORDS || reference.rejected.length !== 0) throw new Error(`the SDK request has ${reference.accepted.length} valid records, expected ${RECORDS}`)
if (!isDeepStrictEqual(JSON.parse(JSON.stringify(fast())), JSON.parse(JSON.stringify(reference)))) throw new Error('the fast path read the request differently')

// --- timing: CPU of this process per record, median of rounds (after a warm-up) ---------------------
function microsPerRecord(run) {
  for (let i = 0; i < 3; i++) run()
  const samples = []
  for (let r = 0; r < ROUNDS; r++) {
    const before = process.cpuUsage()
    run()
    const used = process.cpuUsage(before)
    samples.push((used.user + used.system) / RECORDS)
  }
  samples.sort((a, b) => a - b)
  return Number(samples[samples.length >> 1].toFixed(2))
}
// The direct path needs the model's layout, which its first request (by the events path) makes.
const encoder = new BatchEncoder(1000)
const eventsResult = processOtlpEvents(body, 'protobuf', 'default', encoder, 0)
const directResult = processOtlpBatch(body, 'protobuf', 'default', encoder, 0)
if (directResult.path !== 'direct') throw new Error(`processOtlpBatch took the ${directResult.path} path, not the direct one`)
if (Buffer.compare(Buffer.from(directResult.chunks[0].bytes), Buffer.from(eventsResult.chunks[0].bytes)) !== 0) throw new Error('the direct path wrote other rows than the events path')
const figures = {
  protobufjsDecodeMicros: microsPerRecord(() => type.decode(body)),
  generalMicros: microsPerRecord(general),
  fastMicros: microsPerRecord(fast),
  eventsBatchMicros: microsPerRecord(() => {
    const result = processOtlpEvents(body, 'protobuf', 'default', encoder, Date.now())
    if (!result.ok || result.path !== 'fast') throw new Error('processOtlpEvents did not take the fast path')
  }),
  directBatchMicros: microsPerRecord(() => {
    const result = processOtlpBatch(body, 'protobuf', 'default', encoder, Date.now())
    if (!result.ok || result.path !== 'direct') throw new Error('processOtlpBatch did not take the direct path')
  }),
}
log(
  `request: ${RECORDS} records, ${body.length} bytes; µs of CPU per record: protobufjs decode ${figures.protobufjsDecodeMicros}, general ${figures.generalMicros}, ` +
    `fast ${figures.fastMicros}; whole batch by events ${figures.eventsBatchMicros}, direct ${figures.directBatchMicros}`,
)
process.stdout.write(JSON.stringify({
  name: 'otlp-decode', records: RECORDS, bytes: body.length, ...figures,
  speedupOverProtobufjs: Number((figures.protobufjsDecodeMicros / figures.fastMicros).toFixed(2)),
  speedupOverGeneral: Number((figures.generalMicros / figures.fastMicros).toFixed(2)),
  directSpeedupOverEvents: Number((figures.eventsBatchMicros / figures.directBatchMicros).toFixed(2)),
  loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  machine: `${os.cpus().length}x ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}, node ${process.version}`,
}) + '\n')
