/**
 * An ingest worker thread: parses, validates and encodes native batches and OTLP logs requests off
 * the main thread, so the collector uses more than one core for the CPU half of ingest (the main
 * thread keeps HTTP, the spool's disk I/O and the engine's inserts). It must never load chDB (its
 * addon crashes in worker threads): it imports the schema and the store's encoding half only.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { HttpError } from '../http/http-error.js'
import { BatchEncoder } from './batch-encoder.js'
import { processBatch } from './process-batch.js'
import type { IngestWorkerData, WorkerMessage, WorkerResponse } from './ingest-worker-protocol.js'

const port = parentPort
if (!port) throw new Error('ingest-worker.js runs as a worker thread')
const data = workerData as IngestWorkerData
const encoder = new BatchEncoder(data.maxColumnsPerModel)
encoder.learnColumns(data.knownColumns)

port.on('message', (request: WorkerMessage) => {
  if ('type' in request) {
    // Messages are handled in order: columns shared before a request are counted for it.
    encoder.learnColumns(request.models)
    return
  }
  let response: WorkerResponse
  try {
    response = { id: request.id, result: processBatch(request.batch, new Uint8Array(request.body), request.encoding, request.project, encoder, request.receivedMs) }
  } catch (error) {
    response =
      error instanceof HttpError && error.status < 500
        ? { id: request.id, refusal: { status: error.status, code: error.code, message: error.message } }
        : { id: request.id, failure: (error as Error).stack ?? String(error) }
  }
  const transfer = 'result' in response && response.result.ok ? response.result.chunks.map((c) => c.bytes.buffer as ArrayBuffer) : []
  port.postMessage(response, transfer)
})
