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
function score(a) { return a.age * 0.1 + a.income }
const applicants = Array.from({ length: 1024 }, (_, i) => ({ age: 20 + (i % 50), income: 1 + (i % 9) }))
const monitor = createMonitor({ endpoint: url, model: { id: 'm', version: '1' }, maxQueueSize: 65536 })
const w = monitor.wrap(score, {})
let sink = 0; const ts = []
await tracer.startActiveSpan('bench', async (span) => {
  for (let b = 0; b < 100; b++) { const s = process.hrtime.bigint(); for (let i = 0; i < 20000; i++) sink += w(applicants[i & 1023]); ts.push(Number(process.hrtime.bigint() - s) / 20000); await monitor.flush() }
  span.end()
})
ts.sort((a,b)=>a-b); console.log('median', ts[50])
await monitor.shutdown(); server.close()
