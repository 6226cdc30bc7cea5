// The direct path (rows straight from the protobuf bytes) against the event paths
// (processOtlpEvents: the fast path to events, else the general decoder), which are the authority:
// whenever the transcoder takes a request, its chunk must be byte for byte the event paths' chunk,
// with every record accepted. On generated SDK-shaped requests, mutated in the ways that must either
// be written exactly or handed over (null); on what the real AIMS SDK and the official OpenTelemetry
// serializer send; and through processOtlpBatch, which must take the direct path once a model's
// layout is known.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { createMonitor } from '@aims-monitor/sdk'
import { seededRandom } from '@aims-monitor/metrics'
import { toEventUuid } from '@aims-monitor/schema'
import { BatchEncoder, type EncodedChunk } from '../batch-encoder.js'
import { processOtlpBatch, processOtlpEvents, type OtlpBatchResult } from '../otlp-batch.js'
import { otlpProtoTypes } from './otlp-proto-root.js'
import { fastProtobufEvents } from './protobuf-fast-events.js'
import { transcodePredictionRows, type TranscodedRows } from './protobuf-row-transcoder.js'

const P = 'proj'
const P2 = 'proj2'
const NOW_MS = Date.now()
const NOW_NS = BigInt(NOW_MS) * 1_000_000n
const RECEIVED_MS = NOW_MS + 7
const CREDIT = 'credit'
const OTHER = 'team.a/other:2-x'
const MAX_COLUMNS = 1000

// ---- protobuf: records through protobufjs, the framing around them by hand (so a test can put
// raw bytes in a record, or a resource after its scopes) ----------------------------------------------
const root = otlpProtoTypes().exportLogsServiceRequest.root
const LogRecordType = root.lookupType('opentelemetry.proto.logs.v1.LogRecord')
const ResourceType = root.lookupType('opentelemetry.proto.resource.v1.Resource')
const ScopeType = root.lookupType('opentelemetry.proto.common.v1.InstrumentationScope')

type AnyValue = Record<string, unknown>
type Kv = { key: string; value?: AnyValue }
interface GenRecord {
  /** LogRecord fields as protobufjs fromObject takes them. */
  log: { attributes: Kv[]; [field: string]: unknown }
  /** Raw bytes appended to the encoded record (fields protobufjs would not write). */
  extra?: number[]
}
interface GenScope { records: GenRecord[] }
interface GenResource { attributes: Kv[]; scopes: GenScope[]; resourceAfterScopes?: boolean }
interface GenRequest { resources: GenResource[] }

function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return out
}
function field(fieldNumber: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(varint((fieldNumber << 3) | 2)), Buffer.from(varint(bytes.length)), bytes])
}
function encode(request: GenRequest): Buffer {
  return Buffer.concat(request.resources.map((resource) => {
    const resourceField = field(1, ResourceType.encode(ResourceType.fromObject({ attributes: resource.attributes })).finish())
    const scopes = resource.scopes.map((scope) => field(2, Buffer.concat([
      field(1, ScopeType.encode(ScopeType.fromObject({ name: 'aims', version: '1' })).finish()),
      ...scope.records.map((r) => field(2, Buffer.concat([LogRecordType.encode(LogRecordType.fromObject(r.log)).finish(), Buffer.from(r.extra ?? [])]))),
    ])))
    return field(1, Buffer.concat(resource.resourceAfterScopes ? [...scopes, resourceField] : [resourceField, ...scopes]))
  }))
}

const str = (v: string): AnyValue => ({ stringValue: v })
const int = (v: string | number): AnyValue => ({ intValue: String(v) })
const dbl = (v: number): AnyValue => ({ doubleValue: v })
const bool = (v: boolean): AnyValue => ({ boolValue: v })
const feature = (name: string, value?: AnyValue): Kv => ({ key: `aims.feature.${name}`, value })
const attribute = (name: string, value?: AnyValue): Kv => ({ key: `aims.attribute.${name}`, value })

// ---- the encoders: two that have learned the same columns ---------------------------------------------
const W_FEATURES = Array.from({ length: 201 }, (_, i) => `w${i}`)
const W_ATTRIBUTES = Array.from({ length: 33 }, (_, i) => `t${i}`)

/** A request that teaches an encoder every column the generator's clean records use (run through the event paths). */
function warmUpBody(project: string): Buffer {
  const records: GenRecord[] = []
  const add = (model: string, attributes: Kv[]) =>
    records.push({ log: { timeUnixNano: NOW_NS.toString(), eventName: 'aims.prediction', attributes: [{ key: 'aims.prediction.id', value: str(`warm-${records.length}`) }, { key: 'aims.model.id', value: str(model) }, { key: 'aims.model.version', value: str('1') }, ...attributes] } })
  for (const model of [CREDIT, OTHER]) {
    add(model, [feature('age', int(30)), feature('income', dbl(1.5)), feature('region', str('north')), feature('ville', str('Zürich')), feature('flag', bool(true)), feature('mixed', int(1)), feature('geo.zone/x:y-1', str('z')), feature('constructor', dbl(2)),
      attribute('sex', str('F')), attribute('tier', int(1)), attribute('vip', bool(false)), attribute('constructor', str('c'))])
    add(model, [feature('mixed', str('a')), feature('__proto__', int(1)), attribute('__proto__', str('p')), feature('toString', dbl(1)), attribute('hasOwnProperty', bool(true))])
    add(model, [feature('mixed', bool(false)), feature('__proto__', str('q'))])
    add(model, W_FEATURES.slice(0, 101).map((name) => feature(name, dbl(1))))
    add(model, W_FEATURES.slice(100).map((name) => feature(name, dbl(1))))
    add(model, W_ATTRIBUTES.slice(0, 20).map((name) => attribute(name, str('v'))))
    add(model, W_ATTRIBUTES.slice(20).map((name) => attribute(name, str('v'))))
  }
  // In the second project, columns that sort first: every other column has another index there.
  if (project === P2) for (const model of [CREDIT, OTHER]) add(model, ['A0', 'A1', 'B_2', 'ab'].map((name) => feature(name, dbl(0))))
  return encode({ resources: [{ attributes: [], scopes: [{ records }] }] })
}

/** An encoder that has learned the generator's columns in both projects. */
function warmEncoder(): BatchEncoder {
  const encoder = new BatchEncoder(MAX_COLUMNS)
  for (const project of [P, P2]) {
    const result = processOtlpEvents(warmUpBody(project), 'protobuf', project, encoder, RECEIVED_MS)
    if (!result.ok || result.rejected.length > 0) throw new Error(`the warm-up request was not all accepted: ${JSON.stringify(result)}`)
  }
  return encoder
}

// ---- the generator ------------------------------------------------------------------------------------
interface Shape {
  model: string
  version: string
  modelOnRecord: boolean
  versionOnRecord: boolean
  env: 'none' | 'resource' | 'resource-deprecated' | 'resource-both' | 'record' | 'record-deprecated' | 'record-over-resource'
  envValue: string
  eventNameField: boolean
}

function generator(seed: number) {
  const rand = seededRandom(seed)
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const chance = (p: number) => rand() < p
  const hex = (digits: number) => Array.from({ length: digits }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('')
  const bytes = (n: number) => {
    const b = Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)))
    b[0] = b[0]! | 1 // never all zeros
    return b
  }
  return { rand, pick, chance, hex, bytes }
}
type Gen = ReturnType<typeof generator>

function idFor(g: Gen, seed: number, n: number): string {
  const tail = (seed * 100 + n).toString(16).padStart(12, '0')
  switch (Math.floor(g.rand() * 6)) {
    case 0: return `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-${g.pick(['8', '9', 'a', 'b'])}${g.hex(3)}-${tail}`
    case 1: return `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-a${g.hex(3)}-${tail}`.toUpperCase()
    case 2: return `${g.hex(8)}-${g.hex(4).toUpperCase()}-4${g.hex(3)}-b${g.hex(3)}-${tail}` // mixed case
    case 3: return `order:${seed}/${n}!~"`
    case 4: return `${tail}-${'x'.repeat(115)}` // 128 characters
    default: return `p-${seed}-${n}`
  }
}

function timeFields(g: Gen, n: number): Record<string, string> {
  const ns = NOW_NS - BigInt(n) * 1_000_123n - BigInt(Math.floor(g.rand() * 3_600_000)) * 1_000_000n - BigInt(g.pick([0, 499_999, 500_000, 999_999]))
  const mode = g.rand()
  if (mode < 0.7) return { timeUnixNano: ns.toString() }
  if (mode < 0.85) return { observedTimeUnixNano: ns.toString() }
  return { timeUnixNano: ns.toString(), observedTimeUnixNano: (ns + 5_000_000n).toString() }
}

/** A valid prediction as an SDK following docs/semantic-conventions.md writes it. */
function cleanRecord(g: Gen, seed: number, n: number, shape: Shape): GenRecord {
  const { pick, chance } = g
  const attributes: Kv[] = [{ key: 'aims.prediction.id', value: str(idFor(g, seed, n)) }]
  if (shape.modelOnRecord) attributes.push({ key: 'aims.model.id', value: str(shape.model) })
  if (shape.versionOnRecord) attributes.push({ key: 'aims.model.version', value: str(shape.version) })
  if (shape.env === 'record' || shape.env === 'record-over-resource') attributes.push({ key: 'deployment.environment.name', value: str(shape.envValue) })
  if (shape.env === 'record-deprecated') attributes.push({ key: 'deployment.environment', value: str(shape.envValue) })
  if (chance(0.8)) attributes.push(feature('age', chance(0.5) ? int(pick([18, 0, -5, 90, 5_000_000_000, '9007199254740991', '-9007199254740991'])) : dbl(pick([30.5, -0, 1e-300, 5e-324, 1.7976931348623157e308]))))
  if (chance(0.8)) attributes.push(feature('income', dbl(g.rand() * 1e5)))
  if (chance(0.8)) attributes.push(feature('region', str(pick(['north', 'south', 'Zürich', '東京', 'a\u0000b', 'x'.repeat(256), 'é'.repeat(256), '😀'.repeat(128)]))))
  if (chance(0.6)) attributes.push(feature('ville', str(pick(['Genève', 'São Paulo', 'a']))))
  if (chance(0.7)) attributes.push(feature('flag', bool(chance(0.5))))
  if (chance(0.5)) attributes.push(feature('mixed', pick([int(3), dbl(2.5), str('m'), bool(true)])))
  if (chance(0.3)) attributes.push(feature('geo.zone/x:y-1', str('eu')))
  if (chance(0.2)) attributes.push(feature('constructor', int(4)))
  if (chance(0.1)) attributes.push(feature('toString', dbl(0.5)))
  if (chance(0.1)) attributes.push(attribute('hasOwnProperty', int(1)))
  if (chance(0.8)) attributes.push(attribute('sex', str(pick(['F', 'M', 'ö']))))
  if (chance(0.5)) attributes.push(attribute('tier', pick([int(3), int(-7), dbl(0.1 + 0.2), dbl(1e21), dbl(-0), dbl(5e-7), dbl(123456789012)])))
  if (chance(0.4)) attributes.push(attribute('vip', bool(chance(0.5))))
  if (chance(0.1)) attributes.push(attribute('constructor', str('k')))
  if (chance(0.7)) attributes.push({ key: 'aims.output.label', value: pick([str('approve'), str('Zürich'), str('y'.repeat(256)), int(1), int(-3), dbl(0.5), dbl(-0), dbl(1e-7), bool(false), bool(true)]) })
  if (chance(0.7)) attributes.push({ key: 'aims.output.score', value: pick([dbl(g.rand()), int(0), int(1), dbl(-0)]) })
  if (chance(0.2)) attributes.push({ key: 'aims.output.value', value: dbl(g.rand() * 100 - 50) })
  if (chance(0.6)) attributes.push({ key: 'aims.latency_ms', value: pick([dbl(g.rand() * 1000), int(0), int(86_400_000), dbl(-0)]) })
  if (chance(0.15)) attributes.push({ key: 'aims.stream.items', value: pick([int(0), int(42), int(1_000_000_000), dbl(3)]) })
  if (chance(0.15)) {
    attributes.push({ key: 'aims.error.type', value: str(pick(['TimeoutError', 'Ärger', 'e'.repeat(128)])) })
    if (chance(0.6)) attributes.push({ key: 'aims.error.message', value: str(pick(['', 'took too long', 'é'.repeat(1024)])) })
  }
  if (chance(0.15)) attributes.push({ key: 'code.lineno', value: int(12) })
  if (chance(0.1)) attributes.push({ key: 'http.route', value: { arrayValue: { values: [str('/score')] } } })
  if (chance(0.1)) attributes.push({ key: 'service.instance.id', value: { kvlistValue: { values: [{ key: 'k', value: { bytesValue: Buffer.from([1]) } }] } } })
  if (!shape.eventNameField) attributes.push({ key: 'event.name', value: str('aims.prediction') })
  if (chance(0.3)) attributes.sort(() => g.rand() - 0.5)
  const log: GenRecord['log'] = { attributes, ...timeFields(g, n), severityNumber: 9, severityText: 'INFO' }
  if (shape.eventNameField) log.eventName = 'aims.prediction'
  if (chance(0.1)) log.body = str('free text')
  if (chance(0.1)) log.flags = 1
  const ids = g.rand()
  if (ids < 0.5) Object.assign(log, { traceId: g.bytes(16), spanId: g.bytes(8) })
  else if (ids < 0.6) Object.assign(log, { traceId: Buffer.alloc(16), spanId: Buffer.alloc(8) })
  else if (ids < 0.7) Object.assign(log, { traceId: Buffer.alloc(0), spanId: Buffer.alloc(0) })
  else if (ids < 0.75) Object.assign(log, { traceId: g.bytes(16) })
  return { log }
}

function cleanRequest(seed: number): { g: Gen; shape: Shape; request: GenRequest; records: GenRecord[] } {
  const g = generator(seed)
  const { pick, chance } = g
  const shape: Shape = {
    model: chance(0.85) ? CREDIT : OTHER,
    version: pick(['1.0', '2.3.1+build.5', 'v_1:2-3']),
    modelOnRecord: chance(0.3),
    versionOnRecord: chance(0.3),
    env: pick(['none', 'none', 'resource', 'resource-deprecated', 'resource-both', 'record', 'record-deprecated', 'record-over-resource'] as const),
    envValue: pick(['staging', 'production', 'eu-west_1', 'canary+1', 'v1.2:3']),
    eventNameField: chance(0.8),
  }
  const resourceAttributes = (): Kv[] => {
    const attributes: Kv[] = [{ key: 'service.name', value: str('svc') }]
    if (!shape.modelOnRecord) attributes.push({ key: 'aims.model.id', value: str(shape.model) })
    if (!shape.versionOnRecord) attributes.push({ key: 'aims.model.version', value: str(shape.version) })
    if (shape.env === 'resource' || shape.env === 'resource-both' || shape.env === 'record-over-resource') attributes.push({ key: 'deployment.environment.name', value: str(shape.env === 'record-over-resource' ? 'resource-env' : shape.envValue) })
    if (shape.env === 'resource-deprecated' || shape.env === 'resource-both') attributes.push({ key: 'deployment.environment', value: str(shape.env === 'resource-both' ? 'ignored-env' : shape.envValue) })
    return attributes
  }
  const records: GenRecord[] = []
  const total = 1 + Math.floor(g.rand() * 12)
  for (let n = 0; n < total; n++) records.push(cleanRecord(g, seed, n, shape))
  // Usually one resource with one scope; sometimes the records spread over two of each.
  const resources: GenResource[] = []
  const split = chance(0.15) ? 2 : 1
  for (let r = 0; r < split; r++) {
    const mine = records.filter((_, n) => n % split === r)
    if (mine.length === 0) continue
    const scopes = chance(0.2) && mine.length > 1 ? [{ records: mine.slice(0, 1) }, { records: mine.slice(1) }] : [{ records: mine }]
    resources.push({ attributes: resourceAttributes(), scopes })
  }
  return { g, shape, request: { resources }, records }
}

// ---- mutations -----------------------------------------------------------------------------------------
const MUTATIONS = 74

/** Applies mutation `kind` to the request; returns its name. Raw-byte mutations are applied by mutateBody. */
function mutate(kind: number, seed: number, g: Gen, shape: Shape, request: GenRequest, records: GenRecord[]): string {
  const { pick, chance } = g
  const target = pick(records)
  const a = target.log.attributes
  const setKey = (key: string, value: AnyValue | undefined) => {
    const i = a.findIndex((kv) => kv.key === key)
    if (i >= 0) a[i] = { key, value }
    else a.push({ key, value })
  }
  const dropKeys = (prefix: string) => {
    target.log.attributes = a.filter((kv) => !kv.key.startsWith(prefix))
  }
  const resource = pick(request.resources)
  switch (kind) {
    case 0: a.push({ key: 'aims.unknown.thing', value: str('x') }); return 'unknown aims.* key'
    case 1: a.push({ ...a[0]! }); return 'repeated key (same value)'
    case 2: setKey('aims.feature.mixed', str('a')); a.push(feature('mixed', int(5))); return 'repeated feature key with two value kinds'
    case 3: a.push(feature('big', int('9007199254740992'))); return 'int64 beyond 2^53 (new feature)'
    case 4: setKey('aims.feature.age', int(pick(['9007199254740992', '-9007199254740992', '-9223372036854775808', '9223372036854775807']))); return 'int64 beyond 2^53 (known feature)'
    case 5: setKey('aims.output.score', int('9007199254740993')); return 'int64 beyond 2^53 (score)'
    case 6: setKey(pick(['aims.feature.income', 'aims.output.score', 'aims.output.value', 'aims.latency_ms', 'aims.output.label', 'aims.attribute.tier']), dbl(pick([NaN, Infinity, -Infinity]))); return 'NaN or Infinity double'
    case 7: setKey(pick(['aims.feature.region', 'aims.attribute.sex', 'aims.output.label']), str(pick(['x'.repeat(257), 'é'.repeat(257), '😀'.repeat(128) + 'x']))); return 'string of 257 characters'
    case 8: setKey(pick(['aims.feature.region', 'aims.attribute.sex', 'aims.output.label', 'aims.prediction.id', 'aims.model.version', 'deployment.environment.name', 'aims.error.type']), str('')); return 'empty string'
    case 9: setKey('aims.feature.empty', undefined); return 'attribute without a value'
    case 10: setKey(pick(['aims.feature.region', 'aims.output.score', 'aims.prediction.id']), {}); return 'empty AnyValue'
    case 11: a.push(feature('bytes', { bytesValue: Buffer.from([1]) })); return 'bytes feature'
    case 12: setKey('aims.feature.age', { arrayValue: { values: [int(1)] } }); return 'array feature'
    case 13: setKey('aims.prediction.id', int(7)); return 'prediction id as int'
    case 14: target.log.attributes = a.filter((kv) => kv.key !== 'aims.prediction.id'); return 'no prediction id'
    case 15: setKey('aims.prediction.id', str(pick(['has space', 'é-id', 'x'.repeat(129), 'tab\tid']))); return 'invalid prediction id'
    case 16: if (records.length > 1) { const other = records.find((r) => r !== target)!; setKey('aims.prediction.id', other.log.attributes.find((kv) => kv.key === 'aims.prediction.id')?.value) } return 'duplicate id'
    case 17: {
      // The same UUID in another case: two distinct ids that map to one key.
      if (records.length > 1) {
        const id = `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-8${g.hex(3)}-${g.hex(12)}`
        records[0]!.log.attributes[0] = { key: 'aims.prediction.id', value: str(id) }
        records[1]!.log.attributes[0] = { key: 'aims.prediction.id', value: str(id.toUpperCase()) }
      }
      return 'same UUID in two cases'
    }
    case 18: {
      // An outcome mixed in.
      const outcome: GenRecord = { log: { timeUnixNano: NOW_NS.toString(), eventName: 'aims.outcome', attributes: [{ key: 'aims.prediction.id', value: str(`p-${seed}-0`) }, { key: 'aims.model.id', value: str(shape.model) }, { key: 'aims.outcome.label', value: str('yes') }] } }
      resource.scopes[0]!.records.push(outcome)
      return 'outcome mixed in'
    }
    case 19: target.log.eventName = 'aims.outcome'; target.log.attributes = a.filter((kv) => kv.key !== 'event.name'); return 'prediction keys on an outcome'
    case 20: setKey('aims.outcome.value', dbl(2)); return 'outcome key on a prediction'
    case 21: resource.scopes[0]!.records.push(cleanRecord(g, seed, 60, { ...shape, model: shape.model === CREDIT ? OTHER : CREDIT, modelOnRecord: true, versionOnRecord: true })); return 'a second (known) model'
    case 22: setKey('aims.model.id', str(`cold-${seed}`)); return 'a second, unknown model'
    case 23: for (const r of request.resources) r.attributes = r.attributes.map((kv) => (kv.key === 'aims.model.id' ? { key: kv.key, value: int(5) } : kv)); return 'resource model id as int'
    case 24: setKey('aims.model.id', str(pick(['-bad', 'mödel', 'a b']))); return 'invalid model id on record'
    case 25: setKey('aims.model.version', str(pick(['1 0', 'ü', '+1']))); return 'invalid version'
    case 26: for (const r of request.resources) r.attributes = r.attributes.filter((kv) => kv.key !== 'aims.model.version'); dropKeys('aims.model.version'); return 'no version anywhere'
    case 27: setKey(pick(['deployment.environment.name', 'deployment.environment']), pick([int(3), str('prod uction'), str('é')])); return 'invalid environment on record'
    case 28: resource.attributes.push({ key: 'deployment.environment.name', value: pick([int(3), str('prod uction'), bool(true)]) }); return 'invalid environment on resource'
    case 29: {
      const names = chance(0.5) ? W_FEATURES.slice(0, 200) : W_FEATURES
      dropKeys('aims.feature.')
      target.log.attributes.push(...names.map((name) => feature(name, dbl(g.rand()))))
      return `${names.length} features`
    }
    case 30: {
      const names = chance(0.5) ? W_ATTRIBUTES.slice(0, 32) : W_ATTRIBUTES
      dropKeys('aims.attribute.')
      target.log.attributes.push(...names.map((name) => attribute(name, str('v'))))
      return `${names.length} attributes`
    }
    case 31: setKey(pick(['aims.feature.region', 'aims.feature.flag', 'aims.feature.income']), pick([int(1), bool(true), str('s')])); return 'a feature in a value kind it may have no column for'
    case 32: a.push(feature(`n${seed}`, dbl(1))); return 'a new feature column'
    case 33: a.push(attribute(`n${seed}`, str('v'))); return 'a new attribute column'
    case 34: a.push(feature(pick(['__proto__', 'z'.repeat(129), 'é', '1abc', 'a b']), dbl(1))); return 'invalid or own-property feature name'
    case 35: a.push(attribute(pick(['__proto__', 'z'.repeat(129), 'é']), str('v'))); return 'invalid or own-property attribute name'
    case 36: a.push({ key: pick(['constructor', '__proto__', 'toString', 'hasOwnProperty']), value: pick([str('x'), int(1), { arrayValue: { values: [] } }]) }); return 'foreign key named like an Object.prototype member'
    case 37: a.push({ key: 'http.route', value: str('/a' ) }, { key: 'http.route', value: str('/b') }); return 'repeated foreign key'
    case 38: delete target.log.timeUnixNano; delete target.log.observedTimeUnixNano; return 'no timestamp'
    case 39: target.log.timeUnixNano = pick(['18446744073709551615', '9223372036854775808', '946684799999000000', '1', (NOW_NS + 86_400_000_000_000n).toString()]); return 'timestamp out of range'
    case 40: target.log.timeUnixNano = pick(['946684800000000000', '946684799999500000']); delete target.log.observedTimeUnixNano; return 'timestamp at 2000-01-01'
    case 41: target.log.timeUnixNano = '0'; target.log.observedTimeUnixNano = (NOW_NS - 1_234_567n).toString(); return 'time 0, observed set'
    case 42: target.log.eventName = pick(['http.request', 'aims.Prediction', 'aims.prediction ']); return 'another event name'
    case 43: delete target.log.eventName; dropKeys('event.name'); target.log.attributes.push({ key: 'event.name', value: pick([str('aims.prediction'), int(1), str('x')]) }); return 'event.name attribute only (maybe wrong)'
    case 44: target.log.eventName = 'aims.prediction'; setKey('event.name', str('other')); return 'event name in both places'
    case 45: target.log.traceId = pick([Buffer.alloc(15, 1), Buffer.alloc(8, 1), Buffer.alloc(17, 1)]); return 'trace id of a wrong length'
    case 46: target.log.spanId = pick([Buffer.alloc(16, 2), Buffer.alloc(7, 2)]); return 'span id of a wrong length'
    case 47: target.log.traceId = Buffer.alloc(16); target.log.spanId = Buffer.alloc(16); return 'all-zero ids of wrong length'
    case 48: setKey('aims.latency_ms', pick([dbl(-1), dbl(86_400_001), int(-1), str('3')])); return 'invalid latency'
    case 49: setKey('aims.stream.items', pick([dbl(2.5), int(-1), int(1_000_000_001), dbl(1e300)])); return 'invalid stream items'
    case 50: setKey('aims.error.message', str('no type')); dropKeys('aims.error.type'); return 'error message without type'
    case 51: setKey('aims.error.type', str(pick(['e'.repeat(129), '']))); return 'invalid error type'
    case 52: setKey('aims.error.type', str('E')); setKey('aims.error.message', str('é'.repeat(1025))); return 'error message of 1025 characters'
    case 53: setKey('aims.output.score', pick([str('high'), bool(true)])); return 'score of another kind'
    case 54: setKey('aims.output.label', pick([{ bytesValue: Buffer.from([1]) }, { kvlistValue: { values: [] } }])); return 'label of another kind'
    case 55: target.extra = [0x7b, 0x08, 0x01, 0x7c]; return 'group field in a record'
    case 56: target.extra = [(15 << 3) | 0, 0x05, (40 << 3) | 2, 0x01, 0x41]; return 'unknown fields in a record'
    case 57: target.extra = [(12 << 3) | 0, 0x01]; return 'event_name with a varint wire type'
    case 58: target.extra = [(9 << 3) | 2, 0x00]; return 'trace id repeated (last empty)'
    case 59: target.extra = [(1 << 3) | 1, ...Buffer.alloc(8)]; return 'time repeated (last zero)'
    case 60: resource.resourceAfterScopes = true; return 'resource after its scopes'
    case 61: request.resources.push({ attributes: [{ key: 'service.name', value: str('svc2') }], scopes: [{ records: [cleanRecord(g, seed, 50, { ...shape, modelOnRecord: true, versionOnRecord: true })] }] }); return 'a resource without the model (its record has it)'
    case 62: a.reverse(); return 'attributes reversed'
    case 63: a.push({ key: 'aims.feature.age', value: { boolValue: true } }); return 'repeated known-feature key with another kind'
    case 64: a.unshift(...Array.from({ length: 260 }, (_, i) => ({ key: `x.pad.${i}`, value: str('p') }))); return 'keys past the cached positions (260 foreign keys first)'
    case 65: dropKeys('aims.feature.region'); target.extra = rawAttribute(Buffer.from('aims.feature.region'), [0x0a, 0x03, 0x61, 0xff, 0x62]); return 'invalid UTF-8 in a string value'
    case 66: target.extra = rawAttribute(Buffer.from([...Buffer.from('aims.feature.'), 0xff]), [0x21, ...Buffer.alloc(8)]); return 'invalid UTF-8 in a key'
    case 67: resource.attributes.push({ key: 'x.deep', value: nested(40) }); return 'resource value nested 40 levels'
    case 68: setKey('deployment.environment.name', str(pick(['e'.repeat(64), 'e'.repeat(65)]))); return 'environment of 64 or 65 characters'
    case 69: setKey('aims.model.version', str(pick(['v'.repeat(64), 'v'.repeat(65)]))); return 'version of 64 or 65 characters'
    case 70: target.extra = [0x00, 0x00]; return 'field number 0 in a record'
    case 71: dropKeys('aims.feature.flag'); target.extra = rawAttribute(Buffer.from('aims.feature.flag'), [0x10, 0x02]); return 'bool value 2'
    case 72: dropKeys('aims.feature.region'); target.extra = [0x32, 0x80 | 27, 0x00, ...field(1, Buffer.from('aims.feature.region')), 0x12, 0x04, 0x0a, 0x02, 0x6e, 0x6f]; return 'attribute with a non-minimal length varint'
    default: a.push({ key: 'aims.feature.region', value: str('n') }, { key: 'aims.feature.region', value: str('s') }); return 'repeated feature key (same kind)'
  }
}

/** A LogRecord attribute (field 6) written by hand: a KeyValue of these key bytes and AnyValue bytes. */
function rawAttribute(key: Buffer, anyValue: number[]): number[] {
  return [...field(6, Buffer.concat([field(1, key), field(2, Buffer.from(anyValue))]))]
}

function nested(depth: number): AnyValue {
  return depth === 0 ? str('leaf') : { arrayValue: { values: [nested(depth - 1)] } }
}

function mutateBody(body: Buffer, g: Gen): { body: Buffer; name: string } {
  switch (Math.floor(g.rand() * 4)) {
    case 0: return { body: body.subarray(0, Math.floor(g.rand() * body.length)), name: 'truncated' }
    case 1: {
      const copy = Buffer.from(body)
      const at = Math.floor(g.rand() * copy.length)
      copy[at] = copy[at]! ^ (1 << Math.floor(g.rand() * 8))
      return { body: copy, name: 'one bit flipped' }
    }
    case 2: return { body: Buffer.concat([body, Buffer.from(g.pick([[0x1a, 0x00], [0x0a], [0x0a, 0x02, 0x12, 0x00], [0x00, 0x00]]))]), name: 'bytes appended' }
    default: return { body: Buffer.concat([body, body]), name: 'body repeated (two resourceLogs)' }
  }
}

// ---- comparing and reading chunks ---------------------------------------------------------------------------
interface Cell { column: string; bytes: string; value: unknown }

/** Decodes a predictions chunk's RowBinary into cells in `columns` order (the raw bytes of each kept for comparing). */
function decodeRows(chunk: EncodedChunk): Cell[][] {
  const b = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength)
  let o = 0
  const rows: Cell[][] = []
  for (let r = 0; r < chunk.rows; r++) {
    const row: Cell[] = []
    for (const column of chunk.columns) {
      const start = o
      let value: unknown
      switch (column.encoding) {
        case 'uuid': {
          const hex = Buffer.concat([Buffer.from(b.subarray(o, o + 8)).reverse(), Buffer.from(b.subarray(o + 8, o + 16)).reverse()]).toString('hex')
          value = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
          o += 16
          break
        }
        case 'datetime64ms': value = Number(b.readBigInt64LE(o)); o += 8; break
        case 'float64': value = b.readDoubleLE(o); o += 8; break
        case 'string': {
          let length = 0
          let shift = 0
          let byte: number
          do {
            byte = b[o++]!
            length |= (byte & 0x7f) << shift
            shift += 7
          } while (byte & 0x80)
          value = b.toString('utf8', o, o + length)
          o += length
          break
        }
        default: throw new Error(`no decoder for column ${column.name} (${column.encoding})`)
      }
      if (o > b.length) throw new Error(`row ${r} runs past the chunk's end at column ${column.name}`)
      row.push({ column: column.name, bytes: b.toString('hex', start, o), value })
    }
    rows.push(row)
  }
  if (o !== b.length) throw new Error(`${b.length - o} bytes after the chunk's ${chunk.rows} rows`)
  return rows
}

/** Why the direct result is not the event paths' one, or undefined when it is exactly. */
function difference(direct: TranscodedRows, events: OtlpBatchResult): string | undefined {
  if (!events.ok) return `the event paths refused the request (${events.status} ${events.code}: ${events.message})`
  if (events.rejected.length > 0) return `the event paths rejected ${events.rejected.length} record(s): ${events.partialSuccessMessage}`
  if (events.outcomes !== 0 || events.predictions !== direct.records || events.total !== direct.records) return `records: direct ${direct.records}, events ${events.predictions} predictions + ${events.outcomes} outcomes of ${events.total}`
  if (events.chunks.length !== 1) return `the event paths wrote ${events.chunks.length} chunks`
  const [chunk] = events.chunks as [EncodedChunk]
  if (JSON.stringify(chunk.target) !== JSON.stringify(direct.chunk.target)) return `target: direct ${JSON.stringify(direct.chunk.target)}, events ${JSON.stringify(chunk.target)}`
  if (chunk.signature !== direct.chunk.signature) return 'signature differs'
  if (JSON.stringify(chunk.columns) !== JSON.stringify(direct.chunk.columns)) return 'columns differ'
  if (chunk.rows !== direct.chunk.rows) return `rows: direct ${direct.chunk.rows}, events ${chunk.rows}`
  if (Buffer.compare(Buffer.from(chunk.bytes), Buffer.from(direct.chunk.bytes)) === 0) return undefined
  // Name the first cell that differs.
  let directRows: Cell[][]
  try {
    directRows = decodeRows(direct.chunk)
  } catch (error) {
    return `the direct chunk does not decode: ${(error as Error).message}`
  }
  const eventRows = decodeRows(chunk)
  for (let r = 0; r < eventRows.length; r++) {
    for (let c = 0; c < eventRows[r]!.length; c++) {
      const d = directRows[r]![c]!
      const e = eventRows[r]![c]!
      if (d.bytes !== e.bytes) return `bytes differ at row ${r}, column ${e.column}: direct ${JSON.stringify(d.value)} (${d.bytes}), events ${JSON.stringify(e.value)} (${e.bytes})`
    }
  }
  return 'bytes differ (cells equal?)'
}

/** Runs one body both ways and keeps encoder A's columns in step with B's; a description of a mismatch, if any. */
function compare(body: Buffer, encoderA: BatchEncoder, encoderB: BatchEncoder, project = P): { direct: TranscodedRows | null; mismatch?: string } {
  const direct = transcodePredictionRows(body, project, encoderA, RECEIVED_MS)
  const events = processOtlpEvents(body, 'protobuf', project, encoderB, RECEIVED_MS)
  const mismatch = direct === null ? undefined : difference(direct, events)
  // A learns whatever columns the request brought to B: the encoders stay alike for the next request.
  if (!sameLayouts(encoderA, encoderB)) {
    processOtlpEvents(body, 'protobuf', project, encoderA, RECEIVED_MS)
    if (!sameLayouts(encoderA, encoderB)) throw new Error('the two encoders no longer have the same layouts')
  }
  return mismatch === undefined ? { direct } : { direct, mismatch }
}

function sameLayouts(a: BatchEncoder, b: BatchEncoder): boolean {
  return [P, P2].every((project) => [CREDIT, OTHER].every((model) => a.layoutOf(project, model)?.signature === b.layoutOf(project, model)?.signature))
}

function describeBody(body: Buffer): string {
  try {
    return JSON.stringify(otlpProtoTypes().exportLogsServiceRequest.toObject(otlpProtoTypes().exportLogsServiceRequest.decode(body), { longs: String, bytes: String })).slice(0, 1500)
  } catch {
    return `(not decodable) ${body.toString('hex').slice(0, 400)}`
  }
}

// ---- the tests ------------------------------------------------------------------------------------------------
describe('transcodePredictionRows against the event paths', () => {
  const encoderA = warmEncoder()
  const encoderB = warmEncoder()

  it('writes every clean SDK-shaped request (never hands it over), byte for byte as the event paths', () => {
    const mismatches: string[] = []
    let handedOver = 0
    for (let seed = 1; seed <= 300; seed++) {
      const body = encode(cleanRequest(seed).request)
      const { direct, mismatch } = compare(body, encoderA, encoderB, seed % 3 === 0 ? P2 : P)
      if (direct === null) {
        handedOver++
        if (handedOver <= 5) mismatches.push(`seed ${seed}: handed over a clean request: ${describeBody(body)}`)
      }
      if (mismatch !== undefined) mismatches.push(`seed ${seed}: ${mismatch}`)
    }
    expect(mismatches).toEqual([])
    expect(handedOver).toBe(0)
  })

  it('writes mutated requests exactly as the event paths, or hands them over', () => {
    const mismatches: string[] = []
    // Runs per mutation name that the transcoder took or handed over; `alone`: requests with that one mutation only.
    const taken = new Map<string, number>()
    const handed = new Map<string, number>()
    const takenAlone = new Map<string, number>()
    const handedAlone = new Map<string, number>()
    const count = (map: Map<string, number>, name: string) => map.set(name, (map.get(name) ?? 0) + 1)
    for (let seed = 1; seed <= 1600; seed++) {
      const { g, shape, request, records } = cleanRequest(seed)
      const names: string[] = []
      const mutations = seed % 2 === 0 ? 1 : seed % 4 === 1 ? 2 : 3
      for (let m = 0; m < mutations; m++) names.push(mutate(Math.floor(g.rand() * MUTATIONS), seed, g, shape, request, records))
      let body = encode(request)
      if (seed % 9 === 0) {
        const raw = mutateBody(body, g)
        body = raw.body
        names.push(raw.name)
      }
      const { direct, mismatch } = compare(body, encoderA, encoderB, seed % 3 === 0 ? P2 : P)
      for (const name of names) count(direct === null ? handed : taken, name)
      if (names.length === 1) count(direct === null ? handedAlone : takenAlone, names[0]!)
      if (mismatch !== undefined && mismatches.length < 10) mismatches.push(`seed ${seed} [${names.join('; ')}]: ${mismatch}\n  request: ${describeBody(body)}`)
    }
    expect(mismatches).toEqual([])
    // Both outcomes occur: mutations the transcoder writes (benign ones, valid boundaries) and ones it hands over.
    const takenRuns = [...taken.values()].reduce((s, n) => s + n, 0)
    const handedRuns = [...handed.values()].reduce((s, n) => s + n, 0)
    expect(takenRuns).toBeGreaterThan(100)
    expect(handedRuns).toBeGreaterThan(800)
    // Mutations that make a request invalid, or that need another path, are never written directly
    // (counted on requests with that mutation alone: a later one may undo an earlier one).
    for (const name of ['invalid UTF-8 in a key', 'resource value nested 40 levels', 'bool value 2', 'repeated feature key (same kind)', 'repeated feature key with two value kinds', 'unknown aims.* key', 'outcome mixed in', 'a second (known) model', 'a second, unknown model', 'a new feature column', 'a new attribute column', 'no prediction id', 'NaN or Infinity double', 'string of 257 characters', '201 features', '33 attributes', 'error message of 1025 characters', 'group field in a record']) {
      expect(takenAlone.get(name) ?? 0, name).toBe(0)
      expect(handedAlone.get(name) ?? 0, name).toBeGreaterThan(0)
    }
    // Valid boundaries are written directly.
    for (const name of ['200 features', '32 attributes', 'timestamp at 2000-01-01', 'time 0, observed set', 'attributes reversed', 'unknown fields in a record', 'keys past the cached positions (260 foreign keys first)', 'invalid UTF-8 in a string value', 'environment of 64 or 65 characters', 'version of 64 or 65 characters', 'attribute with a non-minimal length varint']) {
      expect(taken.get(name) ?? 0, name).toBeGreaterThan(0)
    }
  })

  it('keeps both encoders on the same layouts (the comparison is between equals)', () => {
    expect(sameLayouts(encoderA, encoderB)).toBe(true)
    expect(encoderA.layoutOf(P, CREDIT)?.signature).not.toBe(encoderA.layoutOf(P2, CREDIT)?.signature)
  })

  it('writes a request whose rows outgrow the writer\'s first MiB', () => {
    const g = generator(77)
    const shape: Shape = { model: CREDIT, version: '1', modelOnRecord: false, versionOnRecord: false, env: 'resource', envValue: 'staging', eventNameField: true }
    const records = Array.from({ length: 600 }, (_, n) => {
      const record = cleanRecord(g, 77, n, shape)
      record.log.attributes = record.log.attributes.filter((kv) => !kv.key.startsWith('aims.feature.region') && !kv.key.startsWith('aims.feature.ville'))
      record.log.attributes.push(feature('region', str('é'.repeat(256))), feature('ville', str('x'.repeat(250) + n)))
      return record
    })
    const body = encode({ resources: [{ attributes: [{ key: 'aims.model.id', value: str(CREDIT) }, { key: 'aims.model.version', value: str('1') }], scopes: [{ records }] }] })
    const { direct, mismatch } = compare(body, encoderA, encoderB)
    expect(mismatch).toBeUndefined()
    expect(direct).not.toBeNull()
    expect(direct!.chunk.bytes.length).toBeGreaterThan(1024 * 1024)
  })

  it('notices a one-byte difference and names its cell (the comparison is not vacuous)', () => {
    const body = encode(cleanRequest(3).request)
    const direct = transcodePredictionRows(body, P, encoderA, RECEIVED_MS)
    expect(direct).not.toBeNull()
    const events = processOtlpEvents(body, 'protobuf', P, encoderB, RECEIVED_MS)
    expect(difference(direct!, events)).toBeUndefined()
    const bytes = Buffer.from(direct!.chunk.bytes)
    bytes[16] = bytes[16]! ^ 1 // the first row's ts
    expect(difference({ ...direct!, chunk: { ...direct!.chunk, bytes } }, events)).toMatch(/^bytes differ at row 0, column ts: /)
  })

  it('hands over bodies that are not requests it can write; takes 10,000 records, not 10,001 nor a repeated id', () => {
    for (const body of [Buffer.alloc(0), Buffer.from('not protobuf'), Buffer.from([0x0a, 0x10, 0x12]), Buffer.from([0x0f])]) expect(transcodePredictionRows(body, P, encoderA, RECEIVED_MS)).toBeNull()
    // 10,000 records, the most a request may hold: ids of one length that differ in their last
    // digits (neighbours in the transcoder's table of ids), and canonical UUIDs.
    const id = (n: number) => (n % 2 ? `id-${String(n).padStart(6, '0')}` : `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`)
    const records: GenRecord[] = Array.from({ length: 10_001 }, (_, n) => ({ log: { timeUnixNano: NOW_NS.toString(), eventName: 'aims.prediction', attributes: [{ key: 'aims.prediction.id', value: str(id(n)) }, { key: 'aims.output.score', value: dbl(n / 10_001) }] } }))
    const request = (list: GenRecord[]) => encode({ resources: [{ attributes: [{ key: 'aims.model.id', value: str(CREDIT) }, { key: 'aims.model.version', value: str('1') }], scopes: [{ records: list }] }] })
    const most = compare(request(records.slice(0, 10_000)), encoderA, encoderB)
    expect(most.mismatch).toBeUndefined()
    expect(most.direct?.records).toBe(10_000)
    // One more is a 400 on the event paths.
    const tooMany = request(records)
    expect(transcodePredictionRows(tooMany, P, encoderA, RECEIVED_MS)).toBeNull()
    expect(processOtlpEvents(tooMany, 'protobuf', P, encoderB, RECEIVED_MS)).toMatchObject({ ok: false, code: 'too_many_records' })
    // The last id repeating one seen 5,000 records earlier: rejected there, handed over here.
    const repeated = request([...records.slice(0, 9_999), { log: { ...records[4_999]!.log } }])
    expect(transcodePredictionRows(repeated, P, encoderA, RECEIVED_MS)).toBeNull()
    expect(processOtlpEvents(repeated, 'protobuf', P, encoderB, RECEIVED_MS)).toMatchObject({ ok: true, predictions: 9_999, rejected: [{ reason: 'duplicate_in_batch' }] })
  })
})

describe('transcodePredictionRows on what real exporters send', () => {
  let receiver: Server
  let url: string
  const bodies: Buffer[] = []
  const contextManager = new AsyncLocalStorageContextManager()

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        bodies.push(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body)
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
    context.setGlobalContextManager(contextManager.enable())
  })
  afterAll(async () => {
    context.disable()
    receiver.closeAllConnections()
    await new Promise<void>((resolve) => receiver.close(() => resolve()))
  })

  /** Warms two fresh encoders with the body through the event paths, then runs it both ways; the direct rows by column name. */
  function sameBothWays(body: Buffer, records: number): Record<string, unknown>[] {
    const a = new BatchEncoder(MAX_COLUMNS)
    const b = new BatchEncoder(MAX_COLUMNS)
    // The model's first request: no layout yet, so the transcoder hands it over.
    expect(transcodePredictionRows(body, P, a, RECEIVED_MS)).toBeNull()
    for (const encoder of [a, b]) expect(processOtlpEvents(body, 'protobuf', P, encoder, RECEIVED_MS)).toMatchObject({ ok: true, rejected: [] })
    const direct = transcodePredictionRows(body, P, a, RECEIVED_MS)
    expect(direct, describeBody(body)).not.toBeNull()
    expect(direct!.records).toBe(records)
    const events = processOtlpEvents(body, 'protobuf', P, b, RECEIVED_MS)
    expect(difference(direct!, events)).toBeUndefined()
    expect(Buffer.from(direct!.chunk.bytes)).toEqual(Buffer.from((events as { chunks: EncodedChunk[] }).chunks[0]!.bytes))
    return decodeRows(direct!.chunk).map((row) => Object.fromEntries(row.map((cell) => [cell.column, cell.value])))
  }

  for (const exporter of ['direct', 'official'] as const) {
    it(`takes the AIMS SDK's requests (exporter '${exporter}'), byte for byte as the event paths`, async () => {
      bodies.length = 0
      const monitor = createMonitor({ endpoint: url, apiKey: 'test', model: { id: 'credit-risk', version: '1.0.0' }, environment: 'staging', exporter, exportIntervalMs: 60_000, maxBatchSize: 500, flushOnExit: false })
      const score = monitor.wrap((x: { age: number; city: string; member: boolean }) => {
        if (x.age === 13) throw new TypeError('age 13 is not scored')
        return x.age / 100
      }, {
        features: (x) => ({ age: x.age, city: x.city, member: x.member, ratio: x.age / 7 }),
        attributes: (x) => ({ segment: x.age > 40 ? 'senior' : 'junior', tier: x.age % 3 }),
        output: (s) => ({ score: s, label: s > 0.5 ? 'approve' : 'deny' }),
      })
      const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED }
      context.with(trace.setSpanContext(ROOT_CONTEXT, span), () => {
        for (let i = 0; i < 120; i++) {
          try {
            score({ age: 10 + i, city: ['Zürich', 'Genève', 'Oslo'][i % 3]!, member: i % 2 === 0 })
          } catch (error) {
            if (!(error instanceof TypeError)) throw error
          }
        }
      })
      for (let i = 0; i < 30; i++) {
        monitor.logPrediction({ id: i % 2 ? `ORDER-${i}` : `0000000${i % 10}-AAAA-4BBB-8CCC-${String(i).padStart(12, '0')}`, features: { age: i, city: 'Oslo', member: true, ratio: 0.5 }, attributes: { segment: 'manual', tier: 1 }, output: { label: i % 2 === 0, score: 1 }, latencyMs: i })
      }
      await monitor.flush()
      await monitor.shutdown()
      expect(bodies.length).toBeGreaterThan(0)
      const all = Buffer.concat(bodies) // requests concatenate into one: their resourceLogs in turn
      const rows = sameBothWays(all, 150)
      // What the SDK sent is in the rows: the span's ids, the failed call, the environment, a caller's upper-case UUID.
      expect(rows.filter((r) => r.trace_id === '4bf92f3577b34da6a3ce929d0e0e4736' && r.span_id === '00f067aa0ba902b7')).toHaveLength(120)
      expect(rows.filter((r) => r.status === 'error').map((r) => r.error_type)).toEqual(['TypeError'])
      expect(new Set(rows.map((r) => r.environment))).toEqual(new Set(['staging']))
      expect(rows.some((r) => r.id === '00000000-aaaa-4bbb-8ccc-000000000000')).toBe(true)
      expect(new Set(rows.map((r) => r['f:city:str']))).toEqual(new Set(['Zürich', 'Genève', 'Oslo']))
      for (const body of bodies) {
        const a = warmEncoderWith(all)
        const b = warmEncoderWith(all)
        const direct = transcodePredictionRows(body, P, a, RECEIVED_MS)
        expect(direct).not.toBeNull()
        expect(difference(direct!, processOtlpEvents(body, 'protobuf', P, b, RECEIVED_MS))).toBeUndefined()
      }
    })
  }

  it('takes what the official OpenTelemetry serializer writes for records following the conventions', async () => {
    const memory = new InMemoryLogRecordExporter()
    const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'credit-api', 'aims.model.id': 'credit', 'aims.model.version': '2.3.1', 'deployment.environment.name': 'production' }), processors: [new SimpleLogRecordProcessor({ exporter: memory })] })
    const logger = provider.getLogger('aims')
    const spanContext = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED })
    for (let i = 0; i < 40; i++) {
      logger.emit({
        eventName: 'aims.prediction',
        context: spanContext,
        attributes: {
          'aims.prediction.id': i % 3 === 0 ? `order-${i}` : `3f2504e0-4f89-41d3-9a0c-0305e82c${String(i).padStart(4, '0')}`,
          'aims.feature.age': 30 + i,
          'aims.feature.income': 5123.5 + i,
          'aims.feature.region': i % 2 ? 'north' : 'Zürich',
          'aims.feature.member': i % 2 === 0,
          'aims.attribute.gender': i % 2 ? 'f' : 'm',
          'aims.output.label': i % 4 ? 'approve' : 'deny',
          'aims.output.score': i / 40,
          'aims.latency_ms': 3.2,
          ...(i % 10 === 0 ? { 'aims.error.type': 'TimeoutError', 'aims.error.message': 'took too long' } : {}),
          ...(i % 7 === 0 ? { 'aims.stream.items': 12 } : {}),
          'code.function': 'score',
        },
      })
    }
    await provider.forceFlush()
    const body = Buffer.from(ProtobufLogsSerializer.serializeRequest(memory.getFinishedLogRecords())!)
    await provider.shutdown()
    const rows = sameBothWays(body, 40)
    expect(rows.filter((r) => r.stream_items === 12)).toHaveLength(6)
    expect(rows.filter((r) => r.status === 'error')).toHaveLength(4)
  })
})

function warmEncoderWith(body: Buffer): BatchEncoder {
  const encoder = new BatchEncoder(MAX_COLUMNS)
  const result = processOtlpEvents(body, 'protobuf', P, encoder, RECEIVED_MS)
  if (!result.ok || result.rejected.length > 0) throw new Error('the warm-up body was not all accepted')
  return encoder
}

describe('processOtlpBatch takes the direct path once the layout is known', () => {
  const request = (n: number, features: Kv[]) =>
    encode({ resources: [{ attributes: [{ key: 'aims.model.id', value: str('fresh-model') }, { key: 'aims.model.version', value: str('3') }], scopes: [{ records: Array.from({ length: 3 }, (_, i) => ({ log: { timeUnixNano: NOW_NS.toString(), eventName: 'aims.prediction', attributes: [{ key: 'aims.prediction.id', value: str(`r${n}-${i}`) }, ...features, { key: 'aims.output.score', value: dbl(0.25) }] } })) }] }] })

  it('first request another path, then direct; a new column takes the events path, the next request is direct again', () => {
    const encoder = new BatchEncoder(MAX_COLUMNS)
    const reference = new BatchEncoder(MAX_COLUMNS)
    const base = [feature('age', int(4)), feature('city', str('Oslo'))]
    const withNew = [...base, feature('added', bool(true))]
    const steps: [Buffer, string][] = [
      [request(1, base), 'fast'],
      [request(2, base), 'direct'],
      [request(3, withNew), 'fast'],
      [request(4, withNew), 'direct'],
      [request(5, base), 'direct'], // an absent feature is a missing value: still direct
    ]
    for (const [body, path] of steps) {
      const result = processOtlpBatch(body, 'protobuf', P, encoder, RECEIVED_MS)
      const events = processOtlpEvents(body, 'protobuf', P, reference, RECEIVED_MS)
      expect(result).toMatchObject({ ok: true, path, predictions: 3, outcomes: 0, rejected: [], total: 3 })
      if (!result.ok || !events.ok) throw new Error('not ok')
      expect(result.chunks).toHaveLength(1)
      expect(Buffer.from(result.chunks[0]!.bytes)).toEqual(Buffer.from(events.chunks[0]!.bytes))
      expect(result.chunks[0]!.signature).toBe(events.chunks[0]!.signature)
    }
    // JSON never takes the direct path.
    expect(processOtlpBatch(Buffer.from('{"resourceLogs":[]}'), 'json', P, encoder, RECEIVED_MS)).toMatchObject({ ok: true, path: 'general' })
  })
})

describe('rows read back from a direct chunk', () => {
  it('holds the values of the request, in the order of its columns', () => {
    const encoder = warmEncoder()
    const known = '3F2504E0-4F89-41D3-9A0C-0305E82C3301'
    const traceId = Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex')
    const spanId = Buffer.from('00f067aa0ba902b7', 'hex')
    const timeMs = Math.floor((NOW_MS - 3_600_000) / 1000) * 1000 + 123
    const timeNs = BigInt(timeMs) * 1_000_000n + 600_000n // …123.6 ms: rounds up
    const body = encode({
      resources: [{
        attributes: [{ key: 'aims.model.id', value: str(CREDIT) }, { key: 'aims.model.version', value: str('2.0') }],
        scopes: [{
          records: [
            { log: { timeUnixNano: timeNs.toString(), eventName: 'aims.prediction', traceId, spanId, attributes: [{ key: 'aims.prediction.id', value: str(known) }, feature('age', int(42)), feature('region', str('Zürich')), feature('flag', bool(true)), attribute('tier', dbl(0.5)), { key: 'aims.output.label', value: int(1) }] } },
            { log: { observedTimeUnixNano: timeNs.toString(), attributes: [{ key: 'event.name', value: str('aims.prediction') }, { key: 'aims.prediction.id', value: str('order-17') }, { key: 'deployment.environment.name', value: str('staging') }, { key: 'aims.output.score', value: dbl(0.75) }, { key: 'aims.error.type', value: str('Ärger') }] } },
          ],
        }],
      }],
    })
    const direct = transcodePredictionRows(body, P, encoder, RECEIVED_MS)
    expect(direct).not.toBeNull()
    expect(direct!.records).toBe(2)
    expect(direct!.chunk.target).toEqual({ kind: 'predictions', project: P, modelId: CREDIT })
    const rows = decodeRows(direct!.chunk).map((row) => Object.fromEntries(row.map((cell) => [cell.column, cell.value])))
    expect(rows[0]).toMatchObject({
      id: known.toLowerCase(), ts: timeMs + 1, received: RECEIVED_MS, model_version: '2.0', environment: 'production', status: 'ok', error_type: '',
      output_label: '1', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7',
      'f:age:num': 42, 'f:region:str': 'Zürich', 'f:flag:bool': 1, 'a:tier': '0.5', 'f:ville:str': '', 'a:sex': '',
    })
    for (const column of ['output_score', 'output_value', 'latency_ms', 'stream_items', 'f:income:num', 'f:mixed:num']) expect(rows[0]![column], column).toBeNaN()
    expect(rows[1]).toMatchObject({ id: toEventUuid('order-17'), ts: timeMs + 1, environment: 'staging', status: 'error', error_type: 'Ärger', output_label: '', output_score: 0.75, trace_id: '', span_id: '', 'f:region:str': '' })
    expect(rows[1]!['f:age:num']).toBeNaN()
    // And the same bytes as the event paths write.
    const events = processOtlpEvents(body, 'protobuf', P, warmEncoder(), RECEIVED_MS)
    expect(difference(direct!, events)).toBeUndefined()
  })
})

describe('the key caches across a restart of the key-role table', () => {
  // attribute-key-roles.ts starts its role table over past 4,096 keys; each reader keeps its own
  // cache of roles by position, emptied when it next misses. A key read from a stale cache entry
  // and again (a repeat) at a position that misses gets two role objects, so the repeat is unseen.
  it('never writes a row from a record that repeats a feature key with two value kinds', () => {
    const encoderA = warmEncoder()
    const encoderB = warmEncoder()
    const record = (id: string, attributes: Kv[]): GenRecord => ({ log: { timeUnixNano: NOW_NS.toString(), eventName: 'aims.prediction', attributes: [{ key: 'aims.prediction.id', value: str(id) }, ...attributes] } })
    const resource: Kv[] = [{ key: 'aims.model.id', value: str(CREDIT) }, { key: 'aims.model.version', value: str('1') }]
    // 1. The transcoder caches aims.feature.mixed at position 1.
    const first = encode({ resources: [{ attributes: resource, scopes: [{ records: [record('a-1', [feature('mixed', str('a'))])] }] }] })
    expect(compare(first, encoderA, encoderB).direct).not.toBeNull()
    // 2. A sender of thousands of distinct keys: the role table starts over.
    for (let r = 0; r < 5; r++) {
      const keys = Array.from({ length: 1000 }, (_, i) => feature(`k${r}_${i}`, dbl(i)))
      expect(fastProtobufEvents(encode({ resources: [{ attributes: resource, scopes: [{ records: [record(`k-${r}`, keys)] }] }] }))).not.toBeNull()
    }
    // 3. mixed (a string) at position 1, a stale hit; mixed again (a number) past the cached
    //    positions (256), where its role is looked up anew: a new role object.
    const padding = Array.from({ length: 258 }, (_, i) => ({ key: `x.pad.${i}`, value: str('p') }))
    const body = encode({ resources: [{ attributes: resource, scopes: [{ records: [record('a-2', [feature('mixed', str('a')), ...padding, feature('mixed', int(5))])] }] }] })
    const { direct, mismatch } = compare(body, encoderA, encoderB)
    // Handing over is right (the event paths take the last value: mixed = 5); writing 'a' in f:mixed:str as well is not.
    expect(mismatch).toBeUndefined()
    expect(direct).toBeNull()
  })

  it('still writes clean requests exactly after the restart', () => {
    const encoderA = warmEncoder()
    const encoderB = warmEncoder()
    for (let seed = 5001; seed <= 5040; seed++) {
      const { direct, mismatch } = compare(encode(cleanRequest(seed).request), encoderA, encoderB)
      expect(mismatch, `seed ${seed}`).toBeUndefined()
      expect(direct, `seed ${seed}`).not.toBeNull()
    }
  })
})
