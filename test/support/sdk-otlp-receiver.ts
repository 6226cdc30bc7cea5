import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

/**
 * A real OTLP/HTTP JSON receiver on 127.0.0.1 for SDK unit tests: it accepts `POST /v1/logs` with
 * `Content-Type: application/json` (gzip or not), parses the ExportLogsServiceRequest and keeps
 * every log record, flattened. Not a mock of the SDK: the SDK's real exporter talks HTTP to it.
 *
 * @example
 *   const receiver = await startOtlpJsonReceiver()
 *   const monitor = createMonitor({ endpoint: receiver.url, protocol: 'http/json', model })
 *   …; await monitor.flush()
 *   expect(receiver.records).toHaveLength(1)
 */
export interface OtlpJsonReceiver {
  /** Base URL, e.g. http://127.0.0.1:40123 (the SDK appends /v1/logs). */
  readonly url: string
  /** Every log record received, in arrival order. */
  readonly records: ReceivedLogRecord[]
  /** Every request's method, path and headers. */
  readonly requests: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>
  /** Records whose eventName is `name`. */
  byEvent(name: string): ReceivedLogRecord[]
  close(): Promise<void>
}

export interface ReceivedLogRecord {
  eventName: string | undefined
  /** Hex trace id, or undefined when the record has none (absent or empty). */
  traceId: string | undefined
  spanId: string | undefined
  timeUnixNano: string | undefined
  /** Attribute values decoded from AnyValue (intValue as a number). */
  attributes: Record<string, string | number | boolean>
  resource: Record<string, string | number | boolean>
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean }
type KeyValue = { key: string; value?: AnyValue }

function decodeValue(value: AnyValue | undefined): string | number | boolean {
  if (value === undefined) throw new Error('attribute without a value')
  if (value.stringValue !== undefined) return value.stringValue
  if (value.boolValue !== undefined) return value.boolValue
  if (value.doubleValue !== undefined) return Number(value.doubleValue)
  if (value.intValue !== undefined) return Number(value.intValue)
  throw new Error(`unexpected AnyValue ${JSON.stringify(value)}`)
}

function decodeAttributes(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const kv of list ?? []) out[kv.key] = decodeValue(kv.value)
  return out
}

function flatten(body: any): ReceivedLogRecord[] {
  const out: ReceivedLogRecord[] = []
  for (const resourceLogs of body.resourceLogs ?? []) {
    const resource = decodeAttributes(resourceLogs.resource?.attributes)
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        out.push({
          eventName: record.eventName || undefined,
          traceId: record.traceId || undefined,
          spanId: record.spanId || undefined,
          timeUnixNano: record.timeUnixNano === undefined ? undefined : String(record.timeUnixNano),
          attributes: decodeAttributes(record.attributes),
          resource,
        })
      }
    }
  }
  return out
}

export async function startOtlpJsonReceiver(): Promise<OtlpJsonReceiver> {
  const records: ReceivedLogRecord[] = []
  const requests: OtlpJsonReceiver['requests'] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers })
      try {
        if (req.method !== 'POST' || req.url !== '/v1/logs') throw new Error(`unexpected ${req.method} ${req.url}`)
        if (!String(req.headers['content-type']).startsWith('application/json')) throw new Error(`expected OTLP JSON, got ${req.headers['content-type']}`)
        let body = Buffer.concat(chunks)
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
        records.push(...flatten(JSON.parse(body.toString('utf8'))))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      } catch (error) {
        // A 400 is not retried by the exporter: the test sees a failed export in stats().failed.
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 3, message: (error as Error).message }))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    requests,
    byEvent: (name) => records.filter((r) => r.eventName === name),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** A 127.0.0.1 port with nothing listening (bound, then released), for a collector that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
