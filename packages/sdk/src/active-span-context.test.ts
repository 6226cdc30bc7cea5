/**
 * ActiveSpanContext caches the span context of the last active Context: it must still answer what
 * `trace.getSpanContext(context.active())` plus `isSpanContextValid` answer, whenever the active
 * context changes (nested spans, context.with, alternating requests, no context manager).
 */
import { afterEach, expect, it } from 'vitest'
import { ROOT_CONTEXT, context, isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { ActiveSpanContext, isValidSpanIds } from './trace-context.js'

const tracer = new BasicTracerProvider().getTracer('active-span-context.test')
afterEach(() => context.disable())

/** The uncached answer. */
function reference(): SpanContext | undefined {
  const span = trace.getSpanContext(context.active())
  return span && isSpanContextValid(span) ? span : undefined
}

it("validates ids exactly as the API's isSpanContextValid does", () => {
  const traceIds = ['0af7651916cd43dd8448eb211c80319c', '0AF7651916CD43DD8448EB211C80319C', '0'.repeat(32), '0'.repeat(31) + '1', '0af7651916cd43dd8448eb211c80319', '0af7651916cd43dd8448eb211c80319cc', 'g'.repeat(32), ' '.repeat(32), 'é'.repeat(32), '']
  const spanIds = ['b7ad6b7169203331', 'B7AD6B7169203331', '0'.repeat(16), '0'.repeat(15) + 'f', 'b7ad6b716920333', 'b7ad6b7169203331a', 'b7ad6b716920333z', '']
  for (const traceId of traceIds) {
    for (const spanId of spanIds) {
      expect(isValidSpanIds(traceId, spanId), `${traceId} ${spanId}`).toBe(isSpanContextValid({ traceId, spanId, traceFlags: 1 }))
    }
  }
  expect(isValidSpanIds(undefined, 'b7ad6b7169203331')).toBe(false)
  expect(isValidSpanIds(12, 'b7ad6b7169203331')).toBe(false)
})

it('without a context manager, finds no span', () => {
  const spans = new ActiveSpanContext()
  expect(spans.current()).toBeUndefined()
  const span = tracer.startSpan('not active')
  expect(spans.current()).toBeUndefined()
  span.end()
})

it('follows the active context through nested spans, context.with, alternating requests and invalid ids', async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  const spans = new ActiveSpanContext()
  const seen: Array<[SpanContext | undefined, SpanContext | undefined]> = []
  const check = () => seen.push([spans.current(), reference()])

  check() // root
  await tracer.startActiveSpan('a', async (a) => {
    check()
    check() // the same context again: served from the cache
    tracer.startActiveSpan('b', (b) => {
      check()
      context.with(trace.setSpanContext(context.active(), { traceId: '0'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1 }), check)
      context.with(ROOT_CONTEXT, check)
      check()
      b.end()
    })
    check() // back to a
    // Two requests interleaving: the cache alternates between their contexts.
    const other = tracer.startSpan('other')
    const otherContext = trace.setSpan(context.active(), other)
    const mine = context.active()
    for (let i = 0; i < 4; i++) context.with(i % 2 ? mine : otherContext, check)
    other.end()
    await new Promise((resolve) => setImmediate(resolve))
    check() // after an await: a's context again
    a.end()
  })
  check() // root again

  expect(seen.length).toBeGreaterThan(10)
  for (const [cached, uncached] of seen) expect(cached).toBe(uncached)
  expect(seen.filter(([span]) => span !== undefined).length).toBeGreaterThan(5)
  expect(seen.filter(([span]) => span === undefined).length).toBeGreaterThan(2)
})

it('follows context.disable() and a new manager at once, and globals replaced wholesale after refresh()', () => {
  const spans = new ActiveSpanContext()
  const span = tracer.startSpan('s')
  const withSpan = trace.setSpan(ROOT_CONTEXT, span)
  const inSpan = () => context.with(withSpan, () => [spans.current(), reference()])
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  expect(inSpan()).toEqual([span.spanContext(), span.spanContext()])
  context.disable()
  expect(inSpan()).toEqual([undefined, undefined]) // no manager: context.with runs without a context
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  expect(inSpan()).toEqual([span.spanContext(), span.spanContext()])

  // A test suite resetting OpenTelemetry: the globals object itself replaced.
  const key = Symbol.for('opentelemetry.js.api.1')
  const globals = globalThis as Record<symbol, unknown>
  const saved = globals[key]
  context.disable()
  delete globals[key]
  try {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    expect(globals[key]).not.toBe(saved)
    expect(inSpan()).toEqual([undefined, span.spanContext()]) // still reading the old object, whose manager is gone
    spans.refresh()
    expect(inSpan()).toEqual([span.spanContext(), span.spanContext()])
  } finally {
    context.disable()
    globals[key] = saved
  }
  span.end()
})

it('finds a manager registered after it was created, and never throws for a manager that returns no Context', () => {
  const spans = new ActiveSpanContext()
  const span = tracer.startSpan('s')
  expect(context.with(trace.setSpan(ROOT_CONTEXT, span), () => spans.current())).toBeUndefined()
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  expect(context.with(trace.setSpan(ROOT_CONTEXT, span), () => spans.current())).toEqual(span.spanContext())
  context.disable()
  const broken = { active: () => undefined, with: (_: unknown, fn: () => unknown) => fn(), bind: (_: unknown, t: unknown) => t, enable() { return this }, disable() { return this } }
  context.setGlobalContextManager(broken as never)
  expect(spans.current()).toBeUndefined()
  span.end()
})
