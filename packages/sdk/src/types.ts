/** A feature or attribute value, as the wire format takes it. */
export type FieldValue = number | string | boolean

/** Declared model inputs or attributes by name. Missing values: leave the name out. */
export type FieldMap = Record<string, FieldValue | null | undefined>

/** What the model returned, as the monitor records it. */
export interface PredictionOutput {
  label?: string | number | boolean
  score?: number
  value?: number
}

/** Ground truth for an earlier prediction. */
export interface OutcomeInput {
  label?: string | number | boolean
  value?: number
}

/** Counters of what the monitor did, for the application's own telemetry. */
export interface MonitorStats {
  /** Predictions and outcomes queued for export. */
  recorded: number
  /** Predictions and outcomes left out by sampling. */
  sampledOut: number
  /** Dropped because the queue was full (collector slow or down). */
  dropped: number
  /** Delivered to the collector. */
  exported: number
  /** Given up after the exporter's retries and deadline. */
  failed: number
  /** Extractor calls that threw; the prediction is still recorded without that part. */
  extractorErrors: number
  /** Fields cut to the documented limits, or left out as invalid (empty strings, NaN, bad names). */
  truncated: number
}
