export { storeConfigSchema, storeConfigFromEnv } from './config.js'
export type { StoreConfig, StoreConfigInput } from './config.js'
export { openStore } from './open-store.js'
export type { Store, StoreMode } from './open-store.js'
export { acquireDataDirLock, readLockOwner, DataDirLockedError } from './data-dir-lock.js'
export type { DataDirLock, LockOwner } from './data-dir-lock.js'
export { runMigrations, loadMigrations, MIGRATIONS_DIR } from './migrations.js'
export type { Migration, MigrationResult } from './migrations.js'
export { renderDdl, splitStatements, tableEngine } from './ddl-template.js'
export { quoteIdentifier, qualifiedTable } from './identifiers.js'
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
export { createPredictionsTableSql, addColumnsSql } from './prediction-table-ddl.js'
export { PredictionTables } from './prediction-tables.js'
export { RowBinaryWriter } from './row-binary-writer.js'
export { compilePredictionEncoder, encodeOutcome } from './row-encoders.js'
export type { PredictionRecord, OutcomeRecord } from './records.js'
export { listModelSummaries } from './model-summaries.js'
export type { ModelSummary, ModelVersionSummary } from './model-summaries.js'
export { ApiKeyRepository, API_KEY_SCOPES, generateApiKey, sha256Hex } from './api-keys.js'
export type { ApiKeyRecord, ApiKeyScope } from './api-keys.js'
export { applyRetention, tableTtl } from './retention.js'
