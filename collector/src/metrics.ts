import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * The collector's own Prometheus metrics, served at GET /metrics. One registry per collector so
 * two collectors in one process (tests) never share counters.
 */
export function createCollectorMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'aims_collector_' })
  return {
    registry,
    eventsAccepted: new Counter({
      name: 'aims_events_accepted_total',
      help: 'Events made durable (spooled), by type and interface.',
      labelNames: ['type', 'interface'] as const,
      registers: [registry],
    }),
    eventsRejected: new Counter({
      name: 'aims_events_rejected_total',
      help: 'Events or requests refused, by reason and interface.',
      labelNames: ['reason', 'interface'] as const,
      registers: [registry],
    }),
    requestsRefused: new Counter({
      name: 'aims_requests_refused_total',
      help: 'Ingest requests refused before their events were read (503: spool full, shutting down); their events are in no other counter.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    otlpRequests: new Counter({
      name: 'aims_otlp_requests_total',
      help: 'OTLP protobuf requests by decode path: direct (rows written from the bytes: valid predictions in known columns), fast (every record a readable AIMS event) or general (the rest, and what the fast path handed over).',
      labelNames: ['path'] as const,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'aims_batch_size_events',
      help: 'Events per ingest request.',
      labelNames: ['interface'] as const,
      buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000],
      registers: [registry],
    }),
    spoolCommitSeconds: new Histogram({
      name: 'aims_spool_commit_seconds',
      help: 'Time to make a group of spooled rows durable (write and fdatasync).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    storeWriteSeconds: new Histogram({
      name: 'aims_store_write_seconds',
      help: 'Time to insert one spool segment into ClickHouse.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    storeRowsWritten: new Counter({
      name: 'aims_store_rows_written_total',
      help: 'Rows inserted into ClickHouse from the spool.',
      labelNames: ['table_kind'] as const,
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: 'aims_store_errors_total',
      help: 'Failed inserts of spool segments into ClickHouse (retried).',
      registers: [registry],
    }),
    spoolBytes: new Gauge({ name: 'aims_spool_bytes', help: 'Bytes in the spool not yet in ClickHouse.', registers: [registry] }),
    spoolRows: new Gauge({ name: 'aims_spool_rows', help: 'Rows in the spool not yet in ClickHouse.', registers: [registry] }),
    evaluations: new Counter({
      name: 'aims_evaluations_total',
      help: 'Control evaluations this collector recorded, by control and outcome.',
      labelNames: ['control', 'outcome'] as const,
      registers: [registry],
    }),
    evaluationSeconds: new Histogram({
      name: 'aims_evaluation_seconds',
      help: 'Time to evaluate one control (metric computed in ClickHouse, record chained).',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    alertDeliveryAttempts: new Counter({
      name: 'aims_alert_delivery_attempts_total',
      help: 'Attempts to deliver alert notifications, by notifier and result (ok, retry, failed).',
      labelNames: ['notifier', 'result'] as const,
      registers: [registry],
    }),
    spoolSegments: new Gauge({ name: 'aims_spool_segments', help: 'Spool segments waiting for ClickHouse.', registers: [registry] }),
  }
}

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>
