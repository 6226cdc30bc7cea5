import { NO_ERROR } from './call-error.js'
import { fixedKeysOf } from './extractor-keys.js'
import { now } from './clock.js'
import { ShapeHint } from './field-shapes.js'
import type { Recorder } from './recorder.js'
import { asyncIteratorMethod, observeStream } from './stream-observer.js'
import type { FieldMap, PredictionOutput } from './types.js'

/** Extractors of `monitor.wrap`: how a call's arguments and result become the recorded prediction. */
export interface WrapOptions<F extends (...args: any[]) => any> {
  /** Declared model inputs, from the call's arguments (run before the model, so inputs are as given). */
  features?: (...args: Parameters<F>) => FieldMap
  /** Segment and protected attributes, from the call's arguments. */
  attributes?: (...args: Parameters<F>) => FieldMap
  /** The output, from the result (for a stream: the items it yielded, at most 10,000, in order). */
  output?: (result: CallResult<F>, ...args: Parameters<F>) => PredictionOutput | undefined
}

/** What `output` receives: the resolved value of a Promise, the yielded items of a stream. */
export type CallResult<F extends (...args: any[]) => any> =
  ReturnType<F> extends AsyncIterable<infer Item> ? Item[] : Awaited<ReturnType<F>>

/**
 * The wrapped function: calls `fn` with the same `this` and arguments and returns exactly what it
 * returns — the same value, the same Promise object, the same stream object (observed in place,
 * see observeStream) — and throws exactly what it throws, when it throws it. Recording on the
 * call is a few stores into preallocated queue slots; ids, encoding and export happen later.
 * `onCall` receives the call number as soon as it is known (for wrapWithId). The extractors are
 * the ones given here (read once). fn's properties (a version tag, a cache) are the wrapper's too:
 * its prototype is fn.
 */
export function wrapCall<F extends (...args: any[]) => any>(fn: F, options: WrapOptions<F>, recorder: Recorder, onCall?: (n: number) => void): F {
  type Extractor = (...args: unknown[]) => FieldMap
  type OutputExtractor = (result: unknown, ...args: unknown[]) => PredictionOutput | undefined
  const featuresOf = options.features as Extractor | undefined
  const attributesOf = options.attributes as Extractor | undefined
  const outputOf = options.output as OutputExtractor | undefined
  // Extractors written as one object literal skip the per-call key check (see fixedKeysOf).
  const featureHint = new ShapeHint(fixedKeysOf(featuresOf))
  const attributeHint = new ShapeHint(fixedKeysOf(attributesOf))

  /**
   * One call. `args` is undefined for a call with exactly one argument, `a0`: the common case
   * (`predict(input)`) then makes no arguments array, which measured ~15-20 ns per call.
   */
  function invoke(self: unknown, args: unknown[] | undefined, a0: unknown): ReturnType<F> {
    if (!recorder.active) {
      if (onCall) onCall(recorder.nextCall())
      return args === undefined ? fn.call(self, a0) : fn.apply(self, args)
    }
    const n = recorder.nextCall()
    if (onCall) onCall(n)
    if (!recorder.admit(n)) return args === undefined ? fn.call(self, a0) : fn.apply(self, args)
    const features = featuresOf === undefined ? undefined : recorder.extract(featuresOf, args, a0)
    const attributes = attributesOf === undefined ? undefined : recorder.extract(attributesOf, args, a0)
    const span = recorder.activeSpan()
    const start = now()
    let result: unknown
    try {
      result = args === undefined ? fn.call(self, a0) : fn.apply(self, args)
    } catch (error) {
      recorder.record(n, start, features, featureHint, attributes, attributeHint, span, undefined, error, -1)
      throw error
    }
    // Only native Promises are followed: calling `then` on another thenable (a lazy query builder,
    // say) could run it a second time.
    // (Observing the Promise attaches a handler to it: a rejection nobody awaits is no longer
    // reported as unhandled. docs/sdk.md says so; there is no handler-free way to observe it.)
    if (result instanceof Promise) {
      // Recorded when it settles: an extractor's Promise must be handled now, not then.
      const f = recorder.withoutPromise(features)
      const a = recorder.withoutPromise(attributes)
      result.then(
        (value) => recorder.record(n, start, f, featureHint, a, attributeHint, span, outputOf === undefined ? undefined : recorder.output(outputOf, value, args, a0), NO_ERROR, -1),
        (error: unknown) => recorder.record(n, start, f, featureHint, a, attributeHint, span, undefined, error, -1),
      )
      return result as ReturnType<F>
    }
    if (typeof result === 'object' && result !== null) {
      const iterate = asyncIteratorMethod(result)
      if (iterate !== undefined) {
        const f = recorder.withoutPromise(features)
        const a = recorder.withoutPromise(attributes)
        observeStream(result, iterate, (items, error, count) => {
          const output = error === NO_ERROR && outputOf !== undefined ? recorder.output(outputOf, items, args, a0) : undefined
          recorder.record(n, start, f, featureHint, a, attributeHint, span, output, error, count)
        }, outputOf !== undefined)
        return result as ReturnType<F>
      }
    }
    recorder.record(n, start, features, featureHint, attributes, attributeHint, span, outputOf === undefined ? undefined : recorder.output(outputOf, result, args, a0), NO_ERROR, -1)
    return result as ReturnType<F>
  }

  const wrapped = function (this: unknown): ReturnType<F> {
    // `arguments`, not a rest parameter: read element-wise, it makes no array (see invoke).
    return arguments.length === 1 ? invoke(this, undefined, arguments[0]) : invoke(this, Array.prototype.slice.call(arguments), undefined)
  }
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true })
  Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true })
  try {
    // The wrapper is typed F: fn's own properties (`predict.version`, `predict.cache.clear()`) are
    // read through it, as they are now, not as they were when wrapped.
    Object.setPrototypeOf(wrapped, fn)
  } catch {
    // fn is a Proxy whose traps refuse: the wrapper still calls it, without its properties.
  }
  return wrapped as unknown as F
}
