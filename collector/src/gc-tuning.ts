import { setFlagsFromString } from 'node:v8'

/** How much V8 lets the heap grow past what a full collection left alive before the next one: 300 % (factor 4). */
export const INGEST_HEAP_GROWING_PERCENT = 300

/**
 * Lets the heap grow to four times what a full collection left alive before the next one, in this
 * process and its ingest workers (V8's flags are process-wide), instead of the factor V8 works out
 * from its GC and allocation speeds (~1.5 for the collector). Call once, before the collector starts.
 *
 * Why: V8 counts the ArrayBuffer bytes allocated since the last mark-compact against the old
 * generation's limit, and ingest allocates request bodies and row chunks as ArrayBuffers at ~100
 * MB/s at 100k records per second. With V8's own factor, that set off a mark-compact of the main
 * thread's ~37 MB heap, or of a worker's, every few hundred milliseconds. Measured in `pnpm bench
 * sdk`'s paced run (BENCHMARKS.md): mark-compacts 21–27 → 6–10 per 6 s; in alternating 10 s runs,
 * collector CPU per record 13.7–14.4 → 11.8–11.9 µs. Peak RSS stays 600–720 MB, mostly the engine's
 * (at most ~50 MB more in the native-ingest bench).
 *
 * Left alone when the process was started with its own `--heap-growing-percent` (`node
 * --heap-growing-percent=… packages/cli/dist/main.js up`; Node does not take it in NODE_OPTIONS):
 * an operator's setting wins.
 */
export function tuneGarbageCollectionForIngest(): void {
  const given = process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))
  if (!given) setFlagsFromString(`--heap-growing-percent=${INGEST_HEAP_GROWING_PERCENT}`)
}
