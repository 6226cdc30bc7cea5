import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { storeConfigFromEnv } from './config.js'
import { openStore } from './open-store.js'
import { BASE_PREDICTION_COLUMNS } from './prediction-layout.js'
import { PredictionTables } from './prediction-tables.js'
import { applyRetention, tableTtl } from './retention.js'
import { rollupTableName } from './rollup-table-ddl.js'

// One embedded store for the file (chDB: one data directory per process); the retention change is
// simulated by changing the config object the store was opened with.
const dir = mkdtempSync(path.join(tmpdir(), 'aims-retention-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('retention', () => {
  it('creates event tables with the configured TTL and rewrites it when the setting changes', async () => {
    const store = await openStore(storeConfigFromEnv({ AIMS_RETENTION_DAYS: '200' }, { dataDir: dir }))
    try {
      expect(await tableTtl(store, 'outcomes')).toMatch(/toIntervalDay\(200\)/)
      expect(await tableTtl(store, 'outcomes_latest')).toMatch(/toIntervalDay\(200\)/)
      const table = await new PredictionTables(store).ensure('default', 'm1', BASE_PREDICTION_COLUMNS)
      expect(await tableTtl(store, table)).toMatch(/toIntervalDay\(200\)/)
      expect(await tableTtl(store, rollupTableName(table))).toMatch(/minute \+ toIntervalDay\(200\)/)
      expect(await applyRetention(store)).toBeUndefined() // unchanged: nothing to do

      ;(store.config as { retentionDays: number }).retentionDays = 400
      expect(await applyRetention(store)).toEqual({ changedFrom: 200 })
      expect(await tableTtl(store, 'outcomes')).toMatch(/toIntervalDay\(400\)/)
      expect(await tableTtl(store, 'outcomes_latest')).toMatch(/toIntervalDay\(400\)/)
      expect(await tableTtl(store, table)).toMatch(/toIntervalDay\(400\)/)
      expect(await tableTtl(store, rollupTableName(table))).toMatch(/minute \+ toIntervalDay\(400\)/)
      expect(await applyRetention(store)).toBeUndefined()
    } finally {
      await store.close()
    }
  })

  it('rejects a retention that is not a whole number of days with the variable named', () => {
    expect(() => storeConfigFromEnv({ AIMS_RETENTION_DAYS: 'half a year' }, { dataDir: dir })).toThrow(/AIMS_RETENTION_DAYS/)
    expect(() => storeConfigFromEnv({ AIMS_RETENTION_DAYS: '0' }, { dataDir: dir })).toThrow(/AIMS_RETENTION_DAYS/)
  })

  it('reads AIMS_FEATURE_ROLLUPS as on or off (default on), and names it when it is neither', () => {
    expect(storeConfigFromEnv({}, { dataDir: dir }).featureRollups).toBe('on')
    expect(storeConfigFromEnv({ AIMS_FEATURE_ROLLUPS: 'off' }, { dataDir: dir }).featureRollups).toBe('off')
    expect(() => storeConfigFromEnv({ AIMS_FEATURE_ROLLUPS: 'false' }, { dataDir: dir })).toThrow(/AIMS_FEATURE_ROLLUPS: expected on or off/)
  })
})
