// Micro-bench of the wrapped call with a local sink server; flush between batches.
import http from 'node:http'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createMonitor } from '@aims-monitor/sdk'
const SIZE = 20000, BATCHES = Number(process.argv[2] ?? 30)
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': req.headers['content-type'] }); res.end() }) })
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const url = `http://127.0.0.1:${server.address().port}`
const withMgr = process.env.NOCTX !== '1'
if (withMgr) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const tracer = new BasicTracerProvider().getTracer('bench')
const weights = [0.01, 0.2, -0.3, 0.05, 0.001, 0.4, -0.02, 0.1]
function score(a) { return weights[0] * a.age + weights[1] * a.income + weights[2] * a.debt + weights[3] * a.years + weights[4] * a.score + weights[5] * a.accounts + weights[6] * a.inquiries + weights[7] * a.utilization }
const applicants = Array.from({ length: 1024 }, (_, i) => ({ age: 20 + (i % 50), income: 1 + (i % 9), debt: (i % 7) / 7, years: i % 30, score: 300 + (i % 550), accounts: i % 12, inquiries: i % 5, utilization: (i % 100) / 100 }))
const features = (a) => ({ age: a.age, income: a.income, debt: a.debt, years: a.years, score: a.score, accounts: a.accounts, inquiries: a.inquiries, utilization: a.utilization })
const monitor = createMonitor({ endpoint: url, model: { id: 'm', version: '1' }, maxQueueSize: 65536 })
const variants = {
  full: monitor.wrap(score, { features, output: (s) => ({ score: s }) }),
  nofeat: monitor.wrap(score, { output: (s) => ({ score: s }) }),
  noext: monitor.wrap(score, {}),
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
let sink = 0
function timeBatch(fn) { const s = process.hrtime.bigint(); for (let i = 0; i < SIZE; i++) sink += fn(applicants[i & 1023]); return Number(process.hrtime.bigint() - s) / SIZE }
const times = { score: [] }; for (const k in variants) times[k] = []
await tracer.startActiveSpan('bench', async (span) => {
  for (let b = 0; b < BATCHES; b++) {
    for (const k in variants) { times.score.push(timeBatch(score)); times[k].push(timeBatch(variants[k])); await monitor.flush(); await new Promise((r) => setImmediate(r)) }
  }
  span.end()
})
const bare = median(times.score)
const out = { bare: +bare.toFixed(1) }
for (const k in variants) out[k] = +(median(times[k]) - bare).toFixed(1)
console.log(JSON.stringify(out), 'dropped', monitor.stats().dropped)
await monitor.shutdown(); server.close()
