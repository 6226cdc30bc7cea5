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

/** A prediction recorded by hand, for code that cannot be wrapped. */
export interface ManualPrediction {
  /** Your own id (1-128 printable ASCII characters, no spaces); default: a fresh one. */
  id?: string
  /** When the prediction was made (not before 2000, at most 10 minutes ahead); default: now. */
  timestamp?: Date | number
  features?: FieldMap
  attributes?: FieldMap
  output?: PredictionOutput
  /** The model call failed: its error type and message. */
  error?: { type: string; message?: string }
  latencyMs?: number
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
  /** Given up after the exporter's retries and deadline, refused by the collector (a partial success), or settled after shutdown. */
  failed: number
  /** Extractor calls that threw (or returned a Promise, or a map whose getters throw); the prediction is still recorded without that part. */
  extractorErrors: number
  /** Fields cut to the documented limits, or left out as invalid (empty strings, NaN, bad names); logPrediction/logOutcome records left out as invalid (an id, a timestamp, an outcome with nothing usable). */
  truncated: number
}
