import type { CollectorMetrics } from '../metrics.js'
import type { Spool } from '../spool/spool.js'
import type { EncodedChunk } from './batch-encoder.js'

export type IngestInterface = 'native' | 'otlp'

/** The one path every interface takes to make validated events durable. */
export class IngestService {
  constructor(
    private readonly spool: Spool,
    private readonly metrics: CollectorMetrics,
  ) {}

  /** Throws the spool's 503 before any work is spent on a request the spool cannot take. */
  checkAccepting(): void {
    this.spool.checkAccepting(0)
  }

  /**
   * Resolves once rows already encoded (by processBatch, in an ingest worker) are durable; throws an
   * HttpError (503) when they cannot be.
   */
  async ingestEncoded(chunks: readonly EncodedChunk[], counts: { predictions: number; outcomes: number }, via: IngestInterface): Promise<void> {
    if (chunks.length === 0) return
    await this.spool.appendEncoded(chunks)
    this.count(counts.predictions, counts.outcomes, via)
  }

  private count(predictions: number, outcomes: number, via: IngestInterface): void {
    if (predictions > 0) this.metrics.eventsAccepted.inc({ type: 'prediction', interface: via }, predictions)
    if (outcomes > 0) this.metrics.eventsAccepted.inc({ type: 'outcome', interface: via }, outcomes)
  }
}
