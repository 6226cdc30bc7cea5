/**
 * The SDK's promise under adversarial input, at runtime (docs/sdk.md): it never throws into,
 * blocks or alters the application's call; a failing extractor is counted and reported once;
 * limits are applied on the client with a counter; and what it sends is always accepted by the
 * collector.
 *
 * Where acceptance matters, monitors export through a recording proxy on 127.0.0.1 to one real
 * collector (`aims up` in a child process, embedded store): the proxy decodes every request with the
 * collector's own protobuf decoder and keeps the collector's answer (status, partial success), so
 * a test sees both what the SDK sent and what the collector refused. Elsewhere the same proxy
 * answers 200 itself (a plain local receiver). A final test checks GET /v1/models against what
 * the proxy forwarded for every scenario that was accepted.
 *
 * A "FIXED" comment names a bug these tests found and how it is handled now; the test below it
 * holds the fix. The store's retention matters too: predictions older than the retention
 * (365 days) are accepted and then dropped, so scenarios use recent times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ReadableStream } from 'node:stream/web'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { gunzipSync } from 'node:zlib'
import { createMonitor, type FieldMap, type Monitor, type MonitorOptions, type MonitorStats } from './index.js'
import { decodeExportLogsResponse } from './otlp-response.js'
import { decodeProtobufLogsRequest } from '../../../collector/src/ingest/otlp/decode-protobuf.js'
import type { OtlpAnyValue } from '../../../collector/src/ingest/otlp/otlp-model.js'
import { processLogsRequest } from '../../../collector/src/ingest/otlp/process-logs-request.js'
import { REPO_ROOT, childEnv, spawnCollector, type SpawnedCollector } from '../../../test/support/spawn-collector.js'

const KEY = 'sdk-runtime-adversarial-key-0123456789'

// ---------------------------------------------------------------------------------------------
// The recording proxy: a real HTTP server in front of the collector (or answering by itself).
// ---------------------------------------------------------------------------------------------

type Sent = string | number | boolean | bigint
/** One log record as the SDK put it on the wire (ints beyond ±2^53 stay bigint). */
interface SentRecord {
  eventName: string
  timeUnixNano: bigint
  attributes: Record<string, Sent>
}
/** One export request and how it was answered. */
interface Exchange {
  records: SentRecord[]
  body: Buffer
  status: number
  /** rejected_log_records of the collector's partial success (0 when none). */
  rejected: number
  message: string | undefined
}
/** How the proxy answers a monitor: forwards to the collector, answers 200, or 200 with a partial success. */
type Route = 'collector' | 'receiver' | 'partial'

let collector: SpawnedCollector
let dataDir: string
let proxy: Server
let proxyUrl: string
const exchanges = new Map<string, Exchange[]>()
const warnings: Array<{ code: string | undefined; message: string }> = []
const onWarning = (warning: Error) => warnings.push({ code: (warning as Error & { code?: string }).code, message: warning.message })
/** Scenarios whose every record the collector accepted: checked against GET /v1/models at the end. */
const acceptedScenarios = new Map<string, { predictions: number; outcomes: number }>()

function anyValue(value: OtlpAnyValue): Sent {
  switch (value.kind) {
    case 'string':
    case 'bool':
    case 'double':
      return value.value
    case 'int':
      return value.value >= BigInt(Number.MIN_SAFE_INTEGER) && value.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value.value) : value.value
    default:
      return `<${value.kind}>`
  }
}

function decodeRecords(body: Buffer): SentRecord[] {
  const out: SentRecord[] = []
  for (const resource of decodeProtobufLogsRequest(body).resourceLogs) {
    for (const scope of resource.scopeLogs) {
      for (const record of scope.logRecords) {
        const attributes: Record<string, Sent> = {}
        for (const { key, value } of record.attributes) attributes[key] = anyValue(value)
        out.push({ eventName: record.eventName, timeUnixNano: record.timeUnixNano, attributes })
      }
    }
  }
  return out
}

/** An ExportLogsServiceResponse with partial_success { rejected_log_records, error_message }. */
function partialSuccess(rejected: number, message: string): Buffer {
  const text = Buffer.from(message)
  const inner = Buffer.concat([Buffer.of(0x08, rejected), Buffer.of(0x12, text.length), text])
  return Buffer.concat([Buffer.of(0x0a, inner.length), inner])
}

async function handle(headers: IncomingHttpHeaders, raw: Buffer): Promise<{ status: number; type: string; body: Buffer }> {
  const scenario = String(headers['x-scenario'])
  const route = String(headers['x-route']) as Route
  const body = headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw
  const exchange: Exchange = { records: decodeRecords(body), body, status: 200, rejected: 0, message: undefined }
  const list = exchanges.get(scenario) ?? []
  list.push(exchange)
  exchanges.set(scenario, list)
  if (route === 'receiver') return { status: 200, type: 'application/x-protobuf', body: Buffer.alloc(0) }
  if (route === 'partial') {
    exchange.rejected = 1
    return { status: 200, type: 'application/x-protobuf', body: partialSuccess(1, 'one record refused') }
  }
  const forwarded: Record<string, string> = {}
  for (const name of ['content-type', 'content-encoding', 'authorization']) if (headers[name]) forwarded[name] = String(headers[name])
  const response = await fetch(`${collector.url}/v1/logs`, { method: 'POST', headers: forwarded, body: raw, signal: AbortSignal.timeout(30_000) })
  const answer = Buffer.from(await response.arrayBuffer())
  exchange.status = response.status
  if (response.status === 200) {
    const decoded = decodeExportLogsResponse(answer)
    exchange.rejected = decoded.partialSuccess?.rejectedLogRecords ?? 0
    exchange.message = decoded.partialSuccess?.errorMessage
  } else exchange.message = answer.toString('latin1')
  return { status: response.status, type: response.headers.get('content-type') ?? 'application/x-protobuf', body: answer }
}

beforeAll(async () => {
  setFlagsFromString('--expose-gc')
  process.on('warning', onWarning)
  dataDir = mkdtempSync(join(tmpdir(), 'aims-sdk-adversarial-'))
  collector = await spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: KEY }, extraArgs: ['--no-schedule'] })
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      handle(req.headers, Buffer.concat(chunks)).then(
        (answer) => res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`proxy: ${(error as Error).message}`),
      )
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
}, 90_000)

afterAll(async () => {
  process.off('warning', onWarning)
  await new Promise<void>((resolve) => {
    proxy?.closeAllConnections()
    if (proxy) proxy.close(() => resolve())
    else resolve()
  })
  await collector?.stop()
  rmSync(dataDir, { recursive: true, force: true })
}, 60_000)

/** A monitor of model `adv-<scenario>` that exports through the proxy; records leave on flush() only. */
function monitorFor(scenario: string, route: Route, options: Partial<MonitorOptions> = {}): Monitor {
  return createMonitor({
    endpoint: proxyUrl,
    apiKey: KEY,
    model: { id: `adv-${scenario}`, version: '1.0.0' },
    exportIntervalMs: 60_000,
    flushOnExit: false,
    headers: { 'x-scenario': scenario, 'x-route': route },
    ...options,
  })
}

const sent = (scenario: string): SentRecord[] => (exchanges.get(scenario) ?? []).flatMap((e) => e.records)
const predictions = (scenario: string) => sent(scenario).filter((r) => r.eventName === 'aims.prediction')
const outcomes = (scenario: string) => sent(scenario).filter((r) => r.eventName === 'aims.outcome')
/** What the collector refused for the scenario: a non-200 answer, or records of a partial success. */
const refusals = (scenario: string): string[] =>
  (exchanges.get(scenario) ?? []).filter((e) => e.status !== 200 || e.rejected > 0).map((e) => `${e.status}, ${e.rejected} rejected: ${e.message}`)
const featuresOf = (record: SentRecord, prefix = 'aims.feature.') =>
  Object.fromEntries(Object.entries(record.attributes).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]))
const byOutputValue = (records: SentRecord[]) => new Map(records.map((r) => [r.attributes['aims.output.value'], r]))

/**
 * After shutdown: every request reached the collector and every record was accepted, nothing
 * failed, and the counters agree with what was sent. Registers the scenario for the GET
 * /v1/models check.
 */
async function expectAccepted(scenario: string, monitor: Monitor): Promise<MonitorStats> {
  await monitor.shutdown()
  const stats = monitor.stats()
  expect(refusals(scenario)).toEqual([])
  expect(stats.failed).toBe(0)
  expect(stats.exported).toBe(stats.recorded)
  expect(sent(scenario)).toHaveLength(stats.exported)
  acceptedScenarios.set(`adv-${scenario}`, { predictions: predictions(scenario).length, outcomes: outcomes(scenario).length })
  return stats
}

function gc(): void {
  ;(runInNewContext('gc') as () => void)()
}

/** Runs `f`, returning what it threw (or a marker that it returned). */
function thrownBy(f: () => unknown): unknown {
  try {
    f()
    return 'returned'
  } catch (error) {
    return error
  }
}

// ---------------------------------------------------------------------------------------------
// Extractors
// ---------------------------------------------------------------------------------------------

describe('feature and attribute extractors returning hostile values', () => {
  it('null, undefined, a number, a string, an array, a Map, a Set, a Date, a class instance or a null-prototype object: the call is unchanged, nothing throws, the prediction is accepted', async () => {
    const m = monitorFor('not-a-map', 'collector')
    const returns: unknown[] = [null, undefined, 42, 'ab', [1, 2], new Map([['age', 1]]), new Set(['x']), new Date(0), new (class Applicant { age = 41 })(), Object.create(null)]
    const predict = m.wrap((i: number) => i * 2, {
      features: (i) => returns[i] as FieldMap,
      attributes: (i) => returns[(i + 1) % returns.length] as FieldMap,
      output: (value) => ({ value }),
    })
    for (let i = 0; i < returns.length; i++) expect(predict(i)).toBe(i * 2)
    const stats = await expectAccepted('not-a-map', m)
    expect(stats).toMatchObject({ recorded: returns.length, extractorErrors: 0, dropped: 0 })
    // The string's and the array's indices ('0', '1') are not field names: left out and counted, as features and as attributes.
    expect(stats.truncated).toBe(8)
    const records = byOutputValue(predictions('not-a-map'))
    expect(featuresOf(records.get(16)!)).toEqual({ age: 41 }) // the class instance's own field
    expect(featuresOf(records.get(14)!, 'aims.attribute.')).toEqual({ age: 41 })
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 9]) expect(featuresOf(records.get(i * 2)!)).toEqual({})
  })

  it.each(['direct', 'official'] as const)('values of every JavaScript type (%s exporter): usable ones sent, the rest left out and counted; Symbol and non-enumerable keys ignored', async (exporter) => {
    const scenario = `value-types-${exporter}`
    const m = monitorFor(scenario, 'collector', { exporter })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const features = (): FieldMap => {
      const map: Record<string | symbol, unknown> = {
        big: 10n, sym: Symbol('s'), fn: () => 1, date: new Date(), cyclic, nan: NaN, inf: Infinity, ninf: -Infinity, // 8 unusable
        negzero: -0, missing: null, undef: undefined, ok: 1.5, flag: false, text: 'north',
        max_safe: Number.MAX_SAFE_INTEGER, min_safe: Number.MIN_SAFE_INTEGER, beyond_int64: 2 ** 64, tiny: 5e-324,
        [Symbol('key')]: 1,
      }
      Object.defineProperty(map, 'hidden', { value: 7, enumerable: false })
      return map as FieldMap
    }
    const predict = m.wrap((i: number) => i, { features, attributes: features, output: (value) => ({ value }) })
    expect(predict(1)).toBe(1)
    expect(predict(2)).toBe(2)
    const stats = await expectAccepted(scenario, m)
    expect(stats).toMatchObject({ recorded: 2, extractorErrors: 0 })
    // 8 unusable values; attributes the same, and past 32 no cut. Per call: 8 features + 8 attributes.
    expect(stats.truncated).toBe(32)
    const want = { negzero: 0, ok: 1.5, flag: false, text: 'north', max_safe: Number.MAX_SAFE_INTEGER, min_safe: Number.MIN_SAFE_INTEGER, beyond_int64: 2 ** 64, tiny: 5e-324 }
    for (const record of predictions(scenario)) {
      expect(featuresOf(record)).toEqual(want)
      expect(featuresOf(record, 'aims.attribute.')).toEqual(want)
    }
  })

  it('NUL and lone UTF-16 surrogates in keys and values, 1 MB strings and 1 MB names, names of Object.prototype members: accepted, cut and counted', async () => {
    const m = monitorFor('strings', 'collector')
    const mega = 'z'.repeat(1 << 20)
    const features = (): FieldMap => ({
      nul: 'a\u0000b', lone_high: 'x\uD800y', lone_low: '\uDC00', pair_cut: 'a'.repeat(255) + '\u{1F600}', long: mega,
      ['bad\u0000key']: 1, ['k\uD800']: 2, ['n'.repeat(1 << 20)]: 3, // names the collector refuses
      constructor: 'c', hasOwnProperty: 'h', toString: 't', valueOf: 'v', isPrototypeOf: 1,
    })
    const predict = m.wrap((i: number) => i, { features, output: (value) => ({ value, label: 'q\uD800' + mega }) })
    expect(predict(1)).toBe(1)
    const stats = await expectAccepted('strings', m)
    // 3 bad names, the 1 MB value, the pair cut at 256, the 1 MB label.
    expect(stats.truncated).toBe(6)
    const [record] = predictions('strings')
    expect(featuresOf(record!)).toEqual({
      nul: 'a\u0000b',
      lone_high: 'x\uFFFDy', // UTF-8 has no lone surrogates: the replacement character, as Buffer writes it
      lone_low: '\uFFFD',
      pair_cut: 'a'.repeat(255) + '\uFFFD', // cut at 256 UTF-16 units, inside the pair
      long: 'z'.repeat(256),
      constructor: 'c', hasOwnProperty: 'h', toString: 't', valueOf: 'v', isPrototypeOf: 1,
    })
    expect(record!.attributes['aims.output.label']).toBe('q\uFFFD' + 'z'.repeat(254))
  })

  it('10,000 keys per map: the first 200 features and 32 attributes are sent, the rest counted, every record accepted', async () => {
    const m = monitorFor('wide', 'collector')
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, k) => [`k${k}`, k]))
    const predict = m.wrap((i: number) => i, { features: () => wide, attributes: () => wide, output: (value) => ({ value }) })
    for (let i = 0; i < 3; i++) expect(predict(i)).toBe(i)
    const stats = await expectAccepted('wide', m)
    expect(stats.truncated).toBe(3 * (9_800 + 9_968))
    for (const record of predictions('wide')) {
      expect(featuresOf(record)).toEqual(Object.fromEntries(Array.from({ length: 200 }, (_, k) => [`k${k}`, k])))
      expect(Object.keys(featuresOf(record, 'aims.attribute.'))).toHaveLength(32)
    }
    expect(Object.keys(wide)).toHaveLength(10_000) // the caller's map is untouched
  })

  it('keys that change from call to call, past the bound of 1,024 key lists: each record carries exactly its own call\'s keys', async () => {
    const m = monitorFor('changing-keys', 'collector')
    const calls = 1_500
    // Up to 2,048 distinct key lists (subsets of 11 names, by the bits of i) over few columns: the
    // collector bounds a model's columns (see the next test), the SDK bounds key lists.
    const names = Array.from({ length: 11 }, (_, b) => `f${b}`)
    const keysOf = (i: number): FieldMap => Object.fromEntries([['common', i], ...names.filter((_, b) => (i >> b) & 1).map((name) => [name, i % 2 === 0 ? name : i])])
    const predict = m.wrap((i: number) => i, { features: keysOf, attributes: (i) => (i % 2 === 0 ? { even: 'y' } : { odd: 'y' }), output: (value) => ({ value }) })
    for (let i = 0; i < calls; i++) predict(i)
    await expectAccepted('changing-keys', m)
    const records = byOutputValue(predictions('changing-keys'))
    expect(records.size).toBe(calls)
    const wrong: number[] = []
    for (let i = 0; i < calls; i++) {
      const record = records.get(i)!
      const attributes = featuresOf(record, 'aims.attribute.')
      if (JSON.stringify(featuresOf(record)) !== JSON.stringify(keysOf(i)) || JSON.stringify(attributes) !== JSON.stringify(i % 2 === 0 ? { even: 'y' } : { odd: 'y' })) wrong.push(i)
    }
    expect(wrong).toEqual([])
  })

  // FIXED (collector/src/ingest/batch-encoder.ts): when the records of one request would take a
  // model past its column limit, the whole request was refused with 422 (up to a full SDK batch
  // lost, records with existing columns included). Now only the records that would add a column past
  // the limit are refused, in the partial success, and the SDK counts exactly those as failed.
  it('records of a model whose feature names vary widely cost only the records past the column bound, never a whole request', async () => {
    const m = monitorFor('column-bound', 'collector')
    const predict = m.wrap((i: number) => i, { features: (i) => ({ common: i, [`name_${i}`]: i }), output: (value) => ({ value }) })
    for (let i = 0; i < 1_200; i++) predict(i)
    await m.shutdown()
    expect((exchanges.get('column-bound') ?? []).map((e) => e.status).filter((status) => status !== 200)).toEqual([])
    // 986 columns for features and attributes: `common` and name_0 … name_984; the 215 after are refused.
    expect(m.stats()).toMatchObject({ recorded: 1_200, exported: 985, failed: 215 })
  })

  it('getters that return a new value on each read are read once, at the call; the same map object mutated after the call returns is recorded as it was', async () => {
    const m = monitorFor('getters-mutation', 'collector')
    let reads = 0
    const ticking = { get tick() { return ++reads } }
    const shared: { age: number; region: string } = { age: 30, region: 'north' }
    const predict = m.wrap((i: number) => i, { features: () => shared, attributes: () => ticking as unknown as FieldMap, output: (value) => ({ value }) })
    for (let i = 0; i < 5; i++) {
      expect(predict(i)).toBe(i)
      shared.age += 100 // the application reuses its object after the call
      shared.region = `changed-${i}`
    }
    expect(reads).toBe(5)
    await expectAccepted('getters-mutation', m)
    const records = byOutputValue(predictions('getters-mutation'))
    for (let i = 0; i < 5; i++) {
      expect(featuresOf(records.get(i)!)).toEqual({ age: 30 + 100 * i, region: i === 0 ? 'north' : `changed-${i - 1}` })
      expect(records.get(i)!.attributes['aims.attribute.tick']).toBe(i + 1)
    }
  })

  // FIXED (record-queue.ts setFieldsSlowly): a map that did not fit the field ring (or arrived past
  // the 1,024-key-list bound) was kept by reference and read at export, so a later mutation was
  // sent. It is now copied at the call (its present values, into an object of its own).
  it('a map too wide for the field ring, mutated after the call returns, is still recorded as it was at the call', async () => {
    const m = monitorFor('overflow-mutation', 'receiver', { maxQueueSize: 16 }) // field ring: 16 × 32 = 512 values
    const wide: Record<string, number> = Object.fromEntries(Array.from({ length: 600 }, (_, k) => [`k${k}`, k]))
    const predict = m.wrap((i: number) => i, { features: () => wide, output: (value) => ({ value }) })
    expect(predict(1)).toBe(1)
    wide.k0 = -1 // after the call returned
    await m.shutdown()
    expect(predictions('overflow-mutation')[0]!.attributes['aims.feature.k0']).toBe(0)
  })

  // FIXED (recorder.ts record()): a map whose getter or Proxy trap threw was read after the slot was
  // reserved: reported as AIMS_MONITOR_INTERNAL, the half-written slot exported without its output
  // and uncounted (exported > recorded); a BigInt score threw in the Float64Array store alike. Now
  // the maps and the output are read each in its own guard: a throw empties that part only
  // (counted in extractorErrors), and a score that is not a number is left out and counted in
  // `truncated`, like any unusable value (see the output tests below).
  it('maps whose getters or Proxy traps throw are counted as extractor errors, outputs that cannot be stored as left out; the prediction keeps the rest', async () => {
    const variants: Record<string, { features?: () => FieldMap; output?: (v: number) => { score?: number; value?: number }; counted: 'extractorErrors' | 'truncated' }> = {
      'throwing-getter': { features: () => ({ ok: 1, get broken(): number { throw new Error('lazy field failed') } }), counted: 'extractorErrors' },
      'proxy-ownkeys': { features: () => new Proxy({}, { ownKeys() { throw new Error('ownKeys trap') } }), counted: 'extractorErrors' },
      'proxy-get': { features: () => new Proxy({ a: 1 }, { get() { throw new Error('get trap') } }), counted: 'extractorErrors' },
      'output-getter': { output: (v) => ({ value: v, get score(): number { throw new Error('score getter') } }), counted: 'extractorErrors' },
      'bigint-score': { output: (v) => ({ score: 10n as unknown as number, value: v }), counted: 'truncated' },
    }
    const problems: string[] = []
    for (const [name, extractors] of Object.entries(variants)) {
      const scenario = `throwing-maps-${name}`
      const m = monitorFor(scenario, 'receiver')
      const predict = m.wrap((i: number) => i, { features: extractors.features, output: extractors.output ?? ((value) => ({ value, score: 0.5 })) })
      if (thrownBy(() => expect(predict(7)).toBe(7)) !== 'returned') problems.push(`${name}: the call changed`)
      await m.shutdown()
      const stats = m.stats()
      const [record] = predictions(scenario)
      if (stats[extractors.counted] !== 1 || stats.extractorErrors + stats.truncated !== 1) problems.push(`${name}: extractorErrors ${stats.extractorErrors}, truncated ${stats.truncated}`)
      if (stats.exported !== stats.recorded) problems.push(`${name}: exported ${stats.exported}, recorded ${stats.recorded}`)
      // An output whose getter throws is the part lost (sent without output); any other keeps it.
      const output = name === 'output-getter' ? undefined : 7
      if (record === undefined || record.attributes['aims.output.value'] !== output) problems.push(`${name}: sent as ${JSON.stringify(record?.attributes)}`)
    }
    expect(problems).toEqual([])
  })

  // FIXED (collector, not the SDK: map-log-record.ts readPrediction and protobuf-fast-events.ts
  // readLogRecord built features as `{}` and assigned `features[name] = value`): a field named
  // `__proto__` set the object's prototype instead of a property, and was silently lost. The SDK
  // sends it (checked first); the collector now keeps it.
  it('a feature named __proto__ is sent by the SDK and kept by the collector', async () => {
    const m = monitorFor('proto-name', 'collector')
    const predict = m.wrap((i: number) => i, { features: () => JSON.parse('{"__proto__": 7, "age": 41}') as FieldMap, output: (value) => ({ value }) })
    expect(predict(1)).toBe(1)
    await m.shutdown()
    expect(refusals('proto-name')).toEqual([])
    expect(predictions('proto-name')[0]!.attributes['aims.feature.__proto__']).toBe(7)
    const processed = processLogsRequest(decodeProtobufLogsRequest(exchanges.get('proto-name')![0]!.body))
    const event = processed.accepted[0]!
    expect(event.type === 'prediction' && Object.prototype.hasOwnProperty.call(event.features, '__proto__')).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------
// Output extractors
// ---------------------------------------------------------------------------------------------

describe('output extractors returning wrong types', () => {
  it('labels of every type, scores outside [0, 1]: usable values sent as they are, the rest left out and counted; every record accepted', async () => {
    const m = monitorFor('output-types', 'collector')
    const labels: unknown[] = [{}, [], Symbol('l'), '', NaN, () => 1, 10n, 'x'.repeat(300), true, 7, -0, 'approve', null, undefined]
    const scores = [1.5, -3, 0, 1, 0.25]
    const predict = m.wrap((i: number) => i, { output: (i) => ({ value: i, label: labels[i % labels.length] as string, score: scores[i % scores.length]! }) })
    for (let i = 0; i < labels.length; i++) expect(predict(i)).toBe(i)
    const stats = await expectAccepted('output-types', m)
    // {}, [], Symbol, '', NaN, function, BigInt left out; 'x'×300 cut; null means "not given", as for fields (not counted).
    expect(stats.truncated).toBe(8)
    const records = byOutputValue(predictions('output-types'))
    expect(records.get(7)!.attributes['aims.output.label']).toBe('x'.repeat(256))
    expect(records.get(8)!.attributes['aims.output.label']).toBe(true)
    expect(records.get(9)!.attributes['aims.output.label']).toBe(7)
    expect(records.get(10)!.attributes['aims.output.label']).toBe(0)
    expect(records.get(11)!.attributes['aims.output.label']).toBe('approve')
    for (const i of [0, 1, 2, 3, 4, 5, 6, 12, 13]) expect(records.get(i)!.attributes).not.toHaveProperty('aims.output.label')
    expect(records.get(0)!.attributes['aims.output.score']).toBe(1.5) // not a probability: sent as it is, the collector takes any finite score
    expect(records.get(1)!.attributes['aims.output.score']).toBe(-3)
  })

  // FIXED (record-queue.ts setOutput): score and value were stored into a Float64Array without a
  // type check (`null` sent as 0, '0.7' as 0.7, true as 1, [] and '' as 0), and a NaN or ±Infinity
  // score was left out uncounted. Only numbers are stored now; anything else given is stored as an
  // "unusable" marker, left out and counted at export; null and undefined mean "not given".
  it('a score or value that is not a finite number is left out (and counted), never converted', async () => {
    const m = monitorFor('output-coercion', 'receiver')
    const outputs: Array<Record<string, unknown>> = [{ label: 'a', score: null }, { label: 'b', score: '0.7' }, { label: 'c', value: true }, { label: 'd', value: [] }, { label: 'e', score: '' }, { label: 'f', score: NaN, value: Infinity }]
    const predict = m.wrap((i: number) => i, { output: (i) => outputs[i] as { label: string } })
    outputs.forEach((_, i) => predict(i))
    await m.shutdown()
    const converted = predictions('output-coercion').filter((r) => 'aims.output.score' in r.attributes || 'aims.output.value' in r.attributes)
    expect(converted.map((r) => r.attributes)).toEqual([])
    expect(m.stats().truncated).toBe(4 + 2) // null is "missing" and not counted; '0.7', true, [], '' and NaN, Infinity are
  })
})

// ---------------------------------------------------------------------------------------------
// logPrediction and logOutcome
// ---------------------------------------------------------------------------------------------

describe('logPrediction and logOutcome with hostile arguments', () => {
  it('ids that are not UUIDs but valid, outcome labels of every valid type, timestamps at the edges: all accepted', async () => {
    const m = monitorFor('manual-valid', 'collector')
    const ids = ['order-17', 'x'.repeat(128), '!~#$%&()*+,-./:;<=>?@[]^_`{|}', 'ABCDEF01-2345-4789-8ABC-DEF012345678']
    const now = Date.now()
    // Within the store's retention (365 days by default): older ones are accepted and then dropped by the TTL.
    const timestamps: Array<Date | number | undefined> = [now - 300 * 86_400_000, new Date(now - 86_400_000), now + 5 * 60_000, undefined]
    ids.forEach((id, k) => expect(m.logPrediction({ id, timestamp: timestamps[k], features: { k }, output: { label: 'approve' } })).toBe(id))
    const outcomesGiven: Array<Parameters<Monitor['logOutcome']>[1]> = ['repaid', 0, 1.5, -2, true, false, { label: 'x', value: 3 }, { value: 0 }, 'y'.repeat(300)]
    // Outcomes of one prediction need distinct timestamps: the same prediction id and instant is one outcome (a duplicate).
    outcomesGiven.forEach((outcome, k) => m.logOutcome(ids[k % ids.length]!, outcome, { timestamp: now - 1000 - k }))
    // Neither a usable label nor a value: left out on the client and counted.
    for (const empty of ['', null, undefined, [], {}] as unknown[]) m.logOutcome('order-17', empty as string)
    const stats = await expectAccepted('manual-valid', m)
    expect(stats.recorded).toBe(ids.length + outcomesGiven.length)
    expect(stats.truncated).toBe(1 + 5) // the 300-character label cut, five empty outcomes
    expect(outcomes('manual-valid').map((o) => o.attributes['aims.outcome.label'])).toEqual(['repaid', 0, 1.5, -2, true, false, 'x', undefined, 'y'.repeat(256)])
  })

  // FIXED (recorder.ts recordManual / recordOutcome): ids were not checked against the wire format
  // (1-128 printable ASCII characters, no spaces), so the collector refused such records. They are
  // now left out on the client, counted in `truncated` and warned once (AIMS_MONITOR_INVALID).
  it('ids the wire format refuses are never sent: empty, 10 kB, with a space or a non-ASCII letter, not a string', async () => {
    const m = monitorFor('bad-ids', 'collector')
    const bad: unknown[] = ['', 'x'.repeat(10_000), 'has space', 'naïve', 'tab\there', 42, undefined]
    for (const id of bad) {
      if (id !== undefined) expect(thrownBy(() => m.logPrediction({ id: id as string, output: { score: 0.5 } }))).toBe('returned')
      expect(thrownBy(() => m.logOutcome(id as string, 'repaid'))).toBe('returned')
    }
    await m.shutdown()
    expect(refusals('bad-ids')).toEqual([])
    expect(sent('bad-ids')).toEqual([])
    expect(m.stats().truncated).toBe(bad.length * 2 - 1)
  })

  // FIXED (recorder.ts recordOutcome): `hasLabel` only excluded undefined, null and '', so a label
  // the export drops (NaN, ±Infinity, an object, a Symbol, a BigInt, a function) made an outcome
  // with neither label nor value, which the collector refuses. Whether a label is usable is now
  // decided at record time, by the same rules as the export's.
  it('an outcome whose label cannot be sent is left out and counted, never sent empty', async () => {
    const m = monitorFor('bad-outcome-labels', 'collector')
    const labels: unknown[] = [NaN, Infinity, -Infinity, { nested: 1 }, Symbol('s'), 10n, () => 1]
    labels.forEach((label, k) => m.logOutcome(`order-${k}`, { label: label as string }))
    m.logOutcome('order-x', NaN)
    m.logOutcome('order-y', { label: NaN as unknown as string, value: NaN })
    await m.shutdown()
    expect(refusals('bad-outcome-labels')).toEqual([])
    expect(m.stats().truncated).toBe(labels.length + 2)
  })

  // FIXED (recorder.ts recordManual / recordOutcome, manual-input.ts timestampOf): timestamps were
  // not checked, so one before 2000, an invalid Date, a negative one or one far ahead was sent and
  // refused. Such a record is now left out on the client, counted in `truncated` and warned once.
  it('timestamps the collector refuses (before 2000, invalid, negative, a day ahead) are never sent', async () => {
    const m = monitorFor('bad-timestamps', 'collector')
    const bad: Array<Date | number> = [Date.UTC(1990, 0, 1), new Date('not a date'), -1, Date.now() + 86_400_000, 1e20]
    bad.forEach((timestamp, k) => {
      m.logPrediction({ id: `p-${k}`, timestamp, output: { score: 0.5 } })
      m.logOutcome(`p-${k}`, 'repaid', { timestamp })
    })
    await m.shutdown()
    expect(refusals('bad-timestamps')).toEqual([])
    expect(sent('bad-timestamps')).toEqual([])
    expect(m.stats().truncated).toBe(bad.length * 2)
  })

  // FIXED (monitor.ts logPrediction / logOutcome): `+prediction.timestamp` and
  // `outcomeOptions.timestamp` ran outside any guard, so a BigInt or Symbol timestamp, a valueOf
  // that throws, or a null argument threw into the application. Every argument is now read and
  // converted inside the recorder's guard; what is unusable is left out and counted.
  it('logPrediction and logOutcome never throw, whatever they are given', () => {
    const m = monitorFor('never-throws', 'receiver')
    const attempts: Record<string, () => unknown> = {
      'logPrediction(null)': () => m.logPrediction(null as never),
      'BigInt timestamp': () => m.logPrediction({ timestamp: 1_700_000_000_000n as unknown as number, output: { score: 1 } }),
      'Symbol timestamp': () => m.logPrediction({ timestamp: Symbol('t') as unknown as number, output: { score: 1 } }),
      'throwing valueOf': () => m.logPrediction({ timestamp: { valueOf: () => { throw new Error('clock') } } as unknown as number, output: { score: 1 } }),
      'outcome BigInt timestamp': () => m.logOutcome('p-1', 'repaid', { timestamp: 1_700_000_000_000n as unknown as number }),
      'outcome options null': () => m.logOutcome('p-1', 'repaid', null as never),
    }
    const threw = Object.entries(attempts).filter(([, f]) => thrownBy(f) !== 'returned').map(([name]) => name)
    void m.shutdown()
    expect(threw).toEqual([])
  })

  // FIXED (record-queue.ts reserve, recorder.ts recordManual): reserve counted the slot before
  // writing it, so a BigInt latency (which throws in the Float64Array store) left a phantom
  // prediction with an earlier one's features, and logPrediction returned ''. The row is now counted
  // last, and a latency that is not a number is left out (counted).
  it('a latency that is not a number never makes a phantom prediction, and logPrediction still returns an id', async () => {
    const m = monitorFor('phantom', 'receiver')
    m.logPrediction({ id: 'first', features: { age: 41 }, output: { score: 0.5 } })
    await m.flush()
    const id = m.logPrediction({ output: { score: 0.9 }, latencyMs: 5n as unknown as number })
    await m.shutdown()
    const problems: string[] = []
    const phantoms = predictions('phantom').slice(1).filter((r) => 'aims.feature.age' in r.attributes)
    if (phantoms.length > 0) problems.push(`phantom predictions with the first one's features: ${JSON.stringify(phantoms.map((r) => r.attributes))}`)
    if (id === '') problems.push("logPrediction returned ''")
    expect(problems).toEqual([])
  })

  // FIXED (otlp-log-encoder.ts keyValue; to-log-record.ts for the official path): an integer-valued
  // number in [2^53, 2^63) was written as an OTLP int_value, which the collector refuses, losing the
  // whole record. The direct encoder writes int_value only for safe integers (doubles otherwise);
  // the official serializer cannot be told to, so that path leaves such values out and counts them.
  it('finite numbers beyond 2^53 (features, output value, outcome value) are accepted', async () => {
    const m = monitorFor('big-integers', 'collector')
    const predict = m.wrapWithId((i: number) => i, { features: () => ({ account: 2 ** 60, debt: -(2 ** 55) }), output: () => ({ value: 2 ** 53 + 2 }) })
    const { predictionId } = predict(1)
    m.logOutcome(predictionId, { value: 1e17 })
    await m.shutdown()
    expect(refusals('big-integers')).toEqual([])
  })

  // FIXED (direct-log-transport.ts, official-log-transport.ts, otlp-partial-success.ts): a partial
  // success was only logged through OpenTelemetry's diag logger, so refused records counted as
  // exported. rejected_log_records now reaches the recorder (exported -= rejected, failed +=
  // rejected) with an AIMS_MONITOR_EXPORT warning carrying the collector's message.
  it.each(['direct', 'official'] as const)('records the collector refuses in a partial success are counted as failed, not exported (%s exporter)', async (exporter) => {
    const scenario = `partial-success-${exporter}`
    const m = monitorFor(scenario, 'partial', { exporter })
    m.logPrediction({ output: { score: 0.5 } })
    m.logPrediction({ output: { score: 0.6 } })
    await m.shutdown()
    expect(sent(scenario)).toHaveLength(2)
    expect(m.stats()).toMatchObject({ exported: 1, failed: 1 })
  })

  it('after shutdown: the methods return at once, record nothing and send nothing; wrapped calls behave as unwrapped', async () => {
    const m = monitorFor('after-shutdown', 'collector')
    const predict = m.wrap((x: number) => x * 2, { features: (x) => ({ x }), output: (value) => ({ value }) })
    const later = m.wrap(async (x: number) => x + 1)
    async function* items() {
      yield 1
      yield 2
    }
    const stream = m.wrap(items, { output: (all) => ({ value: all.length }) })
    expect(predict(1)).toBe(2)
    await m.shutdown()
    const before = m.stats()
    expect(predict(2)).toBe(4)
    expect(await later(1)).toBe(2)
    const seen: number[] = []
    for await (const item of stream()) seen.push(item)
    expect(seen).toEqual([1, 2])
    expect(m.logPrediction({ output: { score: 0.1 } })).toMatch(/^[0-9a-f-]{36}$/)
    expect(m.logPrediction({ id: 'given-after-shutdown', output: { score: 0.1 } })).toBe('given-after-shutdown')
    m.logOutcome('given-after-shutdown', 'repaid')
    await m.flush()
    await m.shutdown() // twice: still fine
    expect(m.stats()).toEqual(before)
    expect(sent('after-shutdown')).toHaveLength(1)
    await expectAccepted('after-shutdown', m)
  })

  // FIXED (record-queue.ts close, recorder.ts notQueued): a call in flight at shutdown() that
  // settled afterwards was queued where no export would take it. shutdown() now closes the queue
  // (no cost on the call's path: reserve's full-queue check covers it), and such a call is counted
  // as recorded and failed.
  it('a call still in flight at shutdown that settles afterwards leaves the counters consistent', async () => {
    const m = monitorFor('settles-after-shutdown', 'receiver')
    const slow = m.wrap(async (x: number) => {
      await sleep(30)
      return x
    }, { output: (value) => ({ value }) })
    const pending = slow(1)
    await m.shutdown()
    expect(await pending).toBe(1)
    await sleep(10)
    const stats = m.stats()
    expect(stats.exported + stats.failed + stats.dropped).toBe(stats.recorded)
    expect(stats).toMatchObject({ recorded: 1, failed: 1 })
  })

  it('thousands of predictions and outcomes before any flush: nothing blocks, nothing is lost, all accepted; a small queue drops and counts', async () => {
    const m = monitorFor('many-before-flush', 'collector')
    const predict = m.wrapWithId((i: number) => i % 2, { features: (i) => ({ i }), output: (label) => ({ label }) })
    const ids: string[] = []
    for (let i = 0; i < 5_000; i++) ids.push(m.logPrediction({ features: { i }, output: { score: (i % 100) / 100 } }))
    for (let i = 0; i < 2_000; i++) ids.push(predict(i).predictionId)
    for (const id of ids.slice(0, 5_000)) m.logOutcome(id, id.endsWith('0') ? 'repaid' : 'defaulted')
    expect(m.stats()).toMatchObject({ recorded: 12_000, exported: 0, dropped: 0 })
    const stats = await expectAccepted('many-before-flush', m)
    expect(stats.exported).toBe(12_000)

    const small = monitorFor('small-queue', 'receiver', { maxQueueSize: 1_000 })
    for (let i = 0; i < 3_000; i++) small.logPrediction({ output: { score: 0.5 } })
    expect(small.stats()).toMatchObject({ recorded: 1_000, dropped: 2_000 })
    await small.shutdown()
    expect(small.stats()).toMatchObject({ exported: 1_000, failed: 0 })
    expect(warnings.filter((w) => w.code === 'AIMS_MONITOR_DROPPED').length).toBeGreaterThanOrEqual(1)
  })
})

// ---------------------------------------------------------------------------------------------
// Model functions
// ---------------------------------------------------------------------------------------------

describe('model functions that misbehave', () => {
  it('a Promise that never settles: nothing queued or counted, later calls unaffected, and nothing of it retained once the caller lets go (20,000 calls)', async () => {
    const m = monitorFor('never-settles', 'receiver')
    const refs: Array<WeakRef<object>> = []
    const hang = m.wrap((_input: { n: number }) => new Promise<number>(() => undefined), {
      features: (input) => {
        const features = { n: input.n, region: 'north' }
        if (input.n % 500 === 0) refs.push(new WeakRef(features))
        return features
      },
      output: (score) => ({ score }),
    })
    gc()
    const heapBefore = process.memoryUsage().heapUsed
    for (let i = 0; i < 20_000; i++) void hang({ n: i })
    expect(m.stats()).toMatchObject({ recorded: 0, dropped: 0, extractorErrors: 0, failed: 0 })
    await nextTurn()
    gc()
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0)
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 1024 * 1024)
    const quick = m.wrap((x: number) => x, { output: (value) => ({ value }) })
    expect(quick(3)).toBe(3)
    await m.shutdown()
    expect(m.stats()).toMatchObject({ recorded: 1, exported: 1 })
  })

  it('thenables that are not Promises (an object, a function, one whose `then` getter throws) are returned untouched, never followed', () => {
    const m = monitorFor('thenables', 'receiver')
    let touched = 0
    const objectThenable = { then: () => touched++ }
    const functionThenable = Object.assign(() => 1, { then: () => touched++ })
    const trap = Object.defineProperty({}, 'then', { get: () => { touched++; throw new Error('then read') } })
    for (const value of [objectThenable, functionThenable, trap]) {
      const outputs: unknown[] = []
      const wrapped = m.wrap(() => value, { output: (result) => { outputs.push(result); return { label: 'x' } } })
      expect(wrapped()).toBe(value)
      expect(outputs).toHaveLength(1) // recorded as a synchronous result, with the thenable itself
      expect(outputs[0]).toBe(value)
    }
    expect(touched).toBe(0)
    expect(m.stats()).toMatchObject({ recorded: 3, extractorErrors: 0 })
    void m.shutdown()
  })

  it('non-Error values thrown or rejected (null, undefined, a string, a number, a Symbol, an object whose toString throws) reach the caller identical; each prediction is accepted as failed', async () => {
    const m = monitorFor('thrown-values', 'collector')
    const poisoned = { toString: () => { throw new Error('toString') }, [Symbol.toPrimitive]: () => { throw new Error('toPrimitive') } }
    const values: unknown[] = [null, undefined, 'plain string', 42, Symbol('thrown'), poisoned, Object.freeze({ code: 'E_MODEL' })]
    for (const value of values) {
      const sync = m.wrap((): number => { throw value })
      expect(thrownBy(() => sync())).toBe(value)
      const rejecting = m.wrap(async (): Promise<number> => { throw value })
      const promise = rejecting()
      await promise.then(
        () => expect.unreachable(),
        (reason: unknown) => expect(reason).toBe(value),
      )
    }
    await nextTurn()
    const stats = await expectAccepted('thrown-values', m)
    expect(stats.recorded).toBe(values.length * 2)
    expect(predictions('thrown-values').map((r) => r.attributes['aims.error.type'])).toEqual(values.flatMap((v) => [v === null ? 'object' : typeof v, v === null ? 'object' : typeof v]))
  })

  // FIXED (call-error.ts, used by recorder.ts record()): error.name was read after the slot was
  // reserved (a throwing getter left a "successful" prediction), and a non-string name or message
  // made FieldSanitizer.text throw at export (the record dropped). Name and message are now read
  // once, defensively: a name that is not a non-empty string is 'Error', a message is converted to
  // a string (left out when that throws).
  it('errors with a hostile name or message are still recorded as failed predictions, on both exporters', async () => {
    const hostile: Record<string, () => unknown> = {
      'name getter throws': () => Object.defineProperty(new Error('x'), 'name', { get: () => { throw new Error('name') } }),
      'numeric name': () => Object.assign(new Error('x'), { name: 42 }),
      'message object with throwing toString': () => Object.assign(new Error(), { message: { toString: () => { throw new Error('msg') } } }),
      'numeric message': () => Object.assign(new Error(), { message: 404 }),
    }
    const problems: string[] = []
    for (const exporter of ['direct', 'official'] as const) {
      for (const [name, make] of Object.entries(hostile)) {
        const scenario = `hostile-errors-${exporter}-${name.replace(/\W+/g, '-')}`
        const m = monitorFor(scenario, 'receiver', { exporter })
        const error = make()
        const failing = m.wrap((): number => { throw error })
        if (thrownBy(() => failing()) !== error) problems.push(`${exporter}/${name}: the caller saw another error`)
        await m.shutdown()
        const [record] = predictions(scenario)
        if (record === undefined || typeof record.attributes['aims.error.type'] !== 'string') problems.push(`${exporter}/${name}: ${record ? `sent without an error: ${JSON.stringify(record.attributes)}` : `not sent (${JSON.stringify(m.stats())})`}`)
      }
    }
    expect(problems).toEqual([])
  })

  describe('async generators', () => {
    async function* counter(limit: number, failAt = -1): AsyncGenerator<{ n: number }> {
      try {
        for (let n = 0; n < limit; n++) {
          if (n === failAt) throw new RangeError(`failed at ${n}`)
          yield { n }
        }
      } finally {
        await sleep(1)
      }
    }

    /** What a consumer plan observes: items and the error, identical wrapped and unwrapped. */
    async function observe(stream: AsyncIterable<{ n: number }>, plan: (it: AsyncIterator<{ n: number }>) => Promise<unknown[]>): Promise<{ items: unknown[]; error?: unknown }> {
      const iterator = stream[Symbol.asyncIterator]()
      try {
        return { items: await plan(iterator) }
      } catch (error) {
        return { items: [], error }
      }
    }

    it('abandoned mid-stream without return(): the caller sees the same items, nothing is recorded, and nothing is retained', async () => {
      const m = monitorFor('abandoned-streams', 'receiver')
      const refs: Array<WeakRef<object>> = []
      const wrapped = m.wrap(counter, {
        features: (limit) => {
          const f = { limit }
          refs.push(new WeakRef(f))
          return f
        },
        output: (items) => ({ value: items.length }),
      })
      for (let k = 0; k < 200; k++) {
        const plan = async (it: AsyncIterator<{ n: number }>) => [(await it.next()).value, (await it.next()).value, (await it.next()).value]
        expect(await observe(wrapped(1_000), plan)).toEqual(await observe(counter(1_000), plan))
      }
      expect(m.stats()).toMatchObject({ recorded: 0, extractorErrors: 0 })
      await nextTurn()
      gc()
      expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0)
      await m.shutdown()
    })

    it('concurrent next() calls, a throw mid-stream, return() with a value and throw() into the generator: the caller sees exactly what the unwrapped generator gives; each stream recorded once', async () => {
      const m = monitorFor('stream-plans', 'collector')
      const wrapped = m.wrap(counter, { features: (limit) => ({ limit }), output: (items) => ({ value: items.length }) })
      const plans: Array<(it: AsyncIterator<{ n: number }>) => Promise<unknown[]>> = [
        (it) => Promise.all([it.next(), it.next(), it.next(), it.next()]),
        async (it) => [await it.next(), await it.return!({ n: -1 }), await it.next()],
        async (it) => [await it.next(), await it.throw!(new TypeError('consumer gave up'))],
        async (it) => {
          const out: unknown[] = []
          for (let step = await it.next(); !step.done; step = await it.next()) out.push(step.value)
          return out
        },
      ]
      for (const [k, plan] of plans.entries()) {
        const limit = k === 3 ? 5 : 3
        const failAt = k === 3 ? 2 : -1
        const got = await observe(wrapped(limit, failAt), plan)
        const want = await observe(counter(limit, failAt), plan)
        expect(got.items).toEqual(want.items)
        expect(String(got.error)).toBe(String(want.error))
      }
      await expectAccepted('stream-plans', m)
      const errors = predictions('stream-plans').map((r) => r.attributes['aims.error.type'] ?? 'ok')
      expect(errors).toEqual(['ok', 'ok', 'TypeError', 'RangeError'])
    })
  })
})

// ---------------------------------------------------------------------------------------------
// The call itself: this, arguments, name, length, what comes back
// ---------------------------------------------------------------------------------------------

describe('the call passes through', () => {
  it('class methods keep `this` (private fields included), arguments keep their count, and name and length are fn\'s', async () => {
    const m = monitorFor('this-binding', 'receiver')
    class Model {
      #bias = 0.5
      static scale = 10
      seen: number[] = []
      score(a: number, b = 2, ...rest: number[]): number {
        this.seen.push(arguments.length)
        return this.#bias + a * b + rest.length
      }
      static rescale(this: typeof Model, x: number): number {
        return x * this.scale
      }
    }
    const argSeen: number[] = []
    Model.prototype.score = m.wrap(Model.prototype.score, {
      features: function (this: unknown, ...args: unknown[]) {
        argSeen.push(args.length)
        return { a: args[0] as number }
      },
    })
    Model.rescale = m.wrap(Model.rescale)
    const model = new Model()
    expect(model.score(1)).toBe(2.5)
    expect(model.score(1, 3)).toBe(3.5)
    expect(model.score(1, undefined)).toBe(2.5)
    expect(model.score(1, 3, 7, 8)).toBe(5.5)
    expect((model.score as (...args: unknown[]) => number)()).toBeNaN()
    expect(model.seen).toEqual([1, 2, 2, 4, 0])
    expect(argSeen).toEqual([1, 2, 2, 4, 0])
    expect(Model.rescale(2)).toBe(20)
    expect(thrownBy(() => (0, model.score)(1))).toBeInstanceOf(TypeError) // unbound, as unwrapped: `this` is undefined
    expect(model.score.name).toBe('score')
    expect(model.score.length).toBe(1)

    async function classify(_text: string, _lang: string): Promise<string> { return 'x' }
    async function* tokens(_n: number): AsyncGenerator<string> { yield 'a' }
    const bound = function target(this: unknown, _a: number, _b: number) { return this }.bind({ k: 1 })
    for (const fn of [classify, tokens, bound, (_a: number, _b = 1) => 0, Math.max]) {
      const wrapped = m.wrap(fn as (...args: never[]) => unknown)
      expect([wrapped.name, wrapped.length]).toEqual([fn.name, fn.length])
    }
    expect(m.wrap(bound)(1, 2)).toEqual({ k: 1 })
    await m.shutdown()
    expect(m.stats()).toMatchObject({ recorded: 8, extractorErrors: 0 })
  })

  // FIXED (wrap-call.ts wrapCall): only `name` and `length` were copied, yet the wrapper is typed F,
  // so fn's properties (a version tag, `fn.cache.clear`) were missing. The wrapper's prototype is
  // now fn: its properties are read through the wrapper, as they are now.
  it('properties of the model function are there on the wrapper, as its type says', () => {
    const m = monitorFor('fn-properties', 'receiver')
    const predict = Object.assign((x: number) => x, { version: '2.3.0', cache: new Map<string, number>() })
    const wrapped = m.wrap(predict)
    void m.shutdown()
    expect(wrapped.version).toBe('2.3.0')
    expect(wrapped.cache).toBe(predict.cache)
    predict.version = '2.4.0'
    expect(wrapped.version).toBe('2.4.0')
    expect(wrapped(3)).toBe(3)
  })

  // FIXED (wrap-call.ts invoke, stream-observer.ts): reading `result[Symbol.asyncIterator]` and
  // calling it ran outside any guard, so a strict Proxy or a locked ReadableStream threw a TypeError
  // into the application. The read is guarded (a throwing read: a plain result), and a stream's
  // iterator is only made when its consumer asks for one.
  it('results whose Symbol.asyncIterator cannot be read or called are returned as unwrapped, without throwing', () => {
    const m = monitorFor('hostile-results', 'receiver')
    const strict = new Proxy({ score: 0.7 }, { get(target, key) { if (!(key in target)) throw new TypeError(`no property ${String(key)}`); return target[key as 'score'] } })
    const locked = new ReadableStream<string>({ start(controller) { controller.enqueue('a'); controller.close() } })
    locked.getReader()
    const results: Array<[string, unknown]> = [['strict proxy', strict], ['locked ReadableStream', locked]]
    const threw = results.filter(([, value]) => thrownBy(() => expect(m.wrap(() => value)()).toBe(value)) !== 'returned').map(([name]) => name)
    void m.shutdown()
    expect(threw).toEqual([])
  })

  // FIXED (stream-observer.ts): any async-iterable result was replaced by a one-shot iterator
  // object, so a Node Readable lost pipe/on/destroy, a web ReadableStream getReader, and a
  // re-iterable collection yielded nothing the second time. The result is now the very object,
  // observed in place: an async generator through own next/return/throw, another iterable through
  // the first iterator its own [Symbol.asyncIterator] makes (then put back as it was).
  it('an async-iterable result that is more than an iterator (a Node Readable, a re-iterable collection) reaches the caller as it is', async () => {
    const m = monitorFor('iterable-results', 'receiver')
    const source = Readable.from(['a', 'b'])
    const readable = m.wrap(() => source, { output: (items) => ({ value: items.length }) })()
    const collection = { async *[Symbol.asyncIterator]() { yield 1; yield 2 } }
    const again = m.wrap(() => collection, { output: (items) => ({ value: items.length }) })()
    const generator = (async function* () { yield 'x'; yield 'y'; yield 'z' })()
    const same = m.wrap(() => generator, { output: (items) => ({ value: items.length }) })()
    const twice: number[] = []
    for (let pass = 0; pass < 2; pass++) for await (const n of again) twice.push(n)
    const chunks: string[] = []
    for await (const chunk of readable) chunks.push(String(chunk))
    for await (const item of same) void item
    await m.shutdown()
    expect(readable).toBe(source)
    expect(again).toBe(collection)
    expect(same).toBe(generator)
    expect(typeof (readable as Readable).pipe).toBe('function')
    expect(twice).toEqual([1, 2, 1, 2])
    expect(chunks).toEqual(['a', 'b'])
    expect(Object.keys(collection)).toEqual([]) // nothing left behind on the application's object
    // Each stream recorded once, when its first iteration ended: the collection with 2 items, not 4.
    expect(predictions('iterable-results').map((r) => r.attributes['aims.output.value']).sort()).toEqual([2, 2, 3])
  })

  /** Runs a few lines with the compiled SDK in a child process; its exit code says whether a rejection went unhandled. */
  function runChild(mode: string): number | null {
    const script = `
      const { createMonitor } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)})
      const m = createMonitor({ endpoint: 'http://127.0.0.1:9', model: { id: 'child', version: '1' }, flushOnExit: false, exportIntervalMs: 60000 })
      const model = async () => { throw new Error('model failed') }
      const mode = process.env.MODE
      if (mode === 'unwrapped-rejection') void model()
      if (mode === 'wrapped-rejection') void m.wrap(model)()
      if (mode === 'async-extractor') m.wrap((x) => x, { features: async () => { throw new Error('feature store down') } })(1)
      if (mode === 'async-extractor-async-model') void m.wrap(async (x) => x, { attributes: async () => { throw new Error('feature store down') } })(1)
      if (mode === 'no-extractor') ((x) => x)(1)
    `
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, env: childEnv({ MODE: mode }), encoding: 'utf8', timeout: 30_000 })
    return result.status
  }

  // DOCUMENTED, not fixable (wrap-call.ts invoke, `result.then(onValue, onError)`): observing the
  // model's Promise attaches a handler to it, so a rejected call nobody awaits no longer raises
  // 'unhandledRejection' (which by default ends the process). There is no handler-free way to see a
  // Promise settle (short of a process-wide PromiseHook, which would tax every Promise of the
  // application); docs/sdk.md ("Errors") now says so. This pins the documented behaviour.
  it('a rejected call nobody awaits is recorded but no longer raised as an unhandled rejection, as docs/sdk.md says', () => {
    expect({ unwrapped: runChild('unwrapped-rejection'), wrapped: runChild('wrapped-rejection') }).toEqual({ unwrapped: 1, wrapped: 0 })
  })

  // FIXED (record-queue.ts setFieldsSlowly, recorder.ts withoutPromise): an extractor returning a
  // rejected Promise (an `async` extractor in plain JavaScript) was neither counted nor handled, and
  // its rejection ended the process. A Promise has no keys, so it always reaches the queue's slow
  // path (no cost on the common one); there, and at the call for calls recorded later (a Promise or
  // a stream result), it is counted in extractorErrors and its rejection handled.
  it('an async extractor that rejects never ends the process', () => {
    expect({ plain: runChild('no-extractor'), asyncExtractor: runChild('async-extractor'), asyncModel: runChild('async-extractor-async-model') }).toEqual({ plain: 0, asyncExtractor: 0, asyncModel: 0 })
  })
})

// ---------------------------------------------------------------------------------------------
// The collector's count of everything accepted above
// ---------------------------------------------------------------------------------------------

it('GET /v1/models counts exactly the predictions and outcomes of every accepted scenario', async () => {
  expect(acceptedScenarios.size).toBeGreaterThanOrEqual(10)
  const response = await fetch(`${collector.url}/v1/models?wait=30000`, { headers: { authorization: `Bearer ${KEY}` } })
  expect(response.status).toBe(200)
  const { models } = (await response.json()) as { models: Array<{ id: string; predictionCount: number; outcomeCount: number }> }
  const counted = Object.fromEntries(models.filter((model) => acceptedScenarios.has(model.id)).map((model) => [model.id, { predictions: model.predictionCount, outcomes: model.outcomeCount }]))
  const expected = Object.fromEntries([...acceptedScenarios].filter(([, c]) => c.predictions + c.outcomes > 0))
  expect(counted).toEqual(expected)
}, 60_000)
