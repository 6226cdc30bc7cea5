import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diag, DiagLogLevel } from '@opentelemetry/api'
import type { AnyValueMap } from '@opentelemetry/api-logs'
import { OTLPLogExporter as OTLPProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'
import { getModels, killAllChildren, spawnCollector } from './support/spawn-collector.js'

/**
 * Hostile compressed bodies against the body path of this session: the main thread reads the body
 * as sent (raw-body.ts, limit on the sent bytes, Content-Type/Content-Encoding checks), an ingest
 * worker decompresses it (decompress-body.ts, the same limit on the decompressed size) and a
 * refusal travels back as the same HttpError. One real collector (embedded chDB, worker threads from
 * collector/dist) with a small body limit, so bombs are cheap; one child `aims up` at the end.
 * The rule: every bad body is refused with its documented status and code, every good one is
 * stored exactly once, and the collector (and its worker pool) keeps working.
 */

const LIMIT = 64 * 1024
let c: CollectorFixture

const requireFromCollector = createRequire(new URL('../collector/package.json', import.meta.url))
interface ProtobufType {
  decode(body: Uint8Array): object
  toObject(message: object): Record<string, unknown>
}
const protobuf = requireFromCollector('protobufjs') as { parse(source: string): { root: { lookupType(name: string): ProtobufType } } }
/** An independent google.rpc.Status (fields 1 and 2), to read protobuf error bodies. */
const StatusType = protobuf.parse('syntax = "proto3"; message Status { int32 code = 1; string message = 2; }').root.lookupType('Status')

beforeAll(async () => {
  c = await startCollectorFixture({ maxBodyBytes: LIMIT })
})
afterAll(async () => {
  diag.disable()
  await killAllChildren()
  await c?.close()
})

type Json = Record<string, unknown>
const pred = (model: string, id: string): Json => ({
  type: 'prediction', id, timestamp: Date.now() - 60_000, model: { id: model, version: '1' }, features: { age: 30 }, output: { score: 0.5 },
})
/** A native batch serialized to exactly `size` bytes (trailing JSON whitespace), or as it is. */
function nativeBody(events: Json[], size?: number): Buffer {
  const json = JSON.stringify({ events })
  if (size === undefined) return Buffer.from(json)
  if (json.length > size) throw new Error(`batch is ${json.length} bytes, more than ${size}`)
  return Buffer.from(json + ' '.repeat(size - json.length))
}
/** An OTLP/JSON ExportLogsServiceRequest of AIMS predictions, padded to exactly `size` bytes. */
function otlpJsonBody(model: string, ids: string[], size?: number): Buffer {
  const kv = (key: string, value: unknown) => ({ key, value })
  const body = {
    resourceLogs: [{
      resource: { attributes: [kv('aims.model.id', { stringValue: model }), kv('aims.model.version', { stringValue: '1' })] },
      scopeLogs: [{ scope: { name: 't' }, logRecords: ids.map((id) => ({ timeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`, eventName: 'aims.prediction', attributes: [kv('aims.prediction.id', { stringValue: id }), kv('aims.output.score', { doubleValue: 0.5 })] })) }],
    }],
  }
  const json = JSON.stringify(body)
  if (size === undefined) return Buffer.from(json)
  return Buffer.from(json + ' '.repeat(size - json.length))
}

type Encoding = 'gzip' | 'deflate' | 'br'
const compress = (encoding: Encoding, body: Buffer): Buffer =>
  encoding === 'gzip' ? gzipSync(body) : encoding === 'deflate' ? deflateSync(body) : brotliCompressSync(body)

interface Answer {
  status: number
  contentType: string
  text: string
  json: any
  bytes: Buffer
}
async function send(urlPath: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(c.url + urlPath, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.initKey}`, 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(60_000),
  })
  const bytes = Buffer.from(await res.arrayBuffer())
  const text = bytes.toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
    json = undefined // a protobuf answer: callers read `bytes`
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json, bytes }
}
const sendEvents = (body: Buffer, encoding?: string) => send('/v1/events', body, encoding === undefined ? {} : { 'content-encoding': encoding })

/** The error code a native refusal names. */
const codeOf = (a: Answer) => (a.json as { error?: { code?: string } } | undefined)?.error?.code

/** A google.rpc.Status answer, decoded by its declared content type. */
function statusOf(a: Answer): { code: number; message: string } {
  if (a.contentType.startsWith('application/x-protobuf')) {
    const s = StatusType.toObject(StatusType.decode(a.bytes)) as { code?: number; message?: string }
    return { code: s.code ?? 0, message: s.message ?? '' }
  }
  expect(a.contentType, a.text).toMatch(/^application\/json/)
  return a.json as { code: number; message: string }
}

async function countOf(model: string): Promise<number> {
  const models = await c.getModels()
  expect(models.pendingEvents).toBe(0)
  return models.models.find((m) => m.id === model)?.predictionCount ?? 0
}

// A minimal protobuf writer, independent of the collector's decoder, for OTLP protobuf bodies.
const varint = (n: number): Buffer => {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return Buffer.from(out)
}
const ld = (no: number, payload: Buffer): Buffer => Buffer.concat([varint((no << 3) | 2), varint(payload.length), payload])
const pbStr = (no: number, s: string) => ld(no, Buffer.from(s))
const pbKvStr = (key: string, value: string) => Buffer.concat([pbStr(1, key), ld(2, pbStr(1, value))])
function pbDouble(key: string, value: number): Buffer {
  const d = Buffer.alloc(8)
  d.writeDoubleLE(value)
  return Buffer.concat([pbStr(1, key), ld(2, Buffer.concat([varint((4 << 3) | 1), d]))])
}
function pbRecord(id: string): Buffer {
  const time = Buffer.alloc(8)
  time.writeBigUInt64LE(BigInt(Date.now()) * 1_000_000n)
  return Buffer.concat([varint((1 << 3) | 1), time, ld(6, pbKvStr('aims.prediction.id', id)), ld(6, pbDouble('aims.output.score', 0.5)), pbStr(12, 'aims.prediction')])
}
/** ExportLogsServiceRequest { ResourceLogs { Resource { attributes }, ScopeLogs { log_records } } } */
function pbRequest(model: string, ids: string[]): Buffer {
  const resource = Buffer.concat([ld(1, pbKvStr('aims.model.id', model)), ld(1, pbKvStr('aims.model.version', '1'))])
  const scopeLogs = Buffer.concat(ids.map((id) => ld(2, pbRecord(id))))
  return ld(1, Buffer.concat([ld(1, resource), ld(2, scopeLogs)]))
}
const sendProto = (body: Buffer, encoding?: string) =>
  send('/v1/logs', body, { 'content-type': 'application/x-protobuf', ...(encoding === undefined ? {} : { 'content-encoding': encoding }) })

/** No request was refused as a dead worker: the pool is still healthy. */
async function expectPoolHealthy(model: string): Promise<void> {
  const before = await countOf(model)
  const res = await sendEvents(gzipSync(nativeBody([pred(model, `health-${Date.now()}-${Math.random()}`)])), 'gzip')
  expect(res.status, res.text).toBe(200)
  expect(await countOf(model)).toBe(before + 1)
}

describe('the size limit, as sent and after decompression', () => {
  for (const encoding of ['gzip', 'deflate', 'br'] as const) {
    it(`/v1/events ${encoding}: exactly the limit once decompressed is stored; one byte more, or a bomb, is 413 and stores nothing`, async () => {
      const model = `limit-${encoding}`
      const exact = compress(encoding, nativeBody([pred(model, `${encoding}-exact`)], LIMIT))
      expect(exact.length).toBeLessThan(LIMIT / 10)
      const ok = await sendEvents(exact, encoding)
      expect(ok.status, ok.text).toBe(200)
      expect(ok.json).toMatchObject({ accepted: 1 })

      const over = await sendEvents(compress(encoding, nativeBody([pred(model, `${encoding}-over`)], LIMIT + 1)), encoding)
      expect(over.status, over.text).toBe(413)
      expect(codeOf(over)).toBe('payload_too_large')
      expect(over.json.error.message).toMatch(/after decompression/)

      // A bomb: a few hundred bytes as sent, 100 times the limit decompressed.
      const bomb = compress(encoding, nativeBody([pred(model, `${encoding}-bomb`)], LIMIT * 100))
      expect(bomb.length).toBeLessThan(LIMIT)
      const refused = await sendEvents(bomb, encoding)
      expect(refused.status, refused.text).toBe(413)
      expect(codeOf(refused)).toBe('payload_too_large')

      expect(await countOf(model)).toBe(1)
    })
  }

  it('/v1/events identity: exactly the limit is stored, one byte more is 413 (read as sent)', async () => {
    const model = 'limit-identity'
    const ok = await sendEvents(nativeBody([pred(model, 'id-exact')], LIMIT))
    expect(ok.status, ok.text).toBe(200)
    const over = await sendEvents(nativeBody([pred(model, 'id-over')], LIMIT + 1))
    expect(over.status, over.text).toBe(413)
    expect(codeOf(over)).toBe('payload_too_large')
    expect(await countOf(model)).toBe(1)
  })

  it('a compressed body over the limit as sent is 413 before any decompression', async () => {
    // Random bytes do not compress: the gzip body itself is past the limit.
    const noise = Buffer.alloc(LIMIT * 2)
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24
    const res = await sendEvents(gzipSync(Buffer.concat([Buffer.from('{"events":[],"x":"'), Buffer.from(noise.toString('base64')), Buffer.from('"}')])), 'gzip')
    expect(res.status, res.text).toBe(413)
    expect(codeOf(res)).toBe('payload_too_large')
  })

  it('/v1/logs OTLP/JSON gzip: exactly the limit is stored; one byte more is 413 as a JSON Status with code 8', async () => {
    const model = 'limit-otlp-json'
    const ok = await send('/v1/logs', gzipSync(otlpJsonBody(model, ['oj-exact'], LIMIT)), { 'content-encoding': 'gzip' })
    expect(ok.status, ok.text).toBe(200)
    const over = await send('/v1/logs', gzipSync(otlpJsonBody(model, ['oj-over'], LIMIT + 1)), { 'content-encoding': 'gzip' })
    expect(over.status, over.text).toBe(413)
    expect(statusOf(over)).toMatchObject({ code: 8 })
    expect(over.contentType).toMatch(/^application\/json/)
    expect(await countOf(model)).toBe(1)
  })

  it('/v1/logs OTLP protobuf bombs (gzip, deflate, br): 413 as a protobuf Status with code 8, nothing stored', async () => {
    const model = 'limit-otlp-proto'
    // A valid request followed by a huge unknown field (ExportLogsServiceRequest field 99): decodes fine if not limited.
    const valid = pbRequest(model, ['op-1'])
    const padded = Buffer.concat([valid, ld(99, Buffer.alloc(LIMIT * 50))])
    for (const encoding of ['gzip', 'deflate', 'br'] as const) {
      const res = await sendProto(compress(encoding, padded), encoding)
      expect(res.status, `${encoding}: ${res.text}`).toBe(413)
      expect(res.contentType).toMatch(/^application\/x-protobuf/)
      expect(statusOf(res).code).toBe(8)
    }
    expect(await countOf(model)).toBe(0)
    const ok = await sendProto(gzipSync(valid), 'gzip')
    expect(ok.status, ok.text).toBe(200)
    expect(await countOf(model)).toBe(1)
  })

  it('a bomb without a valid key is 401 on both routes: authentication comes before any decompression', async () => {
    const bomb = gzipSync(nativeBody([pred('unauth', 'x-1')], LIMIT * 100))
    for (const key of [null, 'not-a-key-0123456789']) {
      for (const urlPath of ['/v1/events', '/v1/logs']) {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'content-encoding': 'gzip' }
        if (key) headers.authorization = `Bearer ${key}`
        const res = await fetch(c.url + urlPath, { method: 'POST', headers, body: bomb })
        expect(res.status, `${urlPath} ${key}: ${await res.text()}`).toBe(401)
      }
    }
    expect(await countOf('unauth')).toBe(0)
  })
})

describe('Content-Encoding header variants', () => {
  it('case and surrounding spaces do not matter: GZIP, Gzip, " gzip ", BR and Deflate are decoded', async () => {
    const model = 'enc-variants'
    const variants: Array<[string, Encoding]> = [['GZIP', 'gzip'], ['Gzip', 'gzip'], [' gzip ', 'gzip'], ['\tgzip', 'gzip'], ['BR', 'br'], ['Deflate', 'deflate'], ['IDENTITY', 'gzip']]
    let stored = 0
    for (const [i, [header, encoding]] of variants.entries()) {
      if (header === 'IDENTITY') {
        const res = await sendEvents(nativeBody([pred(model, `v-${i}`)]), header)
        expect(res.status, `${header}: ${res.text}`).toBe(200)
      } else {
        const res = await sendEvents(compress(encoding, nativeBody([pred(model, `v-${i}`)])), header)
        expect(res.status, `${JSON.stringify(header)}: ${res.text}`).toBe(200)
      }
      stored++
    }
    expect(await countOf(model)).toBe(stored)
  })

  it('x-gzip, zstd, compress, stacked codings: 415 unsupported_encoding naming the header, nothing stored', async () => {
    const model = 'enc-unknown'
    const gz = gzipSync(nativeBody([pred(model, 'u-1')]))
    for (const header of ['x-gzip', 'zstd', 'compress', 'gzip, identity', 'identity, gzip', 'gzip, gzip', 'gzip;q=1']) {
      const res = await sendEvents(gz, header)
      expect(res.status, `${header}: ${res.text}`).toBe(415)
      expect(codeOf(res)).toBe('unsupported_encoding')
      expect(res.json.error.message).toContain(header.trim().toLowerCase())
    }
    // On the OTLP route: a google.rpc.Status with code 3 (INVALID_ARGUMENT), as the docs' table says.
    const otlp = await sendProto(gzipSync(pbRequest(model, ['u-2'])), 'x-gzip')
    expect(otlp.status, otlp.text).toBe(415)
    expect(statusOf(otlp).code).toBe(3)
    // In the request's encoding, as the route and the OTLP/HTTP specification say (docs/semantic-conventions.md says "in JSON").
    expect(otlp.contentType).toMatch(/^application\/x-protobuf/)
    expect(await countOf(model)).toBe(0)
  })

  it('an empty Content-Encoding header means no coding (RFC 9110 #content-coding allows an empty list; body-parser took it as identity)', async () => {
    const model = 'enc-empty'
    const res = await sendEvents(nativeBody([pred(model, 'e-1')]), '')
    expect(res.status, res.text).toBe(200)
    expect(await countOf(model)).toBe(1)
  })
})

describe('bytes that are not what Content-Encoding says', () => {
  it('/v1/events: truncated gzip, trailing garbage, empty gzip/br/deflate bodies, gzip labelled deflate or br: 400 bad_body, nothing stored', async () => {
    const model = 'bad-bytes'
    const good = nativeBody([pred(model, 'b-1')])
    const gz = gzipSync(good)
    const cases: Array<[string, Buffer, string]> = [
      ['truncated gzip (no trailer)', gz.subarray(0, gz.length - 8), 'gzip'],
      ['truncated gzip (half)', gz.subarray(0, gz.length >> 1), 'gzip'],
      ['gzip header only', gz.subarray(0, 10), 'gzip'],
      ['trailing garbage after a gzip member', Buffer.concat([gz, Buffer.from('garbage!')]), 'gzip'],
      ['empty body, gzip', Buffer.alloc(0), 'gzip'],
      ['empty body, br', Buffer.alloc(0), 'br'],
      ['empty body, deflate', Buffer.alloc(0), 'deflate'],
      ['gzip labelled deflate', gz, 'deflate'],
      ['gzip labelled br', gz, 'br'],
      ['plain JSON labelled gzip', good, 'gzip'],
      ['gzip with a corrupted CRC', Buffer.concat([gz.subarray(0, gz.length - 8), Buffer.from([0, 0, 0, 0]), gz.subarray(gz.length - 4)]), 'gzip'],
    ]
    for (const [name, body, encoding] of cases) {
      const res = await sendEvents(body, encoding)
      expect(res.status, `${name}: ${res.text}`).toBe(400)
      expect(codeOf(res), name).toBe('bad_body')
      expect(res.json.error.message, name).toContain(encoding)
    }
    expect(await countOf(model)).toBe(0)
  })

  it('two concatenated gzip members (valid gzip, RFC 1952) are one body', async () => {
    const model = 'two-members'
    const body = nativeBody([pred(model, 'm-1'), pred(model, 'm-2')])
    const half = body.length >> 1
    const res = await sendEvents(Buffer.concat([gzipSync(body.subarray(0, half)), gzipSync(body.subarray(half))]), 'gzip')
    expect(res.status, res.text).toBe(200)
    expect(await countOf(model)).toBe(2)
  })

  it('/v1/logs protobuf: truncated gzip and an empty gzip body are 400 as a protobuf Status with code 3', async () => {
    const model = 'bad-bytes-otlp'
    const gz = gzipSync(pbRequest(model, ['bo-1']))
    for (const body of [gz.subarray(0, gz.length - 3), Buffer.alloc(0), Buffer.concat([gz, Buffer.from([1, 2, 3])])]) {
      const res = await sendProto(body, 'gzip')
      expect(res.status, res.text).toBe(400)
      expect(res.contentType).toMatch(/^application\/x-protobuf/)
      expect(statusOf(res).code).toBe(3)
    }
    expect(await countOf(model)).toBe(0)
  })
})

/** Sends raw bytes on a fresh socket and returns everything the server writes until it closes (or `settleMs`). */
function rawExchange(chunks: Buffer[], opts: { destroyAfterWrite?: boolean; endAfterWrite?: boolean; settleMs?: number } = {}): Promise<string> {
  const { port } = new URL(c.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1')
    let out = ''
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(out)
    }, opts.settleMs ?? 5000)
    socket.on('data', (d) => (out += d.toString('latin1')))
    socket.on('error', (error) => {
      clearTimeout(timer)
      if (opts.destroyAfterWrite) resolve(out)
      else reject(error)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk)
      if (opts.destroyAfterWrite) setTimeout(() => socket.destroy(), 50)
      else if (opts.endAfterWrite) socket.end()
    })
  })
}
const head = (urlPath: string, contentLength: number, encoding = 'gzip', extra = '') =>
  Buffer.from(
    `POST ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${c.initKey}\r\nContent-Type: application/json\r\nContent-Encoding: ${encoding}\r\nContent-Length: ${contentLength}\r\n${extra}\r\n`,
    'latin1',
  )
const serverSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length

describe('Content-Length mismatches and clients that go away', () => {
  it('Content-Length shorter than the gzip body: the cut body is 400 bad_body, the rest is not taken as a request, nothing stored', async () => {
    const model = 'cl-short'
    const gz = gzipSync(nativeBody([pred(model, 's-1')]))
    const out = await rawExchange([head('/v1/events', gz.length - 10), gz], { settleMs: 3000 })
    // The 10 bytes past Content-Length are not an HTTP request: Node answers its own 400 and closes,
    // possibly before the collector's answer to the cut body (400 bad_body) is written. Either way a 400.
    const first = /^HTTP\/1\.1 (\d{3})/.exec(out)
    expect(first?.[1], out).toBe('400')
    expect(out).not.toMatch(/HTTP\/1\.1 2\d\d/)
    expect(await countOf(model)).toBe(0)
    await expectPoolHealthy('cl-health')
  })

  it('a 413 as sent on a keep-alive connection does not desynchronise it: the pipelined next request is answered or the connection is closed', async () => {
    const model = 'keepalive-413'
    const big = Buffer.alloc(LIMIT + 10, 0x20)
    const good = gzipSync(nativeBody([pred(model, 'k-1')]))
    const out = await rawExchange([head('/v1/events', big.length, 'identity'), big, head('/v1/events', good.length), good], { settleMs: 3000 })
    const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1])
    expect(statuses[0], out).toBe('413')
    if (statuses.length === 1) expect(out, 'a single answer must close the connection').toMatch(/connection: close/i)
    else expect(statuses, out).toEqual(['413', '200'])
    expect(await countOf(model)).toBe(statuses.length === 2 ? 1 : 0)
  })

  it('chunked bodies (no Content-Length): a good gzip one is stored; an identity one past the limit is 413; a gzip bomb is 413', async () => {
    const model = 'chunked'
    const chunked = (urlPath: string, body: Buffer, encoding: string) => {
      const pieces: Buffer[] = [Buffer.from(`POST ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${c.initKey}\r\nContent-Type: application/json\r\nContent-Encoding: ${encoding}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`)]
      for (let at = 0; at < body.length; at += 1000) {
        const piece = body.subarray(at, at + 1000)
        pieces.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'))
      }
      pieces.push(Buffer.from('0\r\n\r\n'))
      return rawExchange(pieces, { settleMs: 5000 })
    }
    expect(await chunked('/v1/events', gzipSync(nativeBody([pred(model, 'c-1'), pred(model, 'c-2')])), 'gzip')).toMatch(/^HTTP\/1\.1 200/)
    expect(await chunked('/v1/events', nativeBody([pred(model, 'c-3')], LIMIT + 5000), 'identity')).toMatch(/^HTTP\/1\.1 413/)
    expect(await chunked('/v1/events', gzipSync(nativeBody([pred(model, 'c-4')], LIMIT * 30)), 'gzip')).toMatch(/^HTTP\/1\.1 413/)
    expect(await countOf(model)).toBe(2)
  })

  it('Content-Length longer than the body, then the client half-closes: no 2xx, nothing stored, the collector answers on', async () => {
    const model = 'cl-long'
    const gz = gzipSync(nativeBody([pred(model, 'l-1')]))
    const out = await rawExchange([head('/v1/events', gz.length + 100), gz], { endAfterWrite: true, settleMs: 3000 })
    expect(out).not.toMatch(/HTTP\/1\.1 2\d\d/)
    if (out) expect(out, out).toMatch(/^HTTP\/1\.1 400/)
    expect(await countOf(model)).toBe(0)
    await expectPoolHealthy('cl-health')
  })

  it('clients that abort mid-body (20 of them, both routes): no crash, no socket left open, later requests work', async () => {
    await expectPoolHealthy('abort-health')
    const baseline = serverSockets()
    const gz = gzipSync(nativeBody([pred('abort-model', 'a-1')], 30_000))
    const aborts = Array.from({ length: 20 }, (_, i) =>
      rawExchange([head(i % 2 ? '/v1/logs' : '/v1/events', gz.length), gz.subarray(0, gz.length >> 1)], { destroyAfterWrite: true, settleMs: 3000 }),
    )
    const outs = await Promise.all(aborts)
    for (const out of outs) expect(out).not.toMatch(/HTTP\/1\.1 2\d\d/)
    // The server's sockets of the aborted requests close (bounded wait, no timing asserted).
    for (let i = 0; i < 50 && serverSockets() > baseline; i++) await new Promise((r) => setTimeout(r, 100))
    expect(serverSockets()).toBeLessThanOrEqual(baseline)
    expect(await countOf('abort-model')).toBe(0)
    await expectPoolHealthy('abort-health')
  })
})

describe('concurrency', () => {
  it('40 concurrent compressed requests, good and bad mixed: every good one stored once, every bad one refused with its code, the pool still healthy', async () => {
    const model = 'mix'
    const jobs: Array<{ kind: string; run: () => Promise<Answer> }> = []
    let goodEvents = 0
    for (let i = 0; i < 40; i++) {
      const events = Array.from({ length: 5 }, (_, j) => pred(model, `mix-${i}-${j}`))
      switch (i % 8) {
        case 0:
        case 1:
          goodEvents += 5
          jobs.push({ kind: 'good-gzip', run: () => sendEvents(gzipSync(nativeBody(events)), 'gzip') })
          break
        case 2:
          goodEvents += 5
          jobs.push({ kind: 'good-br', run: () => sendEvents(brotliCompressSync(nativeBody(events)), 'br') })
          break
        case 3:
          goodEvents += 5
          jobs.push({ kind: 'good-otlp', run: () => sendProto(gzipSync(pbRequest(model, events.map((e) => e.id as string))), 'gzip') })
          break
        case 4:
          jobs.push({ kind: 'bomb', run: () => sendEvents(gzipSync(nativeBody(events, LIMIT * 20)), 'gzip') })
          break
        case 5: {
          const gz = gzipSync(nativeBody(events))
          jobs.push({ kind: 'truncated', run: () => sendEvents(gz.subarray(0, gz.length - 6), 'gzip') })
          break
        }
        case 6:
          jobs.push({ kind: 'unknown-encoding', run: () => sendEvents(gzipSync(nativeBody(events)), 'x-gzip') })
          break
        default:
          jobs.push({ kind: 'otlp-bomb', run: () => sendProto(gzipSync(Buffer.concat([pbRequest(model, events.map((e) => e.id as string)), ld(99, Buffer.alloc(LIMIT * 20))])), 'gzip') })
      }
    }
    const answers = await Promise.all(jobs.map((j) => j.run()))
    const expectedStatus: Record<string, number> = { 'good-gzip': 200, 'good-br': 200, 'good-otlp': 200, bomb: 413, truncated: 400, 'unknown-encoding': 415, 'otlp-bomb': 413 }
    const expectedCode: Record<string, string> = { bomb: 'payload_too_large', truncated: 'bad_body', 'unknown-encoding': 'unsupported_encoding' }
    for (const [i, a] of answers.entries()) {
      const kind = jobs[i]!.kind
      expect(a.status, `${kind} #${i}: ${a.text}`).toBe(expectedStatus[kind])
      if (expectedCode[kind]) expect(codeOf(a), `${kind} #${i}`).toBe(expectedCode[kind])
      if (kind === 'otlp-bomb') expect(statusOf(a).code).toBe(8)
      if (kind === 'good-otlp') expect(a.bytes.length, 'a full success has no partial_success').toBe(0)
    }
    expect(await countOf(model)).toBe(goodEvents)
    // Sending the good ones again stores nothing new (idempotent ids): each is stored exactly once.
    const again = await Promise.all(jobs.filter((j) => j.kind.startsWith('good')).map((j) => j.run()))
    for (const a of again) expect(a.status, a.text).toBe(200)
    expect(await countOf(model)).toBe(goodEvents)
    await expectPoolHealthy('mix-health')
  })
})

describe('the official OTLP protobuf exporter with gzip', () => {
  it('exporter-logs-otlp-proto (compression gzip): after a first request, 600 valid predictions in 3 exports land once, all on the direct path', async () => {
    const failures: string[] = []
    const collect = (...args: unknown[]) => failures.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
    diag.setLogger({ error: collect, warn: collect, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN)
    const exporter = new OTLPProtoLogExporter({ url: `${c.url}/v1/logs`, headers: { authorization: `Bearer ${c.initKey}` }, compression: 'gzip' as never })
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'svc', 'aims.model.id': 'exporter-gzip', 'aims.model.version': '4' }),
      processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60_000, maxExportBatchSize: 200, maxQueueSize: 2048 })],
    })
    const logger = provider.getLogger('adv')
    // The model's first request makes its table's layout (by way of wire events); the later ones can go direct.
    logger.emit({ eventName: 'aims.prediction', attributes: { 'aims.prediction.id': 'exp-warm', 'aims.feature.age': 1, 'aims.feature.region': 'n', 'aims.output.score': 0.1 } })
    await provider.forceFlush()
    expect(await countOf('exporter-gzip')).toBe(1)
    const warm = await (await fetch(`${c.url}/metrics`)).text()
    const directBefore = Number(/aims_otlp_requests_total\{path="direct"\} (\d+)/.exec(warm)?.[1] ?? 0)
    for (let i = 0; i < 600; i++) {
      const attributes: AnyValueMap = { 'aims.prediction.id': `exp-${i}`, 'aims.feature.age': 20 + (i % 50), 'aims.feature.region': i % 2 ? 'n' : 's', 'aims.output.score': 0.005 + (i % 100) / 100 }
      logger.emit({ eventName: 'aims.prediction', attributes })
    }
    await provider.forceFlush()
    await provider.shutdown()
    diag.disable()
    expect(failures).toEqual([])
    expect(await countOf('exporter-gzip')).toBe(601)
    const metricsAfter = await (await fetch(`${c.url}/metrics`)).text()
    const directAfter = Number(/aims_otlp_requests_total\{path="direct"\} (\d+)/.exec(metricsAfter)?.[1] ?? 0)
    expect(directAfter - directBefore).toBe(3)
  })
})

describe('a child `aims up` (heap growing percent set, one ingest worker)', () => {
  it('bombs, bad gzip and aborted bodies on both routes leave it serving; good ones are counted; SIGTERM exits 0', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'aims-compressed-'))
    const key = 'compressed-child-key-0001'
    try {
      const child = await spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: key, AIMS_MAX_BODY_BYTES: String(LIMIT), AIMS_INGEST_WORKERS: '1' } })
      const post = async (urlPath: string, body: Buffer, headers: Record<string, string>) => {
        const res = await fetch(child.url + urlPath, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body })
        return { status: res.status, text: await res.text() }
      }
      for (let round = 0; round < 3; round++) {
        expect((await post('/v1/events', gzipSync(nativeBody([pred('child', `bomb-${round}`)], LIMIT * 100)), { 'content-encoding': 'gzip' })).status).toBe(413)
        expect((await post('/v1/logs', brotliCompressSync(otlpJsonBody('child', [`lbomb-${round}`], LIMIT * 100)), { 'content-encoding': 'br' })).status).toBe(413)
        expect((await post('/v1/events', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), { 'content-encoding': 'gzip' })).status).toBe(400)
        const good = await post('/v1/events', deflateSync(nativeBody([pred('child', `good-${round}`)])), { 'content-encoding': 'deflate' })
        expect(good.status, good.text).toBe(200)
      }
      const models = await getModels(child.url, key)
      expect(models.models.find((m) => m.id === 'child')?.predictionCount).toBe(3)
      expect(child.stderr()).not.toMatch(/ingest worker stopped|FATAL|heap out of memory/i)
      expect(await child.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    } finally {
      await killAllChildren()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
