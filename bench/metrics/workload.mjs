// The benchmark's data: N rows generated deterministically in JS and written once to one binary
// file that numpy reads with np.fromfile (a structured dtype) and ClickHouse reads with
// file(path, 'RowBinary', ROW_STRUCTURE): the three paths see the same bytes.
//
// Row (15 bytes, little-endian, packed): idx UInt32, x Float64, grp UInt8, pred UInt8, actual UInt8.
// - x: the first N/2 rows are the reference sample, Normal(0, 1); the last N/2 the current one,
//   Normal(0.05, 1.1) with 1% of values rounded to 2 decimals (ties, as real features have).
// - grp: 4 groups of unequal size (50/30/15/5 %); actual ~ Bernoulli(base rate of the group);
//   pred: a classifier whose TPR and FPR differ by group (what a fairness report should show).
import { writeFileSync } from 'node:fs'
import { seededRandom } from '@aims-monitor/metrics'

export const ROW_BYTES = 15
export const ROW_STRUCTURE = 'idx UInt32, x Float64, grp UInt8, pred UInt8, actual UInt8'
export const GROUPS = ['a', 'b', 'c', 'd']
const GROUP_SHARE = [0.5, 0.8, 0.95, 1]
const BASE_RATE = [0.3, 0.35, 0.4, 0.25]
const TPR = [0.8, 0.75, 0.7, 0.6]
const FPR = [0.1, 0.12, 0.15, 0.2]

/** Deterministic pseudo-random numbers (the same generator as bench/ingest). */
/** Deterministic pseudo-random numbers, so every run sees the same data. */
export const mulberry32 = seededRandom

/** Generates the rows in memory: x as a Float64Array, the rest as Uint8Arrays. */
export function generate(n, seed = 20261126) {
  const random = mulberry32(seed)
  const x = new Float64Array(n)
  const grp = new Uint8Array(n)
  const pred = new Uint8Array(n)
  const actual = new Uint8Array(n)
  const half = n >> 1
  for (let i = 0; i < n; i += 2) {
    // Box-Muller: two normals from two uniforms (1 − u keeps the log finite).
    const r = Math.sqrt(-2 * Math.log(1 - random()))
    const theta = 2 * Math.PI * random()
    x[i] = r * Math.cos(theta)
    if (i + 1 < n) x[i + 1] = r * Math.sin(theta)
  }
  for (let i = half; i < n; i++) {
    x[i] = 0.05 + 1.1 * x[i]
    if (random() < 0.01) x[i] = Math.round(x[i] * 100) / 100
  }
  for (let i = 0; i < n; i++) {
    const u = random()
    const g = u < GROUP_SHARE[0] ? 0 : u < GROUP_SHARE[1] ? 1 : u < GROUP_SHARE[2] ? 2 : 3
    grp[i] = g
    const y = random() < BASE_RATE[g] ? 1 : 0
    actual[i] = y
    pred[i] = random() < (y ? TPR[g] : FPR[g]) ? 1 : 0
  }
  return { n, half, x, grp, pred, actual }
}

/** Writes the rows as one RowBinary / numpy structured file. */
export function writeRows(path, data) {
  const buffer = Buffer.allocUnsafe(data.n * ROW_BYTES)
  for (let i = 0, o = 0; i < data.n; i++, o += ROW_BYTES) {
    buffer.writeUInt32LE(i, o)
    buffer.writeDoubleLE(data.x[i], o + 4)
    buffer[o + 12] = data.grp[i]
    buffer[o + 13] = data.pred[i]
    buffer[o + 14] = data.actual[i]
  }
  writeFileSync(path, buffer)
}
