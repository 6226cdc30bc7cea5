import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { acquireDataDirLock, ApiKeyRepository, API_KEY_SCOPES, AuditLog, openStore, PredictionTables, type DataDirLock, type Store } from '@aims-monitor/store'
import { createApp } from './app.js'
import type { CollectorConfig } from './config.js'
import { IngestService } from './ingest/ingest-service.js'
import { createBatchProcessor, type BatchProcessor } from './ingest/batch-processor.js'
import { KnownColumns } from './ingest/known-columns.js'
import { createLogger, type Logger } from './logger.js'
import { createCollectorMetrics } from './metrics.js'
import { Spool } from './spool/spool.js'
import { SpoolBarrier } from './spool/spool-barrier.js'
import { SpoolDrainer } from './spool/spool-drainer.js'
import { spoolDirectory } from './spool/spool-recovery.js'
import { formatProblems, loadPolicyFile } from '@aims-monitor/controls'
import { Evaluator, PolicyHistory, ReferenceDatasets } from '@aims-monitor/evaluator'
import { hostname } from 'node:os'

export interface RunningCollector {
  /** e.g. http://127.0.0.1:4318 */
  readonly url: string
  readonly port: number
  readonly store: Store
  readonly keys: ApiKeyRepository
  /** The hash-chained audit log of administrative actions. */
  readonly audit: AuditLog
  /** The evaluator of the policy given with --policy / AIMS_POLICY_FILE. */
  readonly evaluator: Evaluator | undefined
  /** Stops taking requests, commits the spool, inserts what it can within shutdownDrainMs, closes the store. */
  close(): Promise<void>
}

/**
 * Starts a collector: opens (and migrates) the store, recovers the spool left by a previous run,
 * starts the drainer, creates the init key, and listens. Fails fast, with the reason, when the data
 * directory is held by another process.
 */
export async function startCollector(config: CollectorConfig, options: { logger?: Logger } = {}): Promise<RunningCollector> {
  const logger = options.logger ?? createLogger()
  const metrics = createCollectorMetrics()
  if (config.store.retentionDays < 183) {
    logger.warn({ retentionDays: config.store.retentionDays }, 'retention is under six months: EU AI Act Art. 19 / 26(6) ask high-risk systems to keep logs at least that long')
  }
  // The spool lives in the data directory whichever store is used; embedded stores lock it themselves.
  const serverLock: DataDirLock | undefined = config.store.url ? acquireDataDirLock(config.store.dataDir) : undefined
  let store: Store
  try {
    store = await openStore(config.store)
  } catch (error) {
    serverLock?.release()
    throw error
  }
  const lock = store.lock ?? serverLock!
  let ready = false
  let stopping = false
  let keysForCleanup: ApiKeyRepository | undefined
  let batchesForCleanup: BatchProcessor | undefined
  let evaluator: Evaluator | undefined
  const audit = new AuditLog(store)
  try {
    if (config.policyFile) {
      const loaded = await loadPolicyFile(config.policyFile)
      if (!loaded.ok) throw new Error(`the control policy ${config.policyFile} is invalid:\n${formatProblems(loaded.problems, loaded.source)}`)
      evaluator = new Evaluator({
        store,
        policy: loaded,
        publicUrl: config.publicUrl,
        logger: logger.child({ component: 'evaluator' }),
        observer: {
          evaluated: (record) => {
            metrics.evaluations.inc({ control: record.control.id, outcome: record.outcome })
            metrics.evaluationSeconds.observe(record.durationMs / 1000)
          },
          deliveryAttempt: (attempt) => metrics.alertDeliveryAttempts.inc({ notifier: attempt.notifier, result: attempt.ok ? 'ok' : attempt.willRetry ? 'retry' : 'failed' }),
        },
      })
      const history = await new PolicyHistory(store, audit).recordLoad(loaded, `collector ${hostname()}/${process.pid}`)
      logger.info({ policy: loaded.policy.metadata.name, version: loaded.policy.metadata.version, sha256: loaded.sha256, controls: loaded.policy.controls.length, newVersion: history.recorded }, 'control policy loaded')
    }
    const keys = new ApiKeyRepository(store)
    keysForCleanup = keys
    await keys.load()
    keys.startRefresh(config.keyRefreshMs, (error) => logger.warn({ err: error }, 'could not reload API keys; keeping the ones loaded before'))
    if (config.initApiKey && !keys.hasSecret(config.initApiKey)) {
      const created = await keys.create({ project: 'default', name: 'AIMS_INIT_API_KEY', scopes: [...API_KEY_SCOPES], secret: config.initApiKey })
      await audit.append({ project: 'default', actor: 'AIMS_INIT_API_KEY (collector start)', action: 'api_key.created', target: created.record.id, details: { name: created.record.name, scopes: created.record.scopes } })
      logger.info({ key: created.record.id, keyPrefix: created.record.keyPrefix }, 'created the AIMS_INIT_API_KEY key on project default')
    }
    // The column limit counts what the models' tables have already (known-columns.ts).
    const knownColumns = new KnownColumns()
    for (const model of await new PredictionTables(store).dynamicColumns()) knownColumns.add(model.project, model.modelId, model.columns)
    const spool = await Spool.open(
      {
        dir: spoolDirectory(config.store.dataDir),
        maxBytes: config.maxSpoolBytes,
        sealAfterMs: config.sealAfterMs,
        maxSegmentRows: config.maxSegmentRows,
        maxSegmentBytes: config.maxSegmentBytes,
        maxColumnsPerModel: config.maxColumnsPerModel,
      },
      metrics,
      knownColumns,
    )
    const recovered = spool.depth
    if (recovered.rows > 0) logger.info(recovered, 'recovered spooled events from the previous run; inserting them into the store')
    // Acknowledged rows the spool could not trust are kept aside, not deleted: an operator must look.
    if (spool.quarantined.length > 0) logger.error({ quarantined: spool.quarantined }, 'spool segments were quarantined (see spool/quarantine/*.reason.txt): their acknowledged events are not in the store')
    const drainer = new SpoolDrainer(spool, store, metrics, logger)
    drainer.start()
    const batches = createBatchProcessor({ workers: config.ingestWorkers, maxColumnsPerModel: config.maxColumnsPerModel, knownColumns, logger })
    spool.setNewColumnsListener((models) => batches.shareColumns(models))
    batchesForCleanup = batches
    const app = createApp({
      store,
      audit,
      keys,
      ingest: new IngestService(spool, metrics),
      batches,
      barrier: new SpoolBarrier(spool, drainer),
      metrics,
      logger,
      maxBodyBytes: config.maxBodyBytes,
      evaluator: () => evaluator,
      references: new ReferenceDatasets(store),
      maxReferenceBytes: config.maxReferenceBytes,
      trustProxy: config.trustProxy,
      readiness: () =>
        stopping
          ? { ready: false, reason: 'shutting down' }
          : ready
            ? { ready: true, details: { store: store.mode, spool: spool.depth, quarantinedSegments: spool.quarantined.length, lastStoreError: drainer.lastError ?? null } }
            : { ready: false, reason: 'starting' },
    })
    const server = await listen(app, config.port, config.host)
    const port = (server.address() as AddressInfo).port
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
    lock.update({ url })
    ready = true
    if (evaluator && config.evaluatorSchedule) evaluator.start()
    logger.info({ url, store: store.mode, dataDir: config.store.dataDir }, 'collector listening')
    let closing: Promise<void> | undefined
    return {
      url,
      port,
      store,
      keys,
      audit,
      evaluator,
      close() {
        closing ??= (async () => {
          stopping = true
          keys.stopRefresh()
          await new Promise<void>((resolve) => {
            server.close(() => resolve())
            server.closeIdleConnections()
          })
          await evaluator?.stop()
          await batches.close()
          await spool.close()
          await drainer.stop(config.shutdownDrainMs)
          const left = spool.depth
          if (left.rows > 0) logger.warn(left, 'events left in the spool; they are inserted at the next start')
          await store.close()
          serverLock?.release()
        })()
        return closing
      },
    }
  } catch (error) {
    keysForCleanup?.stopRefresh()
    await evaluator?.stop().catch(() => undefined)
    await batchesForCleanup?.close()
    // Closing after a failed start: the start error (rethrown below) is the one worth reporting.
    await store.close().catch(() => undefined)
    serverLock?.release()
    throw error
  }
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host)
    server.once('listening', () => resolve(server))
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is already in use; pass another --port`) : error),
    )
    server.keepAliveTimeout = 65_000
  })
}
