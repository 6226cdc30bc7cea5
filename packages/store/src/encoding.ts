/**
 * The row-encoding half of the store, without the engine: safe to load in worker threads (chDB
 * crashes when its native addon is loaded inside one, so workers import this, never the index).
 */
export {
  BASE_PREDICTION_COLUMNS,
  OUTCOME_COLUMNS,
  attributeColumn,
  attributeColumnName,
  featureColumn,
  featureColumnName,
  featureKindOf,
  parseColumnName,
  predictionsTableName,
  structureOf,
} from './prediction-layout.js'
export type { ColumnSpec, ColumnEncoding, FeatureKind } from './prediction-layout.js'
export { RowBinaryWriter } from './row-binary-writer.js'
export { compilePredictionEncoder, encodeOutcome } from './row-encoders.js'
export type { PredictionRecord, OutcomeRecord } from './records.js'
