import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { HttpError } from '../http/http-error.js'
import type { Logger } from '../logger.js'
import { BatchEncoder } from './batch-encoder.js'
import type { BodyEncoding } from './decompress-body.js'
import type { BatchKind, ColumnsMessage, IngestWorkerData, WorkerRequest, WorkerResponse } from './ingest-worker-protocol.js'
import { KnownColumns, type ModelColumns } from './known-columns.js'
import { processBatch, type BatchResult } from './process-batch.js'

/** Runs the CPU half of ingest (processBatch) somewhere: in ingest worker threads, or in the calling thread. */
export interface BatchProcessor {
  /** `body` as sent, with its Content-Encoding; rejects with the HttpError of a body that does not decompress. */
  process<K extends BatchKind>(batch: K, project: string, body: Buffer, encoding: BodyEncoding): Promise<BatchResult<K>>
  /** Columns another encoder added (see KnownColumns): counted against the limit from now on. */
  shareColumns(models: ModelColumns[]): void
  close(): Promise<void>
}

/**
 * `workers` > 0: that many worker threads, each request to the least busy. Measured on 2 cores
 * (BENCHMARKS.md), parsing and encoding in workers lets the main thread keep HTTP and the disk busy
 * while the engine inserts on its own thread. 0: in the calling thread. `knownColumns`: the models'
 * columns to count against the column limit from the start (see KnownColumns).
 */
export function createBatchProcessor(options: { workers: number; maxColumnsPerModel: number; knownColumns?: KnownColumns; logger: Logger }): BatchProcessor {
  const script = fileURLToPath(new URL('./ingest-worker.js', import.meta.url))
  const knownColumns = options.knownColumns ?? new KnownColumns()
  if (options.workers > 0 && existsSync(script)) return new WorkerPoolProcessor(script, options.workers, options.maxColumnsPerModel, knownColumns, options.logger)
  if (options.workers > 0) options.logger.debug({ script }, 'no compiled ingest worker (running from sources): parsing in the request thread')
  const encoder = new BatchEncoder(options.maxColumnsPerModel)
  encoder.learnColumns(knownColumns.entries())
  return {
    process: async (batch, project, body, encoding) => processBatch(batch, body, encoding, project, encoder, Date.now()),
    shareColumns: (models) => encoder.learnColumns(models),
    close: async () => undefined,
  }
}

interface PooledWorker {
  worker: Worker
  pending: Map<number, { resolve: (r: BatchResult<BatchKind>) => void; reject: (e: unknown) => void }>
}

class WorkerPoolProcessor implements BatchProcessor {
  private readonly pool: PooledWorker[] = []
  private nextId = 1
  private closing = false

  constructor(
    private readonly script: string,
    size: number,
    private readonly maxColumnsPerModel: number,
    private readonly knownColumns: KnownColumns,
    private readonly logger: Logger,
  ) {
    for (let i = 0; i < size; i++) this.pool.push(this.spawn())
  }

  private spawn(): PooledWorker {
    // A worker started (or restarted) now counts every column known now; later ones come by shareColumns.
    const workerData: IngestWorkerData = { maxColumnsPerModel: this.maxColumnsPerModel, knownColumns: this.knownColumns.entries() }
    const pooled: PooledWorker = { worker: new Worker(this.script, { workerData }), pending: new Map() }
    pooled.worker.unref()
    pooled.worker.on('message', (response: WorkerResponse) => {
      const waiter = pooled.pending.get(response.id)
      if (!waiter) return
      pooled.pending.delete(response.id)
      if ('result' in response) waiter.resolve(response.result)
      else if ('refusal' in response) waiter.reject(new HttpError(response.refusal.status, response.refusal.code, response.refusal.message))
      else waiter.reject(new HttpError(500, 'ingest_failed', 'internal error while processing the batch; see the collector log', { cause: new Error(response.failure) }))
    })
    const fail = (error: unknown) => {
      for (const waiter of pooled.pending.values()) {
        waiter.reject(new HttpError(503, 'ingest_worker_failed', 'an ingest worker stopped; nothing of this request was stored, retry it', { cause: error, headers: { 'Retry-After': '1' } }))
      }
      pooled.pending.clear()
      const index = this.pool.indexOf(pooled)
      if (index >= 0 && !this.closing) {
        this.logger.error({ err: error }, 'ingest worker stopped; starting a new one')
        this.pool[index] = this.spawn()
      }
    }
    pooled.worker.on('error', fail)
    pooled.worker.on('exit', (code) => {
      if (!this.closing) fail(new Error(`ingest worker exited with code ${code}`))
    })
    return pooled
  }

  process<K extends BatchKind>(batch: K, project: string, body: Buffer, encoding: BodyEncoding): Promise<BatchResult<K>> {
    if (this.closing) return Promise.reject(new HttpError(503, 'shutting_down', 'the collector is shutting down', { headers: { 'Retry-After': '2' } }))
    let target = this.pool[0]!
    for (const candidate of this.pool) if (candidate.pending.size < target.pending.size) target = candidate
    const id = this.nextId++
    // The body is transferred, not copied, when it owns its memory (a large body read in one piece).
    const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body.buffer : new Uint8Array(body).buffer
    const request: WorkerRequest = { id, batch, project, receivedMs: Date.now(), body: owned as ArrayBuffer, encoding }
    return new Promise((resolve, reject) => {
      target.pending.set(id, { resolve: resolve as (r: BatchResult<BatchKind>) => void, reject })
      target.worker.postMessage(request, [request.body])
    })
  }

  shareColumns(models: ModelColumns[]): void {
    const message: ColumnsMessage = { type: 'columns', models }
    for (const pooled of this.pool) pooled.worker.postMessage(message)
  }

  async close(): Promise<void> {
    this.closing = true
    await Promise.all(this.pool.map((p) => p.worker.terminate()))
  }
}
