import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The compiled module: the child is plain Node 20, which does not run TypeScript.
const tuning = fileURLToPath(new URL('../dist/gc-tuning.js', import.meta.url))

/**
 * The growing factors V8's heap controller applied at each full collection of a child process that
 * computes much and allocates little (as the collector's main thread does: V8 then picks a small
 * factor of its own), from --trace-gc-verbose's "[HeapController] Limit: … (factor)" lines.
 */
function appliedFactors(options: { tune: boolean; nodeArgs?: string[] }): number[] {
  const script = `
    ${options.tune ? `const { tuneGarbageCollectionForIngest } = await import(${JSON.stringify(tuning)}); tuneGarbageCollectionForIngest()` : ''}
    const kept = Array.from({ length: 200_000 }, (_, i) => ({ i, s: 'v' + i }))
    let x = 0
    for (let round = 0; round < 6; round++) {
      for (let n = 0; n < 25_000_000; n++) x = (x * 31 + n) | 0
      kept.push(Array.from({ length: 1000 }, (_, i) => ({ i })))
      globalThis.gc()
    }
    console.log('done', kept.length, x)
  `
  const run = spawnSync(process.execPath, ['--expose-gc', '--trace-gc-verbose', ...(options.nodeArgs ?? []), '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  expect(run.status, run.stderr).toBe(0)
  expect(run.stdout).toMatch(/done 200006/)
  return [...run.stdout.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d)\)/g)].map((m) => Number(m[1]))
}

describe('tuneGarbageCollectionForIngest', () => {
  it('makes V8 let the heap grow fourfold where it would have picked a small factor of its own', () => {
    const untuned = appliedFactors({ tune: false })
    const tuned = appliedFactors({ tune: true })
    // The last collections, once V8 has measured its speeds.
    expect(untuned.at(-1)).toBeLessThan(3)
    expect(tuned.length).toBeGreaterThan(3)
    expect(tuned.slice(-3)).toEqual([4, 4, 4])
  })

  it('leaves a --heap-growing-percent given on the command line alone', () => {
    expect(appliedFactors({ tune: true, nodeArgs: ['--heap-growing-percent=50'] }).slice(-2)).toEqual([1.5, 1.5])
  })
})
