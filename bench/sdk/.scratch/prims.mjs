import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
const N = 2_000_000
function t(name, fn) {
  let s = 0
  for (let r = 0; r < 3; r++) { const a = process.hrtime.bigint(); for (let i = 0; i < N; i++) s += fn(i); const ns = Number(process.hrtime.bigint() - a) / N; if (r === 2) console.log(name.padEnd(40), ns.toFixed(1), 'ns') }
  return s
}
t('empty', (i) => i)
t('performance.now', () => performance.now())
t('Date.now', () => Date.now())
t('process.hrtime.bigint', () => Number(process.hrtime.bigint() & 1n))
const hr = [0,0]
t('process.hrtime()', () => process.hrtime()[1])
t('context.active (no mgr)', () => context.active() ? 1 : 0)
t('getSpanContext (no mgr)', () => trace.getSpanContext(context.active()) ? 1 : 0)
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const tracer = new BasicTracerProvider().getTracer('x')
t('context.active (ALS, no span)', () => context.active() ? 1 : 0)
await tracer.startActiveSpan('s', async (span) => {
  t('context.active (ALS, span)', () => context.active() ? 1 : 0)
  t('getSpanContext (ALS, span)', () => trace.getSpanContext(context.active()) ? 1 : 0)
  t('getActiveSpan (ALS, span)', () => trace.getActiveSpan() ? 1 : 0)
  span.end()
})
