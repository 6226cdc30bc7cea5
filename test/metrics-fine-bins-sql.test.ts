// The fine histogram's bin expression on the real engine against fineBinIndex, at the values where a
// clamped expression could part from the branches it replaced: the grid's ends, their neighbouring
// doubles, ±0, ±∞, NaN, subnormals, a product that underflows to −0 (a lo of 0 and a span near the
// largest double), huge values whose difference from lo overflows, and a one-point grid (scale 0).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { fineBinExpression, fineBinIndex, fineGrid, float64Bits, ParamBag, seededRandom, type FineGrid } from '@aims-monitor/metrics'
import { openStore, storeConfigFromEnv, type Store } from '@aims-monitor/store'

const dir = mkdtempSync(path.join(tmpdir(), 'aims-fine-bins-'))
let store: Store

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
})

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The next double above (dir 1) or below (dir −1) x. */
function step(x: number, dir: 1 | -1): number {
  if (Number.isNaN(x) || x === dir * Infinity) return x
  if (x === 0) return dir * Number.MIN_VALUE
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  view.setBigUint64(0, (x > 0) === (dir > 0) ? bits + 1n : bits - 1n)
  return view.getFloat64(0)
}

/** Each value's bin as the engine computes it (values passed by their bits: −0, NaN and subnormals exact). */
async function engineBins(values: readonly number[], grid: FineGrid): Promise<number[]> {
  const bag = new ParamBag()
  const expression = fineBinExpression('x', grid, bag)
  const bits = values.map((v) => float64Bits(v)).join(', ')
  const result = await store.client.query({
    query: `SELECT groupArray(${expression}) AS bins FROM (SELECT reinterpretAsFloat64(arrayJoin([${bits}]::Array(UInt64))) AS x)`,
    query_params: bag.values,
    format: 'JSONEachRow',
  })
  const [row] = await result.json<{ bins: number[] }>()
  return row!.bins
}

/** fineBinIndex, with its −0 (x = −0 on a grid from 0: the same bin) read as 0, as the engine's Int32 has it. */
const binOf = (x: number, grid: FineGrid) => fineBinIndex(x, grid) + 0

function around(...points: number[]): number[] {
  return points.flatMap((p) => [step(step(p, -1), -1), step(p, -1), p, step(p, 1), step(step(p, 1), 1)])
}

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-310, -1e-310]

it('bins the grid ends, their neighbours and every special double as fineBinIndex does', async () => {
  const random = seededRandom(42)
  const grids = [
    fineGrid(-3.7, 5.2),
    fineGrid(0, 1, 4),
    fineGrid(0.1, 0.3, 7),
    fineGrid(-1e-300, 1e-300, 4096),
    fineGrid(-8.98e307, 8.98e307, 4096), // span near the largest double: scale ~2.3e-305
    fineGrid(0, 8.98e307, 4096), // the double below lo = 0 times that scale underflows to −0
    fineGrid(1e-320, 3e-320, 16), // subnormal ends: one bin
    fineGrid(0, 1e-306, 4096), // a span with room for 179 bins only
    fineGrid(-2, -1, 1),
    fineGrid(0, 1, 1 << 20),
  ]
  for (const grid of grids) {
    const inner = Array.from({ length: 200 }, () => grid.lo + random() * (grid.hi - grid.lo))
    const edges = Array.from({ length: Math.min(grid.bins, 64) + 1 }, (_, j) => grid.lo + (j * (grid.hi - grid.lo)) / Math.min(grid.bins, 64))
    const values = [...SPECIAL, ...around(grid.lo, grid.hi), ...around(...edges), ...inner]
    expect(await engineBins(values, grid), `grid ${grid.lo}..${grid.hi} (${grid.bins} bins)`).toEqual(values.map((v) => binOf(v, grid)))
  }
})

it('puts a value just below lo in the underflow even when (x − lo)·scale underflows to −0', async () => {
  const grid = fineGrid(0, 8.98e307, 4096)
  const x = step(grid.lo, -1) // −5e−324
  expect((x - grid.lo) * grid.scale).toBe(-0) // the case the clamp's − (x < lo) is there for
  expect(await engineBins([x], grid)).toEqual([-1])
})

it('keeps the scale finite over a subnormal span: fewer bins, or one', () => {
  expect(fineGrid(1e-320, 3e-320, 16)).toEqual({ lo: 1e-320, hi: 3e-320, bins: 1, scale: 0 })
  const narrow = fineGrid(0, 1e-306, 4096) // 1e-306 · 1.8e308 = 179 bins fit
  expect(narrow.bins).toBe(179)
  expect(Number.isFinite(narrow.scale)).toBe(true)
  expect(fineGrid(0, 1e-300, 4096).bins).toBe(4096)
})

it('bins a one-point grid (scale 0) with its infinities outside', async () => {
  const grid = fineGrid(7, 7, 8)
  const values = [...SPECIAL, ...around(7)]
  expect(await engineBins(values, grid)).toEqual(values.map((v) => binOf(v, grid)))
  expect(await engineBins([7, Infinity, -Infinity, NaN], grid)).toEqual([0, 8, -1, -2])
})
