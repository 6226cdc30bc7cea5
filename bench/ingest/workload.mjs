// The benchmark's workload: real rows of the UCI Adult data set (data/adult/adult.data) as
// predictions of a credit model, 6 numeric and 6 categorical features, 2 protected attributes.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { seededRandom } from '@aims-monitor/metrics'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const NUMERIC = { age: 0, fnlwgt: 2, education_num: 4, capital_gain: 10, capital_loss: 11, hours_per_week: 12 }
const CATEGORICAL = { workclass: 1, education: 3, marital_status: 5, occupation: 6, relationship: 7, native_country: 13 }

export function loadAdultRows() {
  return readFileSync(join(root, 'data', 'adult', 'adult.data'), 'utf8')
    .split('\n')
    .map((line) => line.split(',').map((cell) => cell.trim()))
    .filter((cells) => cells.length === 15)
}

/** Deterministic pseudo-random numbers, so every run sees the same data. */
export const mulberry32 = seededRandom

/** The id of event number `n`: a fixed-width UUID, so ids can be patched into a template in place. */
export function eventId(n) {
  const hex = n.toString(16).padStart(12, '0')
  return `00000000-0000-4000-8000-${hex}`
}

/** The `i`-th prediction of the workload (without its id), from row `i % rows.length`. */
export function predictionFor(rows, i, startMs, random) {
  const cells = rows[i % rows.length]
  const features = {}
  for (const [name, col] of Object.entries(NUMERIC)) features[name] = Number(cells[col])
  for (const [name, col] of Object.entries(CATEGORICAL)) if (cells[col] !== '?') features[name] = cells[col]
  const score = Math.round(random() * 1e6) / 1e6
  return {
    type: 'prediction',
    timestamp: startMs - 3_600_000 + (i % 3_600_000),
    model: { id: 'credit-risk', version: '1.0.0' },
    features,
    attributes: { sex: cells[9], race: cells[8] },
    output: { label: score > 0.5 ? 'approve' : 'deny', score },
    latencyMs: Math.round(random() * 5000) / 100,
  }
}
