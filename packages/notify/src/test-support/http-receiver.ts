import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  /** The raw body, exactly as received (signatures are checked over these bytes). */
  body: string
}

/** Answers one request; `index` counts requests from 0. Not calling `res.end` leaves the request hanging. */
export type Responder = (request: ReceivedRequest, res: ServerResponse, index: number) => void

export interface HttpReceiver {
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly requests: ReceivedRequest[]
  /** Resolves when `count` requests have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/**
 * A real HTTP server on 127.0.0.1 (port 0) standing in for a webhook, Slack or PagerDuty endpoint:
 * it keeps every request and answers through `respond` (204 by default).
 */
export async function startHttpReceiver(respond: Responder = (_request, res) => res.writeHead(204).end()): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = []
  let waiters: Array<{ count: number; resolve: () => void }> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      const index = requests.push(request) - 1
      waiters = waiters.filter((w) => (requests.length >= w.count ? (w.resolve(), false) : true))
      respond(request, res, index)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} requests, got ${requests.length} within ${timeoutMs} ms`)), timeoutMs)
        waiters.push({ count, resolve: () => { clearTimeout(timer); resolve() } })
      })
    },
    close() {
      // Hanging requests hold their sockets open: end them, or close() would wait for them.
      server.closeAllConnections()
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
    },
  }
}

/** Answers with `status` and a JSON body. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}
