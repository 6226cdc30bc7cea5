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
