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
export * from './encoding.js'
export { createPredictionsTableSql, addColumnsSql } from './prediction-table-ddl.js'
export { PredictionTables } from './prediction-tables.js'
export {
  ROLLUP_LATENCY_LEVELS,
  ROLLUP_LATENCY_ACCURACY,
  rollupLatencyFunction,
  rollupTableName,
  rollupViewName,
  createRollupTableSql,
  createRollupViewSql,
  backfillRollupSql,
  rollupTtlExpression,
  FEATURE_HISTOGRAM_BITS,
  NUMERIC_FEATURE_COLUMNS,
  STRING_FEATURE_COLUMNS,
  ALL_ROWS_FEATURE,
  featureHistogramKeySql,
  numericFeatureRollupName,
  stringFeatureRollupName,
  featureRollupViewNames,
  createFeatureRollupTablesSql,
  createFeatureRollupViewsSql,
  backfillFeatureRollupsSql,
  featureRollupTtlExpression,
} from './rollup-table-ddl.js'
export { bucketOfKey, bucketOfKeyValue, nextUp } from './feature-histogram-buckets.js'
export type { Bucket } from './feature-histogram-buckets.js'
export { featureRollupNumbers } from './feature-rollup-numbers.js'
export { listModelSummaries } from './model-summaries.js'
export type { ModelSummary, ModelVersionSummary } from './model-summaries.js'
export { ApiKeyRepository, API_KEY_SCOPES, generateApiKey, sha256Hex } from './api-keys.js'
export type { ApiKeyRecord, ApiKeyScope } from './api-keys.js'
export { applyRetention, tableTtl } from './retention.js'
export { queryRows, insertRow, insertRows, epochMsValue } from './bound-rows.js'
export type { BoundQuery, BoundValue } from './bound-rows.js'
export { HashChain, GENESIS_HASH, canonicalJson, chainHash, columnMismatch } from './hash-chain.js'
export type { ChainAnchor, ChainLink, ChainVerification, VerifyOptions } from './hash-chain.js'
export { AuditLog } from './audit-log.js'
export type { AuditEntry, StoredAuditEntry } from './audit-log.js'
export { ANCHORED_CHAINS, anchorsOf, parseChainAnchor, type AnchoredChain, type NamedChainAnchor } from './chain-anchor.js'
