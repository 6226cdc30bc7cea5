import type { NativeBatchResult } from './native-batch.js'

/** Main thread → worker: one request body, transferred (not copied). */
export interface WorkerRequest {
  id: number
  project: string
  receivedMs: number
  body: ArrayBuffer
}

/** Worker → main thread: the result (chunk bytes transferred), or an unexpected failure. */
export type WorkerResponse = { id: number; result: NativeBatchResult } | { id: number; failure: string }
