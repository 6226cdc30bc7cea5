import {
  BASE_PREDICTION_COLUMNS,
  OUTCOME_COLUMNS,
  RowBinaryWriter,
  attributeColumn,
  compilePredictionEncoder,
  encodeOutcome,
  featureColumn,
  featureKindOf,
  parseColumnName,
  type ColumnSpec,
  type OutcomeRecord,
  type PredictionRecord,
} from '@aims-monitor/store/encoding'
import { HttpError } from '../http/http-error.js'
import { targetKey, type SegmentTarget } from '../spool/segment-files.js'
import type { ModelColumns } from './known-columns.js'

/** Rows of one target table, encoded as RowBinary in the order of `columns`. */
export interface EncodedChunk {
  target: SegmentTarget
  columns: ColumnSpec[]
  /** Identifies the row layout: segments only take chunks of their own layout. */
  signature: string
  rows: number
  bytes: Uint8Array
}

/** A model's row layout: the chunks of rows in it go to its table's segments. */
export interface PredictionLayout {
  readonly target: SegmentTarget
  readonly columns: readonly ColumnSpec[]
  readonly signature: string
}

interface EncoderTarget {
  target: SegmentTarget
  /** Per feature name, the kinds it has columns for (1 number, 2 string, 4 boolean). */
  featureKinds: Map<string, number>
  attributeNames: Set<string>
  dynamic: ColumnSpec[]
  /** Columns the request being encoded adds, not yet in `dynamic`. */
  pending: ColumnSpec[]
  columns: ColumnSpec[]
  signature: string
  encode: (writer: RowBinaryWriter, record: PredictionRecord) => void
}

const KIND_BIT = { num: 1, str: 2, bool: 4 } as const
const KIND_TEXT = { num: 'number', str: 'string', bool: 'boolean' } as const

/**
 * A prediction left out of the chunks because its model's table is at its column limit: one of its
 * features or attributes (the first that does not fit) would have added a column.
 */
export interface ColumnRefusal {
  /** Index of the prediction in the `predictions` given to encode. */
  index: number
  /** Wire path of that field: `features.<name>` or `attributes.<name>`. */
  path: string
  message: string
}

/**
 * Turns records into RowBinary chunks, one per target table. Each model's layout is the base
 * columns, then every feature and attribute column this encoder has seen for it, sorted by name:
 * a layout only grows, and two encoders (in two worker threads) that have seen the same columns
 * produce the same layout, so their chunks share segments.
 *
 * A model's table holds at most `maxColumnsPerModel` columns, base ones included: names that are
 * values (an id, a timestamp) would otherwise add a column per event. A prediction that would add
 * a column past the limit is refused on its own (encodeAccepting); its columns are not added, and
 * the others of its request, which fit, are kept.
 */
export class BatchEncoder {
  private readonly targets = new Map<string, EncoderTarget>()
  private readonly writer = new RowBinaryWriter(1024 * 1024)

  constructor(private readonly maxColumnsPerModel: number) {}

  /**
   * Makes models' columns part of their layouts, as if their events had been encoded here: the
   * columns their tables have, or that another encoder added (KnownColumns), count against the
   * limit here too. A model past its limit already (a table grown before) takes no new column.
   */
  learnColumns(models: readonly ModelColumns[]): void {
    for (const { project, modelId, columns } of models) {
      const state = this.stateOf(project, modelId)
      let added = false
      for (const column of columns) {
        if (!this.know(state, column)) continue
        state.dynamic.push(column)
        added = true
      }
      if (added) this.relayout(state)
    }
  }

  /**
   * The model's layout as it stands, for rows encoded elsewhere (protobuf-row-transcoder.ts) that
   * use only columns it has; undefined when this encoder has not seen the model yet. `columns` is
   * a new array whenever the layout changes, so it identifies the layout.
   */
  layoutOf(project: string, modelId: string): PredictionLayout | undefined {
    const state = this.targets.get(targetKey({ kind: 'predictions', project, modelId }))
    if (state === undefined || state.pending.length > 0) return undefined
    return state
  }

  /**
   * Encodes the records, leaving out (and listing in `refused`) the predictions that would take
   * their model past its column limit: the ingest routes refuse those events one by one.
   */
  encodeAccepting(project: string, predictions: readonly PredictionRecord[], outcomes: readonly OutcomeRecord[]): { chunks: EncodedChunk[]; refused: ColumnRefusal[] } {
    return this.encodeWith(project, predictions, outcomes, false)
  }

  /**
   * All or nothing: a 422 when any prediction would take its model past the column limit, with
   * none of the request's columns added (the spool's own append, which has no per-event report).
   */
  encode(project: string, predictions: readonly PredictionRecord[], outcomes: readonly OutcomeRecord[]): EncodedChunk[] {
    return this.encodeWith(project, predictions, outcomes, true).chunks
  }

  private encodeWith(project: string, predictions: readonly PredictionRecord[], outcomes: readonly OutcomeRecord[], allOrNothing: boolean): { chunks: EncodedChunk[]; refused: ColumnRefusal[] } {
    const chunks: EncodedChunk[] = []
    const byModel = new Map<string, PredictionRecord[]>()
    for (const p of predictions) {
      const list = byModel.get(p.modelId)
      if (list) list.push(p)
      else byModel.set(p.modelId, [p])
    }
    // Layouts first, for every model of the request: a 422 must come before any row is encoded.
    const plans = [...byModel].map(([modelId, records]) => ({ modelId, records, ...this.layoutFor(project, modelId, records) }))
    const over = allOrNothing ? plans.find((plan) => plan.refused !== undefined) : undefined
    if (over !== undefined) {
      for (const plan of plans) this.rollBack(plan.state)
      throw new HttpError(
        422,
        'too_many_columns',
        `model ${over.modelId} would have more than ${this.maxColumnsPerModel} feature and attribute columns; feature names must be a fixed set, not values`,
      )
    }
    let refusedRecords: Map<PredictionRecord, Omit<ColumnRefusal, 'index'>> | undefined
    for (const plan of plans) {
      this.commitLayout(plan.state)
      const refused = plan.refused
      if (refused === undefined) continue
      refusedRecords ??= new Map()
      for (const [record, refusal] of refused) refusedRecords.set(record, refusal)
      plan.records = plan.records.filter((r) => !refused.has(r))
    }
    for (const { state, records } of plans) {
      if (records.length === 0) continue
      this.writer.reset()
      for (const record of records) state.encode(this.writer, record)
      chunks.push({ target: state.target, columns: state.columns, signature: state.signature, rows: records.length, bytes: copyOf(this.writer.view()) })
    }
    if (outcomes.length > 0) {
      this.writer.reset()
      for (const record of outcomes) encodeOutcome(this.writer, project, record)
      chunks.push({ target: { kind: 'outcomes', project }, columns: [...OUTCOME_COLUMNS], signature: OUTCOME_SIGNATURE, rows: outcomes.length, bytes: copyOf(this.writer.view()) })
    }
    const refused: ColumnRefusal[] = []
    if (refusedRecords !== undefined) {
      // Rare: indexes found by one pass over the request rather than kept for every record.
      predictions.forEach((record, index) => {
        const refusal = refusedRecords.get(record)
        if (refusal !== undefined) refused.push({ index, ...refusal })
      })
    }
    return { chunks, refused }
  }

  /**
   * Adds the columns the model's records bring, in request order, to its pending columns
   * (`state.pending`, made part of the layout by commitLayout or forgotten by rollBack). A record
   * whose new columns do not all fit adds none of them and is returned in `refused`.
   */
  private layoutFor(project: string, modelId: string, records: readonly PredictionRecord[]): { state: EncoderTarget; refused: Map<PredictionRecord, Omit<ColumnRefusal, 'index'>> | undefined } {
    const state = this.stateOf(project, modelId)
    // Hot path: one map lookup per feature, no allocation unless a column is new.
    const room = this.maxColumnsPerModel - BASE_PREDICTION_COLUMNS.length - state.dynamic.length
    const added = state.pending
    let refused: Map<PredictionRecord, Omit<ColumnRefusal, 'index'>> | undefined
    for (const record of records) {
      const before = added.length
      for (const name in record.features) {
        const value = record.features[name]!
        const kind = featureKindOf(value)
        const known = state.featureKinds.get(name) ?? 0
        if ((known & KIND_BIT[kind]) === 0) {
          state.featureKinds.set(name, known | KIND_BIT[kind])
          added.push(featureColumn(name, kind))
        }
      }
      for (const name in record.attributes) {
        if (!state.attributeNames.has(name)) {
          state.attributeNames.add(name)
          added.push(attributeColumn(name))
        }
      }
      // (room < 0 when the model is over its limit already — columns learned from the table or from
      // another worker in the same instant: a record that brings no new column still fits.)
      if (added.length > before && added.length > room) {
        // This record's new columns do not all fit: it is refused whole (a record stored without
        // some of its fields would be a silent loss), and none of its columns is kept.
        const mine = added.splice(before)
        for (const column of mine) this.forget(state, column)
        ;(refused ??= new Map()).set(record, this.refusal(modelId, mine[Math.max(0, room - before)]!, mine.length))
      }
    }
    return { state, refused }
  }

  private stateOf(project: string, modelId: string): EncoderTarget {
    const target: SegmentTarget = { kind: 'predictions', project, modelId }
    const key = targetKey(target)
    let state = this.targets.get(key)
    if (!state) {
      state = { target, featureKinds: new Map(), attributeNames: new Set(), dynamic: [], pending: [], columns: [], signature: '', encode: () => undefined }
      this.targets.set(key, state)
      this.relayout(state)
    }
    return state
  }

  private refusal(modelId: string, column: ColumnSpec, newColumns: number): Omit<ColumnRefusal, 'index'> {
    const parsed = parseColumnName(column.name)
    const [path, field] =
      parsed.role === 'feature' ? [`features.${parsed.feature}`, `feature ${JSON.stringify(parsed.feature)} (as a ${KIND_TEXT[parsed.kind]})`]
        : parsed.role === 'attribute' ? [`attributes.${parsed.attribute}`, `attribute ${JSON.stringify(parsed.attribute)}`]
          : [column.name, column.name]
    const fixed = BASE_PREDICTION_COLUMNS.length
    const brings = newColumns > 1 ? `, with the ${newColumns} new columns this event brings` : ''
    return {
      path,
      message:
        `${field} would take model ${modelId} past its limit of ${this.maxColumnsPerModel} table columns, ` +
        `${this.maxColumnsPerModel - fixed} of them for features and attributes (a name sent with two value types takes two)${brings}: ` +
        'the event is refused; events using existing columns are accepted. Feature and attribute names must be a fixed set, not values',
    }
  }

  /** Makes the pending columns part of the layout. */
  private commitLayout(state: EncoderTarget): void {
    if (state.pending.length === 0) return
    state.dynamic.push(...state.pending)
    state.pending = []
    this.relayout(state)
  }

  /** Forgets the pending columns: the request that brought them was refused. */
  private rollBack(state: EncoderTarget): void {
    for (const column of state.pending) this.forget(state, column)
    state.pending = []
  }

  private relayout(state: EncoderTarget): void {
    state.dynamic.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    state.columns = [...BASE_PREDICTION_COLUMNS, ...state.dynamic]
    state.signature = state.columns.map((c) => c.name).join('\u0000')
    state.encode = compilePredictionEncoder(state.columns)
  }

  /** Records a feature or attribute column as known; false when it was already, or is a base column. */
  private know(state: EncoderTarget, column: ColumnSpec): boolean {
    const parsed = parseColumnName(column.name)
    if (parsed.role === 'attribute') {
      if (state.attributeNames.has(parsed.attribute)) return false
      state.attributeNames.add(parsed.attribute)
      return true
    }
    if (parsed.role !== 'feature') return false
    const known = state.featureKinds.get(parsed.feature) ?? 0
    if ((known & KIND_BIT[parsed.kind]) !== 0) return false
    state.featureKinds.set(parsed.feature, known | KIND_BIT[parsed.kind])
    return true
  }

  /** The reverse of know: the column is no longer counted. */
  private forget(state: EncoderTarget, column: ColumnSpec): void {
    const parsed = parseColumnName(column.name)
    if (parsed.role === 'attribute') {
      state.attributeNames.delete(parsed.attribute)
      return
    }
    if (parsed.role !== 'feature') return
    const left = (state.featureKinds.get(parsed.feature) ?? 0) & ~KIND_BIT[parsed.kind]
    if (left === 0) state.featureKinds.delete(parsed.feature)
    else state.featureKinds.set(parsed.feature, left)
  }
}

const OUTCOME_SIGNATURE = OUTCOME_COLUMNS.map((c) => c.name).join('\u0000')

/** A copy the chunk owns (Buffer#slice would share the writer's memory, which the next encode reuses). */
function copyOf(view: Uint8Array): Uint8Array {
  return new Uint8Array(view)
}
