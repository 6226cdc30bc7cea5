import { describe, expect, it } from 'vitest'
import { outcomeEventSchema, predictionEventSchema, timestampSchema, wireEventSchema } from './events.js'
import { LIMITS } from './limits.js'
import { validateEventBatch, type FieldError } from './validate-batch.js'

// The wire example of DESIGN.md, verbatim (ids shortened there with "…" are spelled out).
const designPrediction = {
  type: 'prediction',
  id: '6f1c0a52-3b7e-4c1d-9d2a-8e5f6a7b8c9d',
  timestamp: '2026-11-26T10:00:00.123Z',
  model: { id: 'credit-risk', version: '2.3.0' },
  features: { age: 34, income: 52000, region: 'north', has_default: false },
  attributes: { sex: 'female', channel: 'web' },
  output: { label: 'approve', score: 0.82 },
  latencyMs: 12.5,
}
const designOutcome = {
  type: 'outcome',
  predictionId: '6f1c0a52-3b7e-4c1d-9d2a-8e5f6a7b8c9d',
  timestamp: 1764151200123,
  model: { id: 'credit-risk' },
  label: 'repaid',
}

/** A valid prediction a minute old, with `patch` applied; `undefined` in the patch deletes a field. */
function prediction(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return withPatch({ ...designPrediction, timestamp: new Date(Date.now() - 60_000).toISOString() }, patch)
}

function outcome(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return withPatch({ ...designOutcome, timestamp: Date.now() - 60_000 }, patch)
}

function withPatch(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base, ...patch }
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete out[k]
  return out
}

/** The field errors of one event validated alone (as the collector does). */
function errorsOf(event: unknown): FieldError[] {
  const { accepted, rejected } = validateEventBatch([event])
  if (rejected.length === 0) throw new Error(`expected the event to be rejected, but it was accepted: ${JSON.stringify(accepted[0])}`)
  expect(rejected[0]!.reason).toBe('invalid')
  return rejected[0]!.errors
}

/** Exactly one error, at `path`, with a message matching `message`. */
function expectOneError(event: unknown, path: string, message: RegExp): void {
  const errors = errorsOf(event)
  expect(errors).toEqual([{ path, message: expect.stringMatching(message) }])
}

describe('valid events (DESIGN.md wire example)', () => {
  it('accepts the prediction with an RFC 3339 timestamp, normalised to epoch milliseconds', () => {
    const parsed = predictionEventSchema.parse(designPrediction)
    expect(parsed.timestamp).toBe(Date.UTC(2026, 10, 26, 10, 0, 0, 123))
    expect(parsed.features).toEqual(designPrediction.features)
    expect(parsed.attributes).toEqual(designPrediction.attributes)
    expect(parsed.output).toEqual({ label: 'approve', score: 0.82 })
    expect(parsed.latencyMs).toBe(12.5)
  })

  it('accepts the outcome with an epoch-milliseconds timestamp', () => {
    const parsed = outcomeEventSchema.parse(designOutcome)
    expect(parsed).toEqual({ ...designOutcome, timestamp: 1764151200123 })
  })

  it('tells events apart by type', () => {
    expect(wireEventSchema.parse(designPrediction).type).toBe('prediction')
    expect(wireEventSchema.parse(designOutcome).type).toBe('outcome')
  })

  it('accepts RFC 3339 with an offset, lower-case t/z and no fraction, and epoch ms', () => {
    const ms = Date.UTC(2026, 10, 26, 8, 30, 0)
    expect(timestampSchema.parse('2026-11-26T10:30:00+02:00')).toBe(ms)
    expect(timestampSchema.parse('2026-11-26t08:30:00z')).toBe(ms)
    expect(timestampSchema.parse('2026-11-26T08:30:00.000Z')).toBe(ms)
    expect(timestampSchema.parse(ms)).toBe(ms)
  })

  it('defaults features and attributes to empty, and takes an error instead of an output', () => {
    const parsed = predictionEventSchema.parse(prediction({ features: undefined, attributes: undefined, output: undefined, error: { type: 'TimeoutError', message: 'upstream timed out' } }))
    expect(parsed.features).toEqual({})
    expect(parsed.attributes).toEqual({})
    expect(parsed.error).toEqual({ type: 'TimeoutError', message: 'upstream timed out' })
  })

  it('accepts an outcome with a value instead of a label, and a numeric or boolean label', () => {
    expect(outcomeEventSchema.parse(outcome({ label: undefined, value: 1234.5 })).value).toBe(1234.5)
    expect(outcomeEventSchema.parse(outcome({ label: 1 })).label).toBe(1)
    expect(outcomeEventSchema.parse(outcome({ label: false })).label).toBe(false)
  })

  it('accepts strings, ids and names exactly at their documented lengths', () => {
    const event = prediction({
      id: 'i'.repeat(LIMITS.maxIdLength),
      model: { id: 'm'.repeat(LIMITS.maxModelIdLength), version: 'v'.repeat(LIMITS.maxVersionLength) },
      features: { ['n'.repeat(LIMITS.maxNameLength)]: 's'.repeat(LIMITS.maxStringValueLength) },
      attributes: Object.fromEntries(Array.from({ length: LIMITS.maxAttributes }, (_, i) => [`a${i}`, 'x'])),
    })
    expect(validateEventBatch([event]).rejected).toEqual([])
    const wide = prediction({ features: Object.fromEntries(Array.from({ length: LIMITS.maxFeatures }, (_, i) => [`f${i}`, i])) })
    expect(validateEventBatch([wide]).rejected).toEqual([])
  })

  it('accepts feature names with _ . : / - after the first character', () => {
    expect(validateEventBatch([prediction({ features: { _x: 1, 'a.b:c/d-e_f9': 2 } })]).rejected).toEqual([])
  })
})

describe('missing required fields', () => {
  it('prediction id', () => expectOneError(prediction({ id: undefined }), 'id', /required/))
  it('prediction timestamp', () => expectOneError(prediction({ timestamp: undefined }), 'timestamp', /RFC 3339.*received nothing/))
  it('prediction model', () => expectOneError(prediction({ model: undefined }), 'model', /required/))
  it('prediction model.id', () => expectOneError(prediction({ model: { version: '1' } }), 'model.id', /required/))
  it('model.version, for predictions', () => expectOneError(prediction({ model: { id: 'credit-risk' } }), 'model.version', /required/))
  // Inputs alone still serve input drift and volume: a prediction without output or error is accepted.
  it('no output and no error is accepted', () => expect(wireEventSchema.safeParse(prediction({ output: undefined })).success).toBe(true))
  it('an output with nothing in it', () => expectOneError(prediction({ output: {} }), 'output', /at least one of label, score or value/))
  it('outcome predictionId', () => expectOneError(outcome({ predictionId: undefined }), 'predictionId', /required/))
  it('outcome label or value', () => expectOneError(outcome({ label: undefined }), 'label', /needs a label or a value/))
  it('outcome model', () => expectOneError(outcome({ model: undefined }), 'model', /required/))
  it('event type', () => expectOneError(prediction({ type: undefined }), 'type', /unknown event type.*"prediction" or "outcome"/))
})

describe('wrong types and malformed fields', () => {
  it('unknown event type', () => expectOneError(prediction({ type: 'metric' }), 'type', /unknown event type.*"metric".*expected "prediction" or "outcome"/))
  it('an event that is not an object', () => {
    for (const event of [null, 5, 'prediction', [designPrediction]]) expect(errorsOf(event)).toEqual([{ path: '', message: expect.stringMatching(/object/) }])
  })
  it('id as a number says what it expected, not that it is missing', () => expectOneError(prediction({ id: 17 }), 'id', /expected string/))
  it('id with a space', () => expectOneError(prediction({ id: 'a b' }), 'id', /printable ASCII without spaces/))
  it('empty id', () => {
    // Both the length and the pattern rule fail; every error is on `id` and the first says why.
    const errors = errorsOf(prediction({ id: '' }))
    expect(new Set(errors.map((e) => e.path))).toEqual(new Set(['id']))
    expect(errors[0]!.message).toMatch(/must not be empty/)
  })
  it('model as a string', () => expectOneError(prediction({ model: 'credit-risk' }), 'model', /expected object/))
  it('model id with a space', () => expectOneError(prediction({ model: { id: 'credit risk', version: '1' } }), 'model.id', /model ids start with a letter or digit/))
  it('model version with a slash', () => expectOneError(prediction({ model: { id: 'm', version: '1/2' } }), 'model.version', /only letters, digits/))
  it('latencyMs as a string', () => expectOneError(prediction({ latencyMs: '12' }), 'latencyMs', /expected a number, received the string "12"/))
  it('negative latencyMs', () => expectOneError(prediction({ latencyMs: -1 }), 'latencyMs', /must not be negative/))
  it('latencyMs over a day', () => expectOneError(prediction({ latencyMs: LIMITS.maxLatencyMs + 1 }), 'latencyMs', /more than a day/))
  it('score as a string', () => expectOneError(prediction({ output: { score: '0.8' } }), 'output.score', /expected a number, received the string "0.8"/))
  it('feature value null', () => expectOneError(prediction({ features: { age: null } }), 'features.age', /expected a number, string or boolean, received null/))
  it('feature value an object', () => expectOneError(prediction({ features: { age: { v: 1 } } }), 'features.age', /expected a number, string or boolean, received object/))
  it('feature value an array', () => expectOneError(prediction({ features: { age: [34] } }), 'features.age', /expected a number, string or boolean, received an array/))
  it('features as an array', () => expectOneError(prediction({ features: [34] }), 'features', /expected .*object.*received an array/))
  it('traceId not 32 hex digits', () => expectOneError(prediction({ traceId: 'abc' }), 'traceId', /32 lower-case hex digits/))
  it('spanId in upper case', () => expectOneError(prediction({ spanId: 'ABCDEF0123456789' }), 'spanId', /16 lower-case hex digits/))
  it('error without a type', () => expectOneError(prediction({ output: undefined, error: { message: 'boom' } }), 'error.type', /required/))
  it('timestamp as a boolean', () => expectOneError(prediction({ timestamp: true }), 'timestamp', /RFC 3339 string or epoch milliseconds, received boolean/))
  it('timestamp not RFC 3339', () => {
    for (const text of ['2026-11-26', '2026-11-26 10:00', '26/11/2026 10:00:00', 'yesterday', '2026-11-26T10:00:00']) {
      expectOneError(prediction({ timestamp: text }), 'timestamp', /not an RFC 3339 timestamp or epoch milliseconds/)
    }
  })
  it('timestamp that matches the pattern but is not a date', () => expectOneError(prediction({ timestamp: '2026-13-45T10:00:00Z' }), 'timestamp', /not an RFC 3339 timestamp/))
})

describe('unknown fields (strict objects)', () => {
  it('on the event, named in the message', () => expectOneError(prediction({ modelVersion: '1' }), '', /unknown field "modelVersion"/))
  it('several on the event', () => expectOneError(prediction({ a: 1, b: 2 }), '', /unknown fields "a", "b"/))
  it('inside model', () => expectOneError(prediction({ model: { id: 'm', version: '1', name: 'x' } }), 'model', /unknown field "name"/))
  it('inside output', () => expectOneError(prediction({ output: { label: 'a', probability: 0.3 } }), 'output', /unknown field "probability"/))
  it('on an outcome', () => expectOneError(outcome({ id: 'x' }), '', /unknown field "id"/))
})

describe('NaN and Infinity', () => {
  // JSON cannot carry NaN; Infinity arrives as 1e999, which JSON.parse turns into Infinity.
  it('Infinity from JSON (1e999) in a score', () => {
    const event = JSON.parse(JSON.stringify(prediction({ output: { score: 0.5 } })).replace('0.5', '1e999'))
    expect(event.output.score).toBe(Infinity)
    expectOneError(event, 'output.score', /finite/)
  })
  it('NaN, Infinity and -Infinity as JS values in a score, a value, latency and an outcome value', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      expectOneError(prediction({ output: { score: bad } }), 'output.score', /finite/)
      expectOneError(prediction({ output: { value: bad } }), 'output.value', /finite/)
      expectOneError(prediction({ latencyMs: bad }), 'latencyMs', /finite/)
      expectOneError(outcome({ label: undefined, value: bad }), 'value', /finite/)
    }
  })
  it('NaN and Infinity in a feature and an attribute name the value', () => {
    expectOneError(prediction({ features: { age: NaN } }), 'features.age', /NaN/)
    expectOneError(prediction({ features: { age: Infinity } }), 'features.age', /Infinity/)
    expectOneError(prediction({ attributes: { weight: -Infinity } }), 'attributes.weight', /Infinity/)
  })
  it('NaN and Infinity as a timestamp', () => {
    expectOneError(prediction({ timestamp: NaN }), 'timestamp', /RFC 3339.*epoch milliseconds.*NaN/)
    expectOneError(prediction({ timestamp: Infinity }), 'timestamp', /RFC 3339.*epoch milliseconds.*Infinity/)
  })
})

describe('timestamp range', () => {
  it('before 2000-01-01 (seconds sent as milliseconds)', () => {
    expectOneError(prediction({ timestamp: '1999-12-31T23:59:59.999Z' }), 'timestamp', /before 2000-01-01/)
    expectOneError(prediction({ timestamp: 1764151200 }), 'timestamp', /before 2000-01-01 \(seconds sent as milliseconds\?\)/)
    expect(validateEventBatch([prediction({ timestamp: LIMITS.minTimestampMs })]).rejected).toEqual([])
  })
  it('more than 10 minutes in the future', () => {
    expectOneError(prediction({ timestamp: Date.now() + 11 * 60_000 }), 'timestamp', /more than 10 minutes in the future/)
    expectOneError(outcome({ timestamp: new Date(Date.now() + 3600_000).toISOString() }), 'timestamp', /more than 10 minutes in the future/)
    // Within the tolerated skew.
    expect(validateEventBatch([prediction({ timestamp: Date.now() + 5 * 60_000 })]).rejected).toEqual([])
  })
})

describe('lengths and counts', () => {
  const tooLong = 's'.repeat(LIMITS.maxStringValueLength + 1)
  it('a string feature, attribute, output label and outcome label over maxStringValueLength', () => {
    const message = new RegExp(`at most ${LIMITS.maxStringValueLength} characters`)
    expectOneError(prediction({ features: { region: tooLong } }), 'features.region', message)
    expectOneError(prediction({ attributes: { channel: tooLong } }), 'attributes.channel', message)
    expectOneError(prediction({ output: { label: tooLong } }), 'output.label', message)
    expectOneError(outcome({ label: tooLong }), 'label', message)
  })
  it('an id, a prediction id, a model id and a version over their limits', () => {
    expectOneError(prediction({ id: 'i'.repeat(LIMITS.maxIdLength + 1) }), 'id', new RegExp(`at most ${LIMITS.maxIdLength}`))
    expectOneError(outcome({ predictionId: 'i'.repeat(LIMITS.maxIdLength + 1) }), 'predictionId', new RegExp(`at most ${LIMITS.maxIdLength}`))
    expectOneError(prediction({ model: { id: 'm'.repeat(LIMITS.maxModelIdLength + 1), version: '1' } }), 'model.id', new RegExp(`at most ${LIMITS.maxModelIdLength}`))
    expectOneError(prediction({ model: { id: 'm', version: '1'.repeat(LIMITS.maxVersionLength + 1) } }), 'model.version', new RegExp(`at most ${LIMITS.maxVersionLength}`))
  })
  it('a feature name over maxNameLength', () => {
    const name = 'n'.repeat(LIMITS.maxNameLength + 1)
    expectOneError(prediction({ features: { [name]: 1 } }), `features.${name}`, new RegExp(`at most ${LIMITS.maxNameLength} characters`))
  })
  it('an error message over maxErrorMessageLength', () => {
    expectOneError(prediction({ output: undefined, error: { type: 'E', message: 'm'.repeat(LIMITS.maxErrorMessageLength + 1) } }), 'error.message', /1024/)
  })
  it('maxFeatures + 1 features', () => {
    const features = Object.fromEntries(Array.from({ length: LIMITS.maxFeatures + 1 }, (_, i) => [`f${i}`, i]))
    expectOneError(prediction({ features }), 'features', new RegExp(`at most ${LIMITS.maxFeatures} features per event`))
  })
  it('maxAttributes + 1 attributes', () => {
    const attributes = Object.fromEntries(Array.from({ length: LIMITS.maxAttributes + 1 }, (_, i) => [`a${i}`, 'x']))
    expectOneError(prediction({ attributes }), 'attributes', new RegExp(`at most ${LIMITS.maxAttributes} attributes per event`))
  })
})

describe('feature values and names', () => {
  it('an empty string feature or attribute (empty means missing in the store)', () => {
    expectOneError(prediction({ features: { region: '' } }), 'features.region', /must not be empty: omit the field/)
    expectOneError(prediction({ attributes: { sex: '' } }), 'attributes.sex', /must not be empty/)
    expectOneError(outcome({ label: '' }), 'label', /must not be empty/)
  })
  it('bad feature and attribute names, with a message saying what a name may hold', () => {
    const rule = /names start with a letter or "_" and contain only letters, digits and _ \. : \/ -/
    for (const name of ['1abc', 'a b', 'age!', '-x', 'é', '']) {
      expectOneError(prediction({ features: { [name]: 1 } }), `features.${name}`, rule)
    }
    expectOneError(prediction({ attributes: { 'sex ': 'f' } }), 'attributes.sex ', rule)
  })
  it('reports every bad field of one event', () => {
    const errors = errorsOf(prediction({ id: '', features: { region: '' }, latencyMs: -5 }))
    expect([...new Set(errors.map((e) => e.path))].sort()).toEqual(['features.region', 'id', 'latencyMs'])
    for (const e of errors) expect(e.message.length).toBeGreaterThan(5)
  })
})
