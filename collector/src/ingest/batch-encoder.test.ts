import { describe, expect, it } from 'vitest'
import { BASE_PREDICTION_COLUMNS, type PredictionRecord } from '@aims-monitor/store'
import { HttpError } from '../http/http-error.js'
import { predictionRecord } from '../test-support/records.js'
import { BatchEncoder } from './batch-encoder.js'

let n = 0
function prediction(features: PredictionRecord['features'], attributes: PredictionRecord['attributes'] = {}, modelId = 'm'): PredictionRecord {
  return predictionRecord(++n, { features, attributes, modelId, outputLabel: 'a', latencyMs: 1 })
}

const names = (chunkColumns: { name: string }[]) => chunkColumns.map((c) => c.name).filter((c) => c.startsWith('f:') || c.startsWith('a:'))

describe('BatchEncoder', () => {
  it('gives two encoders that saw the same columns, in any order, the same layout', () => {
    const a = new BatchEncoder(100)
    const b = new BatchEncoder(100)
    a.encode('p', [prediction({ age: 1 }), prediction({ region: 'x' }, { sex: 'f' })], [])
    b.encode('p', [prediction({ region: 'y' }, { sex: 'm' })], [])
    const [chunkA] = a.encode('p', [prediction({ age: 2 })], [])
    const [chunkB] = b.encode('p', [prediction({ age: 3, region: 'z' })], [])
    expect(chunkA!.signature).toBe(chunkB!.signature)
    expect(names(chunkA!.columns)).toEqual(['a:sex', 'f:age:num', 'f:region:str'])
  })

  it('widens a layout when a feature arrives with a new kind, keeping the old column', () => {
    const encoder = new BatchEncoder(100)
    const [first] = encoder.encode('p', [prediction({ age: 30 })], [])
    const [second] = encoder.encode('p', [prediction({ age: 'thirty', flag: true })], [])
    expect(names(second!.columns)).toEqual(['f:age:num', 'f:age:str', 'f:flag:bool'])
    expect(second!.signature).not.toBe(first!.signature)
    expect(second!.rows).toBe(1)
  })

  it('makes one chunk per model and one for the outcomes of the project', () => {
    const encoder = new BatchEncoder(100)
    const chunks = encoder.encode(
      'p',
      [prediction({ x: 1 }, {}, 'm1'), prediction({ x: 1 }, {}, 'm2'), prediction({ x: 2 }, {}, 'm1')],
      [{ predictionId: '00000000-0000-4000-8000-000000000001', timestampMs: 1, receivedMs: 1, modelId: 'm1', modelVersion: '', label: 'y', value: NaN }],
    )
    expect(chunks.map((c) => [c.target, c.rows])).toEqual([
      [{ kind: 'predictions', project: 'p', modelId: 'm1' }, 2],
      [{ kind: 'predictions', project: 'p', modelId: 'm2' }, 1],
      [{ kind: 'outcomes', project: 'p' }, 1],
    ])
    // Each chunk owns its bytes: encoding the next request must not change them.
    const copy = Uint8Array.from(chunks[0]!.bytes)
    encoder.encode('p', [prediction({ x: 99 }, {}, 'm1')], [])
    expect(chunks[0]!.bytes).toEqual(copy)
  })

  it('refuses a request that would pass the column limit with a 422, and forgets its columns', () => {
    const base = BASE_PREDICTION_COLUMNS.length
    const encoder = new BatchEncoder(base + 3)
    encoder.encode('p', [prediction({ a: 1, b: 2 })], [])
    let error: unknown
    try {
      encoder.encode('p', [prediction({ c: 1, d: 2 })], [])
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(422)
    expect((error as HttpError).message).toMatch(new RegExp(`more than ${base + 3} feature and attribute columns`))
    // Nothing of the refused request stuck: one more column still fits.
    const [chunk] = encoder.encode('p', [prediction({ c: 1 })], [])
    expect(names(chunk!.columns)).toEqual(['f:a:num', 'f:b:num', 'f:c:num'])
  })
})

describe('BatchEncoder.encodeAccepting', () => {
  it('refuses only the predictions that would pass the column limit, naming the field that does not fit, and keeps none of their columns', () => {
    const base = BASE_PREDICTION_COLUMNS.length
    const encoder = new BatchEncoder(base + 3)
    encoder.encodeAccepting('p', [prediction({ a: 1, b: 2 })], [])
    const records = [
      prediction({ c: 1, d: 2 }), // two new columns, room for one: refused whole, at its second column
      prediction({ c: 1 }), // fits
      prediction({ a: 'x' }), // a second kind of `a` is a new column: no room left
      prediction({ a: 3, b: 4 }, {}, 'm'), // existing columns only
      prediction({ z: 1 }, {}, 'other'), // another model has its own room
      prediction({}, { seg: 'q' }), // an attribute is a column too
    ]
    const { chunks, refused } = encoder.encodeAccepting('p', records, [])
    expect(refused.map((r) => [r.index, r.path])).toEqual([[0, 'features.d'], [2, 'features.a'], [5, 'attributes.seg']])
    expect(refused[0]!.message).toMatch(new RegExp(`feature "d" \\(as a number\\) would take model m past its limit of ${base + 3} table columns, 3 of them for features and attributes \\(a name sent with two value types takes two\\), with the 2 new columns this event brings: the event is refused`))
    expect(refused[1]!.message).toMatch(/feature "a" \(as a string\)/)
    expect(refused[2]!.message).toMatch(/^attribute "seg" would take/)
    expect(chunks.map((c) => [c.target, c.rows])).toEqual([
      [{ kind: 'predictions', project: 'p', modelId: 'm' }, 2],
      [{ kind: 'predictions', project: 'p', modelId: 'other' }, 1],
    ])
    expect(names(chunks[0]!.columns)).toEqual(['f:a:num', 'f:b:num', 'f:c:num'])
  })

  it('makes no chunk for a model whose predictions were all refused, and keeps the outcomes', () => {
    const encoder = new BatchEncoder(BASE_PREDICTION_COLUMNS.length + 1)
    const outcome = { predictionId: '00000000-0000-4000-8000-000000000001', timestampMs: 1, receivedMs: 1, modelId: 'm', modelVersion: '', label: 'y', value: NaN }
    const { chunks, refused } = encoder.encodeAccepting('p', [prediction({ a: 1, b: 2 }), prediction({ c: 1, d: 2 })], [outcome])
    expect(refused.map((r) => r.index)).toEqual([0, 1])
    expect(chunks.map((c) => [c.target.kind, c.rows])).toEqual([['outcomes', 1]])
  })

  it('stores a name that is a member of Object.prototype as any other, and leaves it empty in rows without it', () => {
    const encoder = new BatchEncoder(100)
    const withProto = prediction(JSON.parse('{"__proto__": 7, "constructor": "c"}'), JSON.parse('{"__proto__": "seg", "constructor": "k"}'))
    const [chunk] = encoder.encode('p', [withProto, prediction({}, {})], [])
    expect(names(chunk!.columns)).toEqual(['a:__proto__', 'a:constructor', 'f:__proto__:num', 'f:constructor:str'])
    // Row 2 has none of them: its attribute strings are empty, not "[object Object]" or Object's source.
    const text = Buffer.from(chunk!.bytes).toString('latin1')
    expect(text).not.toMatch(/object Object|native code/)
  })
})
