import { context, trace, isSpanContextValid } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const tracer = new BasicTracerProvider().getTracer('x')
const N = 2e6
function t(name, fn) { let s = 0; for (let r = 0; r < 3; r++) { const a = process.hrtime.bigint(); for (let i = 0; i < N; i++) s += fn(i); if (r === 2) console.log(name.padEnd(40), (Number(process.hrtime.bigint() - a) / N).toFixed(1)) } return s }
await tracer.startActiveSpan('s', async (span) => {
  const sc = span.spanContext()
  console.log(typeof sc.traceId, sc.traceId, sc.spanId)
  t('isSpanContextValid', () => isSpanContextValid(sc) ? 1 : 0)
  t('getSpanContext+valid', () => { const s = trace.getSpanContext(context.active()); return s && isSpanContextValid(s) ? 1 : 0 })
  t('getSpanContext', () => { const s = trace.getSpanContext(context.active()); return s ? 1 : 0 })
  const flat = { traceId: (' ' + sc.traceId).slice(1), spanId: (' ' + sc.spanId).slice(1) }
  t('isSpanContextValid flat copy', () => isSpanContextValid(flat) ? 1 : 0)
  span.end()
})
