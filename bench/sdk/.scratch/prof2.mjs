import http from 'node:http'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createMonitor } from '@aims-monitor/sdk'
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': req.headers['content-type'] }); res.end() }) })
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const url = `http://127.0.0.1:${server.address().port}`
if (process.env.NOCTX !== '1') context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const tracer = new BasicTracerProvider().getTracer('bench')
const weights = [0.01, 0.2, -0.3, 0.05, 0.001, 0.4, -0.02, 0.1]
function score(a) { return weights[0] * a.age + weights[1] * a.income + weights[2] * a.debt + weights[3] * a.years + weights[4] * a.score + weights[5] * a.accounts + weights[6] * a.inquiries + weights[7] * a.utilization }
const applicants = Array.from({ length: 1024 }, (_, i) => ({ age: 20 + (i % 50), income: 1 + (i % 9), debt: (i % 7) / 7, years: i % 30, score: 300 + (i % 550), accounts: i % 12, inquiries: i % 5, utilization: (i % 100) / 100 }))
const features = (a) => ({ age: a.age, income: a.income, debt: a.debt, years: a.years, score: a.score, accounts: a.accounts, inquiries: a.inquiries, utilization: a.utilization })
const monitor = createMonitor({ endpoint: url, model: { id: 'm', version: '1' }, maxQueueSize: 65536 })
const w = monitor.wrap(score, { features, output: (s) => ({ score: s }) })
let sink = 0; const ts = []; const bs = []
const B = Number(process.argv[2] ?? 60)
await tracer.startActiveSpan('bench', async (span) => {
  for (let b = 0; b < B; b++) {
    let s = process.hrtime.bigint(); for (let i = 0; i < 20000; i++) sink += score(applicants[i & 1023]); bs.push(Number(process.hrtime.bigint() - s) / 20000)
    s = process.hrtime.bigint(); for (let i = 0; i < 20000; i++) sink += w(applicants[i & 1023]); ts.push(Number(process.hrtime.bigint() - s) / 20000); await monitor.flush(); await new Promise((r) => setImmediate(r)) }
  span.end()
})
const med = (x) => [...x].sort((a,b)=>a-b)[x.length>>1]
console.log(JSON.stringify({ bare: +med(bs).toFixed(1), overhead: +(med(ts) - med(bs)).toFixed(1), min: +(Math.min(...ts) - med(bs)).toFixed(1) }))
await monitor.shutdown(); server.close()
