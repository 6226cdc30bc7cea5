import type { PredictionRecord } from '@aims-monitor/store'
import { createCollectorMetrics } from '../metrics.js'
import { Spool, type SpoolOptions } from '../spool/spool.js'
import { outcomeRecord, predictionRecord } from './records.js'

/**
 * Test data only (excluded from the build). Spool settings for a test: segments seal only when the
 * test says so (nothing is old, big or full enough within one), 1,000 columns per model.
 */
export function testSpoolOptions(dir: string, overrides: Partial<SpoolOptions> = {}): SpoolOptions {
  return { dir, maxBytes: 64 * 1024 * 1024, sealAfterMs: 60_000, maxSegmentRows: 1_000_000, maxSegmentBytes: 64 * 1024 * 1024, maxColumnsPerModel: 1000, ...overrides }
}

let ids = 0

/** A prediction of `modelId` with a fresh id, stamped now. */
export function spooledPrediction(modelId = 'm', features?: PredictionRecord['features']): PredictionRecord {
  const n = ++ids
  return predictionRecord(n, { modelId, timestampMs: Date.now(), receivedMs: Date.now(), features: features ?? { x: n, kind: 'k' } })
}

/**
 * A spool that took one request per entry of `requests` (that many predictions of model `m`, one
 * commit each; the first `outcomes` of each with an outcome), then "crashed": abandoned with its files
 * open, as kill -9 leaves them (its seal timer is unref'd, and nothing seals within a test).
 * Returns the predictions written.
 */
export async function crashedSpool(dir: string, requests: number[], outcomes = 0): Promise<PredictionRecord[]> {
  const spool = await Spool.open(testSpoolOptions(dir), createCollectorMetrics())
  const written: PredictionRecord[] = []
  for (const count of requests) {
    const batch = Array.from({ length: count }, () => spooledPrediction('m'))
    written.push(...batch)
    await spool.append('default', batch, batch.slice(0, outcomes).map((p) => outcomeRecord(p, { receivedMs: Date.now() })))
  }
  return written
}
