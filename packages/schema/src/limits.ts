/**
 * Documented limits of the wire format. They bound what one event can cost the collector and the
 * store, and they are enforced identically by the native JSON API and the OTLP mapping.
 * Changing one is a wire-format change: keep docs/wire-format.md in step.
 */
export const LIMITS = {
  /** Declared features per event: wide enough for tabular models, small enough to keep a row cheap. */
  maxFeatures: 200,
  /** Segment and protected attributes per event. */
  maxAttributes: 32,
  /** Length of a feature or attribute name. */
  maxNameLength: 128,
  /** Length of a string feature, attribute value or output label: categories, not free text. */
  maxStringValueLength: 256,
  /** Length of an event id or prediction id. */
  maxIdLength: 128,
  /** Length of a model id. */
  maxModelIdLength: 128,
  /** Length of a model version or environment name. */
  maxVersionLength: 64,
  /** Length of an error message attached to a failed prediction. */
  maxErrorMessageLength: 1024,
  /** Events in one batch. */
  maxEventsPerBatch: 10_000,
  /** Clock skew tolerated for timestamps ahead of the collector's clock. */
  maxFutureSkewMs: 10 * 60 * 1000,
  /** Earliest timestamp accepted: 2000-01-01T00:00:00Z. Anything older is a unit or clock error. */
  minTimestampMs: Date.UTC(2000, 0, 1),
  /** Latency above one day is a unit error (seconds sent as milliseconds times 1000, say). */
  maxLatencyMs: 24 * 60 * 60 * 1000,
  /** Items one streaming call may report. */
  maxStreamItems: 1_000_000_000,
} as const
