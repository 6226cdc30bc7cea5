import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

/** One request as it arrived: headers, and the body as sent and decompressed. */
export interface CapturedRequest {
  headers: IncomingHttpHeaders
  /** The body after Content-Encoding (gzip) is undone. */
  body: Buffer
}

export interface OtlpCapture {
  /** Base URL (the SDK appends /v1/logs). */
  readonly url: string
  readonly requests: CapturedRequest[]
  close(): Promise<void>
}

/**
 * A real HTTP server on 127.0.0.1 that keeps every `POST /v1/logs` body byte for byte, for tests
 * that compare what two exporters put on the wire. Answers 200 with an empty body (a valid empty
 * ExportLogsServiceResponse in either encoding: `{}` for JSON).
 */
export async function startOtlpCapture(): Promise<OtlpCapture> {
  const requests: CapturedRequest[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      requests.push({ headers: req.headers, body: req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw })
      const json = String(req.headers['content-type']).startsWith('application/json')
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
