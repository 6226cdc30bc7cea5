import {
  BASE_PREDICTION_COLUMNS,
  OUTCOME_COLUMNS,
  RowBinaryWriter,
  attributeColumn,
  compilePredictionEncoder,
  encodeOutcome,
  featureColumn,
  featureKindOf,
  type ColumnSpec,
  type OutcomeRecord,
  type PredictionRecord,
} from '@aims-monitor/store/encoding'
import { HttpError } from '../http/http-error.js'
import { targetKey, type SegmentTarget } from '../spool/segment-files.js'

/** Rows of one target table, encoded as RowBinary in the order of `columns`. */
export interface EncodedChunk {
  target: SegmentTarget
  columns: ColumnSpec[]
  /** Identifies the row layout: segments only take chunks of their own layout. */
  signature: string
  rows: number
  bytes: Uint8Array
}

interface EncoderTarget {
  target: SegmentTarget
  /** Per feature name, the kinds it has columns for (1 number, 2 string, 4 boolean). */
  featureKinds: Map<string, number>
  attributeNames: Set<string>
  dynamic: ColumnSpec[]
  columns: ColumnSpec[]
  signature: string
  encode: (writer: RowBinaryWriter, record: PredictionRecord) => void
}

const KIND_BIT = { num: 1, str: 2, bool: 4 } as const

/**
 * Turns records into RowBinary chunks, one per target table. Each model's layout is the base
 * columns, then every feature and attribute column this encoder has seen for it, sorted by name:
 * a layout only grows, and two encoders (in two worker threads) that have seen the same columns
 * produce the same layout, so their chunks share segments.
 */
export class BatchEncoder {
  private readonly targets = new Map<string, EncoderTarget>()
  private readonly writer = new RowBinaryWriter(1024 * 1024)

  constructor(private readonly maxColumnsPerModel: number) {}

  encode(project: string, predictions: readonly PredictionRecord[], outcomes: readonly OutcomeRecord[]): EncodedChunk[] {
    const chunks: EncodedChunk[] = []
    const byModel = new Map<string, PredictionRecord[]>()
    for (const p of predictions) {
      const list = byModel.get(p.modelId)
      if (list) list.push(p)
      else byModel.set(p.modelId, [p])
    }
    // Layouts first, for every model of the request: a 422 must come before any row is encoded.
    const plans = [...byModel].map(([modelId, records]) => ({ state: this.layoutFor(project, modelId, records), records }))
    for (const { state, records } of plans) {
      this.writer.reset()
      for (const record of records) state.encode(this.writer, record)
      chunks.push({ target: state.target, columns: state.columns, signature: state.signature, rows: records.length, bytes: copyOf(this.writer.view()) })
    }
    if (outcomes.length > 0) {
      this.writer.reset()
      for (const record of outcomes) encodeOutcome(this.writer, project, record)
      chunks.push({ target: { kind: 'outcomes', project }, columns: [...OUTCOME_COLUMNS], signature: OUTCOME_SIGNATURE, rows: outcomes.length, bytes: copyOf(this.writer.view()) })
    }
    return chunks
  }

  private layoutFor(project: string, modelId: string, records: readonly PredictionRecord[]): EncoderTarget {
    const target: SegmentTarget = { kind: 'predictions', project, modelId }
    const key = targetKey(target)
    let state = this.targets.get(key)
    if (!state) {
      state = { target, featureKinds: new Map(), attributeNames: new Set(), dynamic: [], columns: [], signature: '', encode: () => undefined }
      this.targets.set(key, state)
      this.relayout(state)
    }
    // Hot path: one map lookup per feature, no allocation unless a column is new.
    let added: ColumnSpec[] | undefined
    for (const record of records) {
      for (const name in record.features) {
        const value = record.features[name]!
        const kind = featureKindOf(value)
        const known = state.featureKinds.get(name) ?? 0
        if ((known & KIND_BIT[kind]) === 0) {
          state.featureKinds.set(name, known | KIND_BIT[kind])
          ;(added ??= []).push(featureColumn(name, kind))
        }
      }
      for (const name in record.attributes) {
        if (!state.attributeNames.has(name)) {
          state.attributeNames.add(name)
          ;(added ??= []).push(attributeColumn(name))
        }
      }
    }
    if (added) {
      if (BASE_PREDICTION_COLUMNS.length + state.dynamic.length + added.length > this.maxColumnsPerModel) {
        for (const column of added) this.forget(state, column)
        throw new HttpError(
          422,
          'too_many_columns',
          `model ${modelId} would have more than ${this.maxColumnsPerModel} feature and attribute columns; feature names must be a fixed set, not values`,
        )
      }
      state.dynamic.push(...added)
      this.relayout(state)
    }
    return state
  }

  private relayout(state: EncoderTarget): void {
    state.dynamic.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    state.columns = [...BASE_PREDICTION_COLUMNS, ...state.dynamic]
    state.signature = state.columns.map((c) => c.name).join('\u0000')
    state.encode = compilePredictionEncoder(state.columns)
  }

  private forget(state: EncoderTarget, column: ColumnSpec): void {
    if (column.name.startsWith('a:')) {
      state.attributeNames.delete(column.name.slice(2))
      return
    }
    const match = /^f:(.+):(num|str|bool)$/.exec(column.name)!
    const left = (state.featureKinds.get(match[1]!) ?? 0) & ~KIND_BIT[match[2] as keyof typeof KIND_BIT]
    if (left === 0) state.featureKinds.delete(match[1]!)
    else state.featureKinds.set(match[1]!, left)
  }
}

const OUTCOME_SIGNATURE = OUTCOME_COLUMNS.map((c) => c.name).join('\u0000')

/** A copy the chunk owns (Buffer#slice would share the writer's memory, which the next encode reuses). */
function copyOf(view: Uint8Array): Uint8Array {
  return new Uint8Array(view)
}
