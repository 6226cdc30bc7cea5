import { NO_ERROR } from './call-error.js'

/** Items of a stream kept for the output extractor, at most. */
export const MAX_STREAM_ITEMS_KEPT = 10_000

/** Called once when an observed stream ends (`error` NO_ERROR), fails, or is closed by its consumer. */
export type StreamEnd<T> = (items: T[], error: unknown, count: number) => void

/**
 * The `[Symbol.asyncIterator]` that async generator objects (and the other built-in async
 * iterators) inherit: `return this`. A result whose method is this one is its own iterator.
 */
const SELF_ITERATOR: unknown = (async function* () {})()[Symbol.asyncIterator]

/**
 * `value[Symbol.asyncIterator]` when it is a function; undefined otherwise, and when reading it
 * throws (a strict Proxy that throws on unknown keys): such a value is no stream the SDK can
 * observe, and passes as it is.
 */
export function asyncIteratorMethod(value: object): ((...args: unknown[]) => unknown) | undefined {
  try {
    const method: unknown = (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator]
    return typeof method === 'function' ? (method as (...args: unknown[]) => unknown) : undefined
  } catch {
    // The read threw: the application gets its value untouched, and the call is recorded as a plain result.
    return undefined
  }
}

/**
 * Observes a stream result in place, so the caller gets the very object `fn` returned (a Node
 * Readable keeps `pipe`, a web ReadableStream `getReader`, a collection can be iterated again):
 * - an async iterator that is its own iterable (an async generator object) gets its own `next`,
 *   `return` and `throw` (non-enumerable), which call the inherited ones and watch what they give;
 * - any other async iterable gets its own `[Symbol.asyncIterator]`, which puts the original back
 *   at its first call and observes the iterator that call makes.
 * `next` returns the original's Promise, unchanged (same object, same timing). `end` runs once:
 * when the stream is done, fails, or its consumer calls `return()` or `throw()`. Returns false,
 * and observes nothing, when the object cannot take a property (frozen): it is then returned as
 * it is and not recorded. Never throws.
 */
export function observeStream<T>(stream: object, method: (...args: unknown[]) => unknown, end: StreamEnd<T>, keepItems: boolean): boolean {
  const observation = new StreamObservation(end, keepItems)
  try {
    return method === SELF_ITERATOR ? instrumentIterator(stream, observation) : instrumentIterable(stream, method, observation)
  } catch {
    // A Proxy's defineProperty trap threw: the result passes untouched, unobserved.
    return false
  }
}

/** What one stream yielded so far; lets go of its items once ended. */
class StreamObservation<T> {
  private items: T[] = []
  private count = 0
  private end: StreamEnd<T> | undefined

  constructor(
    end: StreamEnd<T>,
    private readonly keepItems: boolean,
  ) {
    this.end = end
  }

  /** A step the stream gave (an IteratorResult). */
  step(step: unknown): void {
    if (this.end === undefined) return
    try {
      if ((step as IteratorResult<T>).done) return this.finish(NO_ERROR)
      this.count++
      if (this.keepItems && this.items.length < MAX_STREAM_ITEMS_KEPT) this.items.push((step as IteratorResult<T>).value)
    } catch (error) {
      // A step whose `done` or `value` getter throws: what the consumer's for-await meets as well.
      this.finish(error)
    }
  }

  finish(error: unknown): void {
    const end = this.end
    if (end === undefined) return
    this.end = undefined
    const items = this.items
    this.items = []
    end(items, error, this.count)
  }
}

/** Calls `fn` as the application asked; a throw finishes the observation as failed and is rethrown as it is. */
function callObserved<T>(fn: Function, self: unknown, args: unknown[], observation: StreamObservation<T>): unknown {
  try {
    return Reflect.apply(fn, self, args)
  } catch (error) {
    observation.finish(error)
    throw error
  }
}

/** Own `next` / `return` / `throw` on `iterator`, calling the ones it had. False when it takes no property. */
function instrumentIterator<T>(iterator: object, observation: StreamObservation<T>): boolean {
  const it = iterator as { next?: unknown; return?: unknown; throw?: unknown }
  // Read once, now, as for-await reads `next` once when it starts.
  const next = it.next
  const close = it.return
  const fail = it.throw
  if (typeof next !== 'function') return false
  const observed = own(iterator, 'next', function (this: unknown, ...args: unknown[]) {
    const pending = callObserved(next, this, args, observation)
    if (pending instanceof Promise) {
      pending.then(
        (step: unknown) => observation.step(step),
        (error: unknown) => observation.finish(error),
      )
    } else observation.step(pending)
    return pending
  })
  if (!observed) return false
  // Only the methods the iterator has: a `return` it lacks must stay missing (for-await checks).
  if (typeof close === 'function') {
    own(iterator, 'return', function (this: unknown, ...args: unknown[]) {
      observation.finish(NO_ERROR)
      return Reflect.apply(close, this, args)
    })
  }
  if (typeof fail === 'function') {
    own(iterator, 'throw', function (this: unknown, ...args: unknown[]) {
      observation.finish(args[0])
      return Reflect.apply(fail, this, args)
    })
  }
  return true
}

/** An own `[Symbol.asyncIterator]` on `iterable` that restores the original at its first call and observes the iterator made. */
function instrumentIterable<T>(iterable: object, method: (...args: unknown[]) => unknown, observation: StreamObservation<T>): boolean {
  const original = Reflect.getOwnPropertyDescriptor(iterable, Symbol.asyncIterator)
  let first = true
  const hook = function (this: unknown, ...args: unknown[]): unknown {
    if (first) {
      first = false
      // Back as it was: a later iteration (a re-iterable collection) is the application's own, unrecorded.
      if (original) Reflect.defineProperty(iterable, Symbol.asyncIterator, original)
      else Reflect.deleteProperty(iterable, Symbol.asyncIterator)
    }
    // A stream that cannot be read (a locked ReadableStream) throws here: the consumer gets the same
    // error, and the call is recorded as failed.
    const iterator = callObserved(method, this, args, observation)
    if (typeof iterator === 'object' && iterator !== null) instrumentIterator(iterator, observation)
    return iterator
  }
  return Reflect.defineProperty(iterable, Symbol.asyncIterator, { value: hook, writable: true, configurable: true, enumerable: original?.enumerable ?? false })
}

/** Defines `key` as a non-enumerable own method (the object's keys are unchanged); false when it cannot be. */
function own(target: object, key: string, value: (...args: unknown[]) => unknown): boolean {
  return Reflect.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false })
}
