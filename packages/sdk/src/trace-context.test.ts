/**
 * Trace context: with a real tracer (BasicTracerProvider) and the async-hooks context manager, a
 * prediction made inside an active span carries that span's trace and span ids; outside any span,
 * none. The span is the one active when the call starts, also for async calls and streams.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { context, trace, type Span } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createMonitor, type Monitor } from './index.js'
import { startOtlpJsonReceiver, type OtlpJsonReceiver } from '../../../test/support/sdk-otlp-receiver.js'

const MODEL = { id: 'credit-risk', version: '2.3.0' }
let receiver: OtlpJsonReceiver
let monitor: Monitor
let contextManager: AsyncLocalStorageContextManager
const tracer = new BasicTracerProvider().getTracer('trace-context.test')

beforeAll(async () => {
  contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  receiver = await startOtlpJsonReceiver()
  monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model: MODEL, exportIntervalMs: 60_000 })
})
afterAll(async () => {
  await monitor.shutdown()
  await receiver.close()
  context.disable()
})
beforeEach(async () => {
  await monitor.flush()
  receiver.records.length = 0
})

async function exportedById(): Promise<Map<string, { traceId?: string; spanId?: string }>> {
  await monitor.flush()
  return new Map(receiver.byEvent('aims.prediction').map((r) => [r.attributes['aims.prediction.id'] as string, { traceId: r.traceId, spanId: r.spanId }]))
}

const idsOf = (span: Span) => ({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId })

it('a sync call inside startActiveSpan carries the span ids; outside, none', async () => {
  const predict = monitor.wrapWithId((x: number) => x, { output: (value) => ({ value }) })
  const outside = predict(1).predictionId
  const { inside, span } = tracer.startActiveSpan('score', (span) => {
    const inside = predict(2).predictionId
    span.end()
    return { inside, span }
  })
  const after = predict(3).predictionId
  const exported = await exportedById()
  expect(exported.get(inside)).toEqual(idsOf(span))
  expect(idsOf(span).traceId).toMatch(/^[0-9a-f]{32}$/)
  expect(idsOf(span).spanId).toMatch(/^[0-9a-f]{16}$/)
  expect(exported.get(outside)).toEqual({ traceId: undefined, spanId: undefined })
  expect(exported.get(after)).toEqual({ traceId: undefined, spanId: undefined })
})

it('async calls and streams keep the span that was active when they started, across awaits', async () => {
  const predict = monitor.wrapWithId(
    async (x: number) => {
      await sleep(5)
      return x
    },
    { output: (value) => ({ value }) },
  )
  async function* tokens() {
    await sleep(1)
    yield 't'
  }
  const stream = monitor.wrap(tokens, { output: (items) => ({ value: items.length }) })

  const outer = await tracer.startActiveSpan('request', async (request) => {
    const first = predict(1)
    // A child span around a second call: that call carries the child, the first keeps the parent.
    const child = await tracer.startActiveSpan('model', async (model) => {
      const second = predict(2)
      await second.result
      model.end()
      return { id: second.predictionId, span: model }
    })
    for await (const _ of stream()) void _
    const streamId = monitor.lastPredictionId()!
    await first.result
    request.end()
    return { firstId: first.predictionId, child, streamId, span: request }
  })
  const exported = await exportedById()
  expect(exported.get(outer.firstId)).toEqual(idsOf(outer.span))
  expect(exported.get(outer.child.id)).toEqual(idsOf(outer.child.span))
  expect(idsOf(outer.child.span).traceId).toBe(idsOf(outer.span).traceId)
  expect(idsOf(outer.child.span).spanId).not.toBe(idsOf(outer.span).spanId)
  expect(exported.get(outer.streamId)).toEqual(idsOf(outer.span))
})

it('logPrediction inside a span carries it too; logOutcome never does', async () => {
  const { id, span } = tracer.startActiveSpan('manual', (span) => {
    const id = monitor.logPrediction({ output: { label: 'approve' } })
    monitor.logOutcome(id, 'repaid')
    span.end()
    return { id, span }
  })
  const exported = await exportedById()
  expect(exported.get(id)).toEqual(idsOf(span))
  const [outcome] = receiver.byEvent('aims.outcome')
  expect(outcome!.traceId).toBeUndefined()
})

it('a non-recording span context (propagated from upstream) is carried as well', async () => {
  const upstream = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true }
  const predict = monitor.wrapWithId((x: number) => x, { output: (value) => ({ value }) })
  const { predictionId } = context.with(trace.setSpanContext(context.active(), upstream), () => predict(1))
  const exported = await exportedById()
  expect(exported.get(predictionId)).toEqual({ traceId: upstream.traceId, spanId: upstream.spanId })
})
