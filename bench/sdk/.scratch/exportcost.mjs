import { gzipSync, gzip } from 'node:zlib'
import { RecordQueue } from '../../../packages/sdk/dist/record-queue.js'
import { toLogRecord } from '../../../packages/sdk/dist/to-log-record.js'
import { PredictionIds } from '../../../packages/sdk/dist/prediction-ids.js'
import { FieldSanitizer } from '../../../packages/sdk/dist/field-sanitizer.js'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { ProtobufLogsSerializer } from '../../../node_modules/.pnpm/@opentelemetry+otlp-transformer@0.301.0_@opentelemetry+api@1.10.0/node_modules/@opentelemetry/otlp-transformer/dist/index.mjs'
const B = 8192
const q = new RecordQueue(65536), ids = new PredictionIds(), san = new FieldSanitizer([], undefined)
const resource = resourceFromAttributes({ 'service.name': 'x', 'aims.model.id': 'm', 'aims.model.version': '1' })
const fill = () => { for (let k = 0; k < B; k++) { const i = q.reserve(); q.n[i] = k + 1; q.timestampMs[i] = Date.now(); q.latencyMs[i] = 0.001; q.setFields(i, { age: 20 + k % 50, income: 1 + k % 9, debt: (k % 7) / 7, years: k % 30, score: 300 + k % 550, accounts: k % 12, inquiries: k % 5, utilization: (k % 100) / 100 }, undefined); q.setOutput(i, { score: k / B }); q.refs.traceId[i] = '2f9373c124d374db48795c86a5f6a592'; q.refs.spanId[i] = 'a98feb8a66a26b0d' } }
let tDrain = 0, tSer = 0, tGz = 0, bytes = 0, gzBytes = 0, R = 30
for (let r = 0; r < R + 5; r++) {
  fill()
  let a = (process.cpuUsage().user/1000); const batch = []; q.drain(B, (rec) => batch.push(toLogRecord(rec, ids, resource, san))); let b = (process.cpuUsage().user/1000)
  const buf = ProtobufLogsSerializer.serializeRequest(batch); let c = (process.cpuUsage().user/1000)
  const gz = gzipSync(buf); let d = (process.cpuUsage().user/1000)
  if (r >= 5) { tDrain += b - a; tSer += c - b; tGz += d - c; bytes += buf.length; gzBytes += gz.length }
}
const per = (t) => (t * 1e6 / (R * B)).toFixed(0) + ' ns/record'
console.log('drain+toLogRecord', per(tDrain), ' serialize', per(tSer), ' gzip', per(tGz), ' bytes/rec', (bytes / R / B).toFixed(0), 'gz bytes/rec', (gzBytes / R / B).toFixed(0))
