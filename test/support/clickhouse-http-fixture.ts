import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { randomUUID } from 'node:crypto'
import { brotliCompressSync, deflateSync, gunzipSync, gzipSync, brotliDecompressSync, inflateSync } from 'node:zlib'
import { ChdbEngine, type ExecuteResult } from './chdb-engine.js'
import { authenticationFailed, ClickHouseHttpError, fromEngineError, injectedFailure, notImplemented } from './clickhouse-http-errors.js'
import { parseRequest } from './clickhouse-http-request.js'

/**
 * Faults the fixture can inject:
 * - `down`: connections are refused (the server stops listening; the engine and its data stay);
 * - `slow`: every response waits `delayMs` first;
 * - `error500`: every query answers a ClickHouse error (HTTP 500, code 999 KEEPER_EXCEPTION);
 * - `lose-response`: an insert whose data is the body is executed, then its connection is cut
 *   before the answer (a response lost in the network): the client must retry, and only its
 *   deduplication token keeps the rows from being stored twice.
 */
export type ClickHouseFault = 'none' | 'down' | 'slow' | 'error500' | 'lose-response'

export interface ClickHouseHttpFixtureOptions {
  /** chDB data directory (one per process: see test/support/collector-fixture.ts). */
  dataDir: string
  /** Default 0: a free port. Kept across a `down` fault, so the URL stays valid. */
  port?: number
  /** Accepted users and their passwords. Default: `default` with an empty password. */
  users?: Record<string, string>
  /** Delay of the `slow` fault, unless setFault gives one. Default 1500 ms. */
  slowMs?: number
}

export interface RecordedRequest {
  sql: string
  settings: Record<string, string>
  /** Bytes of insert data that came as the body, if any. */
  insertBytes?: number
  /** HTTP status answered; 0 when the `lose-response` fault cut the connection instead. */
  status: number
}

export interface ClickHouseHttpFixture {
  /** e.g. http://127.0.0.1:38123 */
  readonly url: string
  readonly port: number
  readonly fault: ClickHouseFault
  /** The last 500 requests that reached the engine or were refused by it, oldest first. */
  readonly requests: readonly RecordedRequest[]
  setFault(fault: ClickHouseFault, options?: { delayMs?: number }): Promise<void>
  /** Rows of `sql` read straight from the engine (JSONEachRow objects): for assertions. */
  rows<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>
  close(): Promise<void>
}

/**
 * A stand-in for a ClickHouse server: ClickHouse's HTTP interface on 127.0.0.1 over an in-process
 * chDB session, enough of it for @clickhouse/client (queries, commands, inserts with the data as
 * the body, `{name:Type}` parameters, settings as URL parameters, gzip responses, `/ping`, errors
 * as ClickHouseError, Basic auth), plus fault injection.
 *
 * @example
 *   const ch = await startClickHouseHttpFixture({ dataDir })
 *   const client = createClient({ url: ch.url })
 *   await ch.setFault('down')   // ECONNREFUSED until setFault('none')
 *   await ch.close()
 */
export async function startClickHouseHttpFixture(options: ClickHouseHttpFixtureOptions): Promise<ClickHouseHttpFixture> {
  const engine = new ChdbEngine(options.dataDir)
  const users = options.users ?? { default: '' }
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()
  let fault: ClickHouseFault = 'none'
  let delayMs = options.slowMs ?? 1500
  let closed = false

  const record = (entry: RecordedRequest) => {
    requests.push(entry)
    if (requests.length > 500) requests.shift()
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, delayMs))
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const queryId = url.searchParams.get('query_id') || randomUUID()
    const acceptEncoding = String(req.headers['accept-encoding'] ?? '')
    let compress = false
    const send = (status: number, body: Buffer, headers: Record<string, string>) => {
      const encoding = compress ? chooseEncoding(acceptEncoding) : undefined
      const payload = encoding === 'gzip' ? gzipSync(body) : encoding === 'br' ? brotliCompressSync(body) : encoding === 'deflate' ? deflateSync(body) : body
      res.writeHead(status, {
        ...headers,
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Timezone': 'UTC',
        ...(encoding ? { 'Content-Encoding': encoding } : {}),
        'Content-Length': String(payload.length),
        'Keep-Alive': 'timeout=10',
      })
      res.end(payload)
    }
    const sendError = (error: ClickHouseHttpError) =>
      send(error.httpStatus, Buffer.from(error.body(engine.version)), {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Exception-Code': String(error.code),
      })

    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      await readBody(req)
      return send(200, Buffer.from('Ok.\n'), { 'Content-Type': 'text/html; charset=UTF-8' })
    }
    let sql = ''
    let settings: Record<string, string> = {}
    try {
      if (url.pathname !== '/') throw notImplemented(`the test fixture serves / and /ping, not ${url.pathname}`)
      const body = decompress(await readBody(req), req.headers['content-encoding'])
      const parsed = parseRequest(req.method ?? 'GET', url, req.headers, body)
      sql = parsed.sql
      settings = parsed.settings
      compress = parsed.compressionEnabled
      if (users[parsed.user] === undefined || users[parsed.user] !== parsed.password) throw authenticationFailed(parsed.user)
      if (fault === 'error500') throw injectedFailure()
      const result = await engine.execute(parsed)
      const lost = fault === 'lose-response' && parsed.insert !== undefined
      record({ sql, settings, ...(parsed.insert ? { insertBytes: parsed.insert.data.length } : {}), status: lost ? 0 : 200 })
      if (lost) return void req.socket.destroy()
      send(200, result.body, {
        'Content-Type': contentType(result.format),
        'X-ClickHouse-Format': result.format,
        'X-ClickHouse-Summary': summary(result),
      })
    } catch (error) {
      const chError = fromEngineError(error)
      record({ sql, settings, status: chError.httpStatus })
      sendError(chError)
    }
  }

  // A ClickHouse server takes a URL of up to 1 MiB (http_max_uri_size), where the client puts query
  // parameters; Node's own limit on the request head is 16 KiB.
  const server: Server = createServer({ maxHeaderSize: 1024 * 1024 + 16 * 1024 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The socket went away mid-response (a `down` fault, a client abort): nothing left to answer.
      if (!res.headersSent) res.destroy(error instanceof Error ? error : new Error(String(error)))
    })
  })
  server.keepAliveTimeout = 10_000
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve((server.address() as AddressInfo).port)
      })
    })
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve()
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })

  let port: number
  try {
    port = await listen(options.port ?? 0)
  } catch (error) {
    engine.close()
    throw error
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get fault() {
      return fault
    },
    requests,
    async setFault(next, faultOptions = {}) {
      if (closed) throw new Error('the ClickHouse fixture is closed')
      if (faultOptions.delayMs !== undefined) delayMs = faultOptions.delayMs
      if (next === 'down') await stopListening()
      else if (!server.listening) await listen(port)
      fault = next
    },
    rows: (query, params) => engine.rows(query, params),
    async close() {
      if (closed) return
      closed = true
      await stopListening()
      engine.close()
    },
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', reject)
  })
}

function decompress(body: Buffer, encoding: string | string[] | undefined): Buffer {
  if (encoding === undefined || body.length === 0) return body
  if (encoding === 'gzip') return gunzipSync(body)
  if (encoding === 'deflate') return inflateSync(body)
  if (encoding === 'br') return brotliDecompressSync(body)
  throw notImplemented(`request Content-Encoding ${String(encoding)} is not supported by this test fixture`)
}

/** The first codec the client accepts that the fixture can produce, as a server picks it. */
function chooseEncoding(acceptEncoding: string): 'gzip' | 'br' | 'deflate' | undefined {
  for (const candidate of acceptEncoding.split(',').map((s) => s.trim().split(';')[0]!.toLowerCase())) {
    if (candidate === 'gzip' || candidate === 'br' || candidate === 'deflate') return candidate
  }
  return undefined
}

function contentType(format: string): string {
  if (/^JSON/.test(format)) return 'application/json; charset=UTF-8'
  if (/^(TabSeparated|TSV)/.test(format)) return 'text/tab-separated-values; charset=UTF-8'
  if (/^CSV/.test(format)) return 'text/csv; charset=UTF-8'
  return 'application/octet-stream'
}

function summary(result: ExecuteResult): string {
  return JSON.stringify({
    read_rows: String(result.rowsRead),
    read_bytes: String(result.bytesRead),
    written_rows: '0',
    written_bytes: '0',
    total_rows_to_read: String(result.rowsRead),
    result_rows: String(result.rowsRead),
    result_bytes: String(result.body.length),
    elapsed_ns: String(result.elapsedNs),
  })
}
