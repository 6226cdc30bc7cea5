import { now } from './clock.js'
import { ShapeHint } from './field-shapes.js'
import { NO_ERROR, type Recorder } from './recorder.js'
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
 * returns — the same value, the same Promise object, or the same stream's items through a
 * transparent iterator — and throws exactly what it throws, when it throws it. Recording on the
 * call is a few stores into preallocated queue slots; ids, encoding and export happen later.
 * `onCall` receives the call number as soon as it is known (for wrapWithId). The extractors are
 * the ones given here (read once).
 */
export function wrapCall<F extends (...args: any[]) => any>(fn: F, options: WrapOptions<F>, recorder: Recorder, onCall?: (n: number) => void): F {
  type Extractor = (...args: unknown[]) => FieldMap
  type OutputExtractor = (result: unknown, ...args: unknown[]) => PredictionOutput | undefined
  const featuresOf = options.features as Extractor | undefined
  const attributesOf = options.attributes as Extractor | undefined
  const outputOf = options.output as OutputExtractor | undefined
  const featureHint = new ShapeHint()
  const attributeHint = new ShapeHint()

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
    if (result instanceof Promise) {
      result.then(
        (value) => recorder.record(n, start, features, featureHint, attributes, attributeHint, span, outputOf === undefined ? undefined : recorder.output(outputOf, value, args, a0), NO_ERROR, -1),
        (error: unknown) => recorder.record(n, start, features, featureHint, attributes, attributeHint, span, undefined, error, -1),
      )
      return result as ReturnType<F>
    }
    if (isAsyncIterable(result)) {
      return recorder.stream(result, (items, error, count) => {
        const output = error === NO_ERROR && outputOf !== undefined ? recorder.output(outputOf, items, args, a0) : undefined
        recorder.record(n, start, features, featureHint, attributes, attributeHint, span, output, error, count)
      }, outputOf !== undefined) as ReturnType<F>
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
  return wrapped as unknown as F
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
}
