import { parseColumnName, type ColumnSpec } from './prediction-layout.js'
import type { OutcomeRecord, PredictionRecord } from './records.js'
import type { RowBinaryWriter } from './row-binary-writer.js'

type Encode<R> = (writer: RowBinaryWriter, record: R) => void

/**
 * Compiles a column list into one function that writes a prediction row in that column order.
 * Built once per segment (column set), then called for every row: the per-row work is a flat loop
 * over closures, with no name parsing.
 */
export function compilePredictionEncoder(columns: readonly ColumnSpec[]): Encode<PredictionRecord> {
  const parts = columns.map((column): Encode<PredictionRecord> => {
    const parsed = parseColumnName(column.name)
    if (parsed.role === 'feature') {
      const { feature, kind } = parsed
      if (kind === 'str') {
        return (w, r) => {
          const v = r.features[feature]
          w.string(typeof v === 'string' ? v : '')
        }
      }
      if (kind === 'num') {
        return (w, r) => {
          const v = r.features[feature]
          w.float64(typeof v === 'number' ? v : NaN)
        }
      }
      return (w, r) => {
        const v = r.features[feature]
        w.float64(typeof v === 'boolean' ? (v ? 1 : 0) : NaN)
      }
    }
    if (parsed.role === 'attribute') {
      const { attribute } = parsed
      return (w, r) => {
        // By type, not `!== undefined`: a row without an attribute named `constructor` or
        // `__proto__` reads Object.prototype's member, which was stored as its text.
        const v = r.attributes[attribute]
        w.string(typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '')
      }
    }
    const base = BASE_ENCODERS[column.name]
    if (!base) throw new Error(`no encoder for predictions column ${column.name}`)
    return base
  })
  return (writer, record) => {
    for (let i = 0; i < parts.length; i++) parts[i]!(writer, record)
  }
}

const BASE_ENCODERS: Record<string, Encode<PredictionRecord>> = {
  id: (w, r) => w.uuid(r.id),
  ts: (w, r) => w.datetime64ms(r.timestampMs),
  received: (w, r) => w.datetime64ms(r.receivedMs),
  model_version: (w, r) => w.string(r.modelVersion),
  environment: (w, r) => w.string(r.environment),
  status: (w, r) => w.string(r.status),
  error_type: (w, r) => w.string(r.errorType),
  output_label: (w, r) => w.string(r.outputLabel),
  output_score: (w, r) => w.float64(r.outputScore),
  output_value: (w, r) => w.float64(r.outputValue),
  latency_ms: (w, r) => w.float64(r.latencyMs),
  stream_items: (w, r) => w.float64(r.streamItems),
  trace_id: (w, r) => w.string(r.traceId),
  span_id: (w, r) => w.string(r.spanId),
}

/** Writes an outcome row in OUTCOME_COLUMNS order; `project` is the segment's. */
export function encodeOutcome(writer: RowBinaryWriter, project: string, record: OutcomeRecord): void {
  writer.string(project)
  writer.string(record.modelId)
  writer.uuid(record.predictionId)
  writer.datetime64ms(record.timestampMs)
  writer.datetime64ms(record.receivedMs)
  writer.string(record.modelVersion)
  writer.string(record.label)
  writer.float64(record.value)
}
