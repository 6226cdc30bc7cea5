import type { WireEvent } from '@aims-monitor/schema'
import type { CollectorMetrics } from '../metrics.js'
import type { Spool } from '../spool/spool.js'
import { toRecords } from './to-records.js'

export type IngestInterface = 'native' | 'otlp'

/** The one path every interface takes to make validated events durable. */
export class IngestService {
  constructor(
    private readonly spool: Spool,
    private readonly metrics: CollectorMetrics,
  ) {}

  /** Resolves once the events are durable; throws an HttpError (503) when they cannot be. */
  async ingest(project: string, events: readonly WireEvent[], via: IngestInterface): Promise<void> {
    if (events.length === 0) return
    const { predictions, outcomes } = toRecords(events, Date.now())
    await this.spool.append(project, predictions, outcomes)
    if (predictions.length > 0) this.metrics.eventsAccepted.inc({ type: 'prediction', interface: via }, predictions.length)
    if (outcomes.length > 0) this.metrics.eventsAccepted.inc({ type: 'outcome', interface: via }, outcomes.length)
  }
}
