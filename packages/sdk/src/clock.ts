import { performance } from 'node:perf_hooks'

/**
 * The monotonic clock of a call's start and end, in milliseconds since `timeOrigin`. A wrapped
 * call reads it twice (start, end) and derives the wall-clock timestamp as `timeOrigin + start`,
 * so it never reads a second clock. Bound once here: the global `performance` is a lazy accessor
 * on globalThis and `performance.now` checks its receiver, together ~20 ns per read on the bench
 * machine, where the read itself (clock_gettime) costs ~70-90 ns.
 */
export const now: () => number = performance.now.bind(performance)

/** Epoch milliseconds of `now()`'s zero. */
export const timeOrigin: number = performance.timeOrigin
