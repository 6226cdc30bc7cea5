import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIMITS } from '@aims-monitor/schema'
import { predictionsTableName } from '@aims-monitor/store'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'

/**
 * Hostile bodies on POST /v1/events and POST /v1/logs, against one real collector (embedded chDB,
 * ingest worker threads, default 10 MiB body limit). The rule: a 4xx JSON (or google.rpc.Status)
 * error that says what and where, nothing accepted is lost, no input hangs or crashes the collector.
 * What events-api / otlp-logs / ingest-workers tests already cover (1e999, long names, 201 features,
 * small gzip bombs, non-gzip bodies, top-level truncated protobuf) is not repeated here.
 * The bugs these tests found are fixed; each such test says what it was.
 */

let c: CollectorFixture
/** Accepted predictions per model: every test ends by checking these are all still counted. */
const expected = new Map<string, number>()

beforeAll(async () => {
  c = await startCollectorFixture()
  await accept([pred('adv-seed', 'seed-1'), pred('adv-seed', 'seed-2'), pred('adv-seed', 'seed-3')])
})
afterAll(async () => {
  await c?.close()
})

type Json = Record<string, unknown>
const pred = (model: string, id: string, patch: Json = {}): Json => ({
  type: 'prediction', id, timestamp: Date.now() - 60_000, model: { id: model, version: '1' }, features: { age: 30 }, output: { score: 0.5 }, ...patch,
})

async function accept(events: Json[]): Promise<void> {
  const res = await c.post('/v1/events', { events })
  expect(res.status, res.text).toBe(200)
  for (const e of events) countAccepted((e.model as { id: string }).id, 1)
}
function countAccepted(model: string, n: number): void {
  expected.set(model, (expected.get(model) ?? 0) + n)
}

/** The collector still answers, and every event accepted so far is counted exactly. */
async function expectIntact(): Promise<void> {
  expect((await c.get('/healthz')).status).toBe(200)
  const models = await c.getModels()
  expect(models.pendingEvents).toBe(0)
  const counts = Object.fromEntries(models.models.map((m) => [m.id, m.predictionCount]))
  for (const [id, n] of expected) expect(counts[id], `predictions of ${id}`).toBe(n)
}

async function storedRows(model: string): Promise<Json[]> {
  const result = await c.collector.store.client.query({ query: `SELECT * FROM ${c.collector.store.table(predictionsTableName('default', model))} FINAL`, format: 'JSONEachRow' })
  return result.json<Json>()
}

// A minimal protobuf writer, independent of the collector's decoder.
const varint = (n: number | bigint): Buffer => {
  let v = BigInt(n)
  const out: number[] = []
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return Buffer.from(out)
}
const ld = (no: number, payload: Buffer): Buffer => Buffer.concat([varint((no << 3) | 2), varint(payload.length), payload])
const pbStr = (no: number, s: string) => ld(no, Buffer.from(s))
const anyStr = (s: string) => pbStr(1, s)
const anyInt = (n: number) => Buffer.concat([varint(3 << 3), varint(n)])
/** KeyValue { key = 1; value = 2 } */
const pbKv = (key: string, value: Buffer) => Buffer.concat([pbStr(1, key), ld(2, value)])
/** LogRecord: time_unix_nano (1, fixed64), attributes (6), event_name (12). */
function pbRecord(attrs: Buffer[]): Buffer {
  const time = Buffer.alloc(8)
  time.writeBigUInt64LE(BigInt(Date.now()) * 1_000_000n)
  return Buffer.concat([varint((1 << 3) | 1), time, ...attrs, pbStr(12, 'aims.prediction')])
}
/** ExportLogsServiceRequest { ResourceLogs (1) { Resource (1) { attributes (1) }, ScopeLogs (2) { log_records (2) } } } */
function pbRequest(model: string, records: Buffer[][]): Buffer {
  const resource = ld(1, Buffer.concat([ld(1, pbKv('aims.model.id', anyStr(model))), ld(1, pbKv('aims.model.version', anyStr('1')))]))
  return ld(1, Buffer.concat([resource, ld(2, Buffer.concat(records.map((attrs) => ld(2, pbRecord(attrs)))))]))
}
/** KeyValue as a LogRecord attribute (field 6). */
const pbAttr = (key: string, value: Buffer) => ld(6, pbKv(key, value))

const jsonRecord = (attrs: Record<string, unknown>) => ({
  timeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`, eventName: 'aims.prediction', attributes: Object.entries(attrs).map(([key, value]) => ({ key, value })),
})
const jsonRequest = (model: string, records: unknown[]) => ({
  resourceLogs: [{ resource: { attributes: [{ key: 'aims.model.id', value: { stringValue: model } }, { key: 'aims.model.version', value: { stringValue: '1' } }] }, scopeLogs: [{ logRecords: records }] }],
})
const PB = { 'content-type': 'application/x-protobuf' }

describe('POST /v1/events: hostile JSON', () => {
  it('nesting 100,000 levels deep (as an event, a feature value, an extra field): 4xx naming the event and field', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    const asEvent = await c.post('/v1/events', `{"events":[${deep}]}`)
    expect(asEvent.status, asEvent.text.slice(0, 300)).toBe(400)
    expect(asEvent.json.rejected).toEqual([{ index: 0, reason: 'invalid', errors: [expect.objectContaining({ path: '' })] }])
    const good = pred('adv-deep', 'deep-ok')
    const asFeature = await c.post('/v1/events', `{"events":[${JSON.stringify(good)},${JSON.stringify(pred('adv-deep', 'deep-bad')).replace('"age":30', `"age":${deep}`)}]}`)
    expect(asFeature.status, asFeature.text.slice(0, 300)).toBe(207)
    expect(asFeature.json.rejected).toEqual([{ index: 1, reason: 'invalid', errors: [{ path: 'features.age', message: expect.stringMatching(/array/) }] }])
    countAccepted('adv-deep', 1)
    const asExtra = await c.post('/v1/events', `{"events":[${JSON.stringify(pred('adv-deep', 'deep-x')).replace(/}$/, `,"extra":${deep}}`)}]}`)
    expect(asExtra.status).toBe(400)
    expect(asExtra.json.rejected[0]).toMatchObject({ index: 0, errors: [{ path: '', message: expect.stringMatching(/unknown field "extra"/) }] })
    await expectIntact()
  })

  it('one million tiny events (and maxEventsPerBatch + 1): 400 invalid_batch with the limit', async () => {
    for (const n of [LIMITS.maxEventsPerBatch + 1, 1_000_000]) {
      const res = await c.post('/v1/events', `{"events":[${Array.from({ length: n }, () => '{}').join(',')}]}`)
      expect(res.status, `${n} events`).toBe(400)
      expect(res.json.error).toEqual({ code: 'invalid_batch', message: expect.stringContaining(`at most ${LIMITS.maxEventsPerBatch} events`) })
    }
    await expectIntact()
  })

  it('a 10 MB string feature: rejected at its index and path, without echoing it; the valid event is kept', async () => {
    const huge = 'x'.repeat(10_000_000)
    const res = await c.post('/v1/events', { events: [pred('adv-10mb', 'ok-1'), pred('adv-10mb', 'big', { features: { region: huge } })] })
    expect(res.status, res.text.slice(0, 300)).toBe(207)
    expect(res.json).toEqual({ accepted: 1, rejected: [{ index: 1, reason: 'invalid', errors: [{ path: 'features.region', message: expect.stringMatching(/at most 256/) }] }] })
    expect(res.text.length).toBeLessThan(2_000)
    countAccepted('adv-10mb', 1)
    await expectIntact()
  })

  it('1e400, -0, "NaN", 2^64: finite numbers stored exactly, the rest rejected by field', async () => {
    const p = (id: string, patch: Json) => JSON.stringify(pred('adv-num', id, patch))
    const events = [
      p('neg-zero', { features: { age: 1.5 } }).replace('1.5', '-0'),
      p('big-feature', { features: { age: 1.5 } }).replace('1.5', '18446744073709551616'),
      p('nan-score', { output: { score: 'NaN' } }),
      p('big-latency', { latencyMs: 1.5 }).replace('1.5', '18446744073709551616'),
      p('inf-stream', { streamItems: 1.5 }).replace('1.5', '1e400'),
      p('nan-ts', { timestamp: 'NaN' }),
    ]
    const res = await c.post('/v1/events', `{"events":[${events.join(',')}]}`)
    expect(res.status, res.text).toBe(207)
    expect(res.json.accepted).toBe(2)
    const at = (r: { index: number; errors: { path: string }[] }) => [r.index, r.errors.map((e) => e.path)]
    expect(res.json.rejected.map(at)).toEqual([[2, ['output.score']], [3, ['latencyMs']], [4, ['streamItems']], [5, ['timestamp']]])
    expect(res.json.rejected[0].errors[0].message).toMatch(/expected a number, received the string "NaN"/)
    countAccepted('adv-num', 2)
    await expectIntact()
    const ages = (await storedRows('adv-num')).map((r) => Number(r['f:age:num'])).sort((a, b) => a - b)
    expect(ages).toEqual([-0, 2 ** 64]) // -0 kept as -0 (Float64), 2^64 as the nearest double
  })

  // Was a bug (500, batch lost): a numeric timestamp past ±8.64e15 ms passed the finite check, then
  // the "in the future" message called new Date(ms).toISOString(), which throws RangeError.
  it('timestamp 2^64 (epoch ms) is rejected by index and field; the valid event of the batch is kept', async () => {
    const bad = JSON.stringify(pred('adv-ts', 'big-ts', { timestamp: 1.5 })).replace('1.5', '18446744073709551616')
    const res = await c.post('/v1/events', `{"events":[${JSON.stringify(pred('adv-ts', 'ts-ok'))},${bad}]}`)
    if (res.status === 207 || res.status === 200) countAccepted('adv-ts', res.json.accepted)
    expect(res.status, res.text).toBe(207)
    expect(res.json.rejected).toEqual([{ index: 1, reason: 'invalid', errors: [{ path: 'timestamp', message: expect.stringMatching(/future/) }] }])
  })

  it('hostile feature names (NUL, 10,000 chars, backtick, quote, newline, SQL): each refused at its path, no column made', async () => {
    const names = ['a\u0000b', 'n'.repeat(10_000), 'a`b', 'a"b', "a'b", 'a\nb', 'x`:num` Float64, `y', "a'); DROP TABLE aims.outcomes; --"]
    const events = [pred('adv-names', 'names-ok'), ...names.map((name, i) => pred('adv-names', `names-${i}`, { features: { [name]: 1 } }))]
    const res = await c.post('/v1/events', { events })
    expect(res.status, res.text.slice(0, 500)).toBe(207)
    expect(res.json.accepted).toBe(1)
    expect(res.json.rejected.map((r: { index: number; errors: { path: string; message: string }[] }) => [r.index, r.errors[0]!.path.slice(0, 40)])).toEqual(names.map((n, i) => [i + 1, `features.${n}`.slice(0, 40)]))
    expect(res.text.length).toBeLessThan(20_000) // the 10,000-character name is echoed at most once
    countAccepted('adv-names', 1)
    await expectIntact()
    expect(Object.keys((await storedRows('adv-names'))[0]!).filter((k) => k.startsWith('f:')).sort()).toEqual(['f:age:num'])
  })

  it('legal but awkward names (__proto__, constructor, a-b/c.d:e) are stored under exactly their column', async () => {
    const body = `{"events":[${JSON.stringify(pred('adv-proto', 'proto-1', { features: { constructor: 2, 'a-b/c.d:e': 'v' } })).replace('"features":{', '"features":{"__proto__":7,')}]}`
    const res = await c.post('/v1/events', body)
    expect(res.status, res.text).toBe(200)
    countAccepted('adv-proto', 1)
    await expectIntact()
    const [row] = await storedRows('adv-proto')
    expect(row).toMatchObject({ 'f:__proto__:num': 7, 'f:constructor:num': 2, 'f:a-b/c.d:e:str': 'v' })
  })

  it('column explosion: 10,000 names in one event is refused by index; 12,000 across a request refuses only the events past the column limit', async () => {
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, i]))
    const one = await c.post('/v1/events', { events: [pred('adv-wide', 'wide-ok'), pred('adv-wide', 'wide-1', { features: wide })] })
    expect(one.status).toBe(207)
    expect(one.json.rejected).toEqual([{ index: 1, reason: 'invalid', errors: [{ path: 'features', message: expect.stringMatching(/at most 200 features per event, received 10000/) }] }])
    countAccepted('adv-wide', 1)
    const spread = Array.from({ length: 60 }, (_, e) => pred('adv-spread', `s-${e}`, { features: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`g${e}_${i}`, i])) }))
    const many = await c.post('/v1/events', { events: spread })
    // Was a 422 for the whole request. 14 fixed + 4 × 200 columns fit in 1,000; each later event would pass the limit.
    expect(many.status, many.text.slice(0, 300)).toBe(207)
    expect(many.json.accepted).toBe(4)
    expect(many.json.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason])).toEqual(Array.from({ length: 56 }, (_, i) => [i + 4, 'too_many_columns']))
    expect(many.json.rejected[0].errors).toEqual([{ path: 'features.g4_186', message: expect.stringMatching(/adv-spread past its limit of 1000/) }])
    countAccepted('adv-spread', 4)
    await expectIntact()
  })

  // Was a bug (silent loss): JSON.parse keeps the last of duplicate keys, so the first "events" array
  // of the body was dropped without a word while the client was told "accepted".
  it('duplicate "events" keys: refused with 400 rather than silently dropping the first batch', async () => {
    const res = await c.post('/v1/events', `{"events":[${JSON.stringify(pred('adv-dup', 'dup-a'))}],"events":[${JSON.stringify(pred('adv-dup', 'dup-b'))}]}`)
    if (res.status === 200) countAccepted('adv-dup', 1)
    expect(res.status).toBe(400)
    expect(res.json.error.message).toMatch(/duplicate|events/)
  })

  it('a UTF-8 BOM: either accepted or a clear malformed_json, never a 5xx', async () => {
    const res = await c.post('/v1/events', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ events: [pred('adv-bom', 'bom-1')] }))]))
    if (res.status === 200) countAccepted('adv-bom', 1)
    else expect(res.json.error).toEqual({ code: 'malformed_json', message: expect.stringMatching(/not valid JSON/) })
    expect([200, 400]).toContain(res.status)
    await expectIntact()
  })

  // Was a bug (silent corruption): invalid UTF-8 was decoded with U+FFFD replacement, so a category
  // value was stored altered and the client heard "accepted". The body is now refused as a whole.
  it('invalid UTF-8 in a string value: the body is refused, not stored as U+FFFD', async () => {
    const text = JSON.stringify({ events: [pred('adv-utf8', 'u-1', { features: { region: 'AB' } })] })
    const body = Buffer.from(text.replace('"AB"', '"A\u0001B"'))
    body[body.indexOf(0x01)] = 0xff
    const res = await c.post('/v1/events', body)
    if (res.status === 200) countAccepted('adv-utf8', 1)
    expect(res.status).toBe(400)
    expect(JSON.stringify(res.json)).toMatch(/UTF-8/)
  })

  it('a protobuf body sent as application/json: 400 malformed_json', async () => {
    const res = await c.post('/v1/events', pbRequest('adv-x', [[pbAttr('aims.prediction.id', anyStr('x'))]]))
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('malformed_json')
    await expectIntact()
  })
})

/** Gzip members of 1 MiB of zeros, concatenated: Node inflates every member, ~1 KiB each. */
function gzipBomb(inflatedMiB: number): Buffer {
  const member = gzipSync(Buffer.alloc(1 << 20), { level: 9 })
  return Buffer.concat(Array.from({ length: inflatedMiB }, () => member))
}

describe('compressed bodies', () => {
  it('a ~1 MB gzip that inflates to 1 GiB: 413 on both routes, and memory stays bounded', async () => {
    const bomb = gzipBomb(1024)
    expect(bomb.length).toBeLessThan(1_200_000)
    const rssBefore = process.memoryUsage().rss
    for (const [path, type] of [['/v1/events', 'application/json'], ['/v1/logs', 'application/json']] as const) {
      const res = await c.post(path, bomb, { headers: { 'content-type': type, 'content-encoding': 'gzip' } })
      expect(res.status, path).toBe(413)
      expect(res.text).toMatch(/over the limit of \d+ bytes/)
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024)
    await expectIntact()
  })

  it('a truncated gzip stream: 400 saying the body could not be read, on both routes', async () => {
    const whole = gzipSync(Buffer.from(JSON.stringify({ events: [pred('adv-trunc', 't-1')] })))
    const cut = whole.subarray(0, whole.length - 12)
    const native = await c.post('/v1/events', cut, { headers: { 'content-encoding': 'gzip' } })
    expect(native.status).toBe(400)
    expect(native.json.error).toMatchObject({ code: expect.stringMatching(/bad_body|request/), message: expect.any(String) })
    const otlp = await c.post('/v1/logs', cut, { headers: { 'content-encoding': 'gzip' } })
    expect(otlp.status).toBe(400)
    expect(otlp.json.code).toBe(3)
    await expectIntact()
  })
})

describe('POST /v1/logs: hostile OTLP', () => {
  // Was a bug (unclear error): the recursive AnyValue schema overflows the stack before
  // checkAnyValueDepth runs, and the 400 said only "Maximum call stack size exceeded".
  it('OTLP/JSON with an AnyValue nested 100,000 levels: 400 Status about the nesting', async () => {
    const deep = '{"arrayValue":{"values":['.repeat(100_000) + '{"intValue":"1"}' + ']}}'.repeat(100_000)
    const body = JSON.stringify(jsonRequest('adv-otlp-deep', [jsonRecord({ 'aims.prediction.id': { stringValue: 'd-1' }, 'aims.feature.x': '@DEEP@' })])).replace('"@DEEP@"', deep)
    const res = await c.post('/v1/logs', body)
    expect(res.status, res.text.slice(0, 300)).toBe(400)
    expect(res.json).toEqual({ code: 3, message: expect.stringMatching(/nests arrays or kvlists more than 32/) })
    await expectIntact()
  })

  it('OTLP/JSON with a byte that is not UTF-8: 400 Status saying so, not a value stored as U+FFFD', async () => {
    const text = JSON.stringify(jsonRequest('adv-otlp-utf8', [jsonRecord({ 'aims.prediction.id': { stringValue: 'u-1' }, 'aims.feature.region': { stringValue: 'A\u0001B' } })]))
    const body = Buffer.from(text.replace('\\u0001', '\u0001'))
    body[body.indexOf(0x01)] = 0xff
    const res = await c.post('/v1/logs', body)
    expect(res.status, res.text.slice(0, 300)).toBe(400)
    expect(res.json).toEqual({ code: 3, message: expect.stringMatching(/not valid UTF-8/) })
    await expectIntact()
  })

  it('protobuf AnyValue nested 100,000 levels: 400 Status about the nesting', async () => {
    // array_value (5) { values (1) { … } } 100,000 times, headers computed inside out (no O(n²) copying).
    const core = anyInt(1)
    const headers: Buffer[] = []
    let size = core.length
    for (let i = 0; i < 100_000; i++) {
      const inner = Buffer.concat([varint((1 << 3) | 2), varint(size)])
      const outer = Buffer.concat([varint((5 << 3) | 2), varint(size + inner.length)])
      headers.push(inner, outer)
      size += inner.length + outer.length
    }
    const value = Buffer.concat([...headers.reverse(), core])
    const res = await c.post('/v1/logs', pbRequest('adv-pb-deep', [[pbAttr('aims.prediction.id', anyStr('d-1')), pbAttr('aims.feature.x', value)]]), { headers: PB })
    expect(res.status).toBe(400)
    expect(res.text).toMatch(/nests arrays or kvlists more than 32/)
    await expectIntact()
  })

  it('a length prefix past the end, inside a record (and a 4 GiB varint length): 400, nothing stored', async () => {
    const good = pbRequest('adv-pb-len', [[pbAttr('aims.prediction.id', anyStr('ok')), pbAttr('aims.feature.age', anyInt(3))]])
    const at = good.indexOf(Buffer.from('aims.feature.age'))
    const lying = Buffer.from(good)
    lying[at - 1] = 0x7f // the key's length now points past the end of its KeyValue and of the body
    const huge = Buffer.concat([good.subarray(0, 1), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), good.subarray(2)])
    for (const [name, body] of [['inner', lying], ['4 GiB', huge]] as const) {
      const res = await c.post('/v1/logs', body, { headers: PB })
      expect(res.status, name).toBe(400)
      expect(res.headers.get('content-type')).toBe('application/x-protobuf')
      expect(res.text, name).toMatch(/past the end|not a protobuf/)
    }
    expect((await c.getModels()).models.find((m) => m.id === 'adv-pb-len')).toBeUndefined()
    await expectIntact()
  })

  it('JSON sent as protobuf and protobuf sent as JSON: 400 Status each', async () => {
    const asPb = await c.post('/v1/logs', JSON.stringify(jsonRequest('adv-mix', [jsonRecord({ 'aims.prediction.id': { stringValue: 'm-1' } })])), { headers: PB })
    expect(asPb.status).toBe(400)
    expect(asPb.text).toMatch(/not a protobuf ExportLogsServiceRequest/)
    const asJson = await c.post('/v1/logs', pbRequest('adv-mix', [[pbAttr('aims.prediction.id', anyStr('m-2'))]]))
    expect(asJson.status).toBe(400)
    // Protobuf bytes are refused as text that is not UTF-8, or as JSON that does not parse.
    expect(asJson.json).toEqual({ code: 3, message: expect.stringMatching(/not valid JSON|not valid UTF-8/) })
    await expectIntact()
  })

  it('a record with 100,000 attributes (JSON and protobuf): rejected by record index, the valid record is stored', async () => {
    const many = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`aims.feature.f${i}`, { intValue: `${i}` }]))
    const okRecord = jsonRecord({ 'aims.prediction.id': { stringValue: 'wide-ok' }, 'aims.feature.age': { intValue: '3' } })
    const json = await c.post('/v1/logs', jsonRequest('adv-otlp-wide', [okRecord, jsonRecord({ 'aims.prediction.id': { stringValue: 'wide-bad' }, ...many })]))
    expect(json.status, json.text.slice(0, 300)).toBe(200)
    expect(json.json.partialSuccess.errorMessage).toMatch(/logRecords\[1\].*at most 200 features/)
    countAccepted('adv-otlp-wide', 1)
    const attrs = [pbAttr('aims.prediction.id', anyStr('pb-wide-bad')), ...Array.from({ length: 100_000 }, (_, i) => pbAttr(`aims.feature.f${i}`, anyInt(i)))]
    const pb = await c.post('/v1/logs', pbRequest('adv-pb-wide', [[pbAttr('aims.prediction.id', anyStr('pb-wide-ok'))], attrs]), { headers: PB })
    expect(pb.status).toBe(200)
    expect(pb.text).toMatch(/logRecords\[1\].*at most 200 features/)
    countAccepted('adv-pb-wide', 1)
    await expectIntact()
  })
})
