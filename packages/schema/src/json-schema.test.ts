import { describe, expect, it } from 'vitest'
import { jsonSchemas } from './json-schema.js'
import { LIMITS } from './limits.js'

type JsonSchema = { type?: unknown; title?: unknown; properties?: Record<string, JsonSchema>; required?: string[]; additionalProperties?: unknown; [k: string]: unknown }

// DESIGN.md's wire example.
const examplePrediction = {
  type: 'prediction',
  id: '6f1c0a52-3b7e-4c1d-9d2a-8e5f6a7b8c9d',
  timestamp: '2026-11-26T10:00:00.123Z',
  model: { id: 'credit-risk', version: '2.3.0' },
  features: { age: 34, income: 52000, region: 'north', has_default: false },
  attributes: { sex: 'female', channel: 'web' },
  output: { label: 'approve', score: 0.82 },
  latencyMs: 12.5,
}
const exampleOutcome = { type: 'outcome', predictionId: '6f1c0a52-3b7e-4c1d-9d2a-8e5f6a7b8c9d', timestamp: 1764151200123, model: { id: 'credit-risk' }, label: 'repaid' }

/** What a JSON Schema validator checks first: every required key present, no key the schema does not declare. */
function shapeProblems(schema: JsonSchema, value: Record<string, unknown>, at = ''): string[] {
  const problems: string[] = []
  for (const key of schema.required ?? []) if (!(key in value)) problems.push(`${at}${key}: required`)
  const properties = schema.properties ?? {}
  for (const [key, child] of Object.entries(value)) {
    const sub = properties[key]
    if (!sub) {
      if (schema.additionalProperties === false) problems.push(`${at}${key}: not declared`)
      continue
    }
    if (sub.properties && child && typeof child === 'object') problems.push(...shapeProblems(sub, child as Record<string, unknown>, `${at}${key}.`))
  }
  return problems
}

describe('jsonSchemas', () => {
  it('exports prediction, outcome, event and batch, each an object schema with a title', () => {
    expect(Object.keys(jsonSchemas).sort()).toEqual(['batch', 'event', 'outcome', 'prediction'])
    for (const [name, schema] of Object.entries(jsonSchemas) as Array<[string, JsonSchema]>) {
      expect(typeof schema.title, name).toBe('string')
      // JSON-serialisable, so it can be served and written to docs.
      expect(() => JSON.stringify(schema), name).not.toThrow()
    }
    for (const name of ['prediction', 'outcome', 'batch'] as const) {
      const schema = jsonSchemas[name] as JsonSchema
      expect(schema.type, name).toBe('object')
      expect(typeof schema.properties, name).toBe('object')
    }
    // The event is one of the two event schemas.
    const event = jsonSchemas.event as JsonSchema
    const variants = (event.oneOf ?? event.anyOf) as JsonSchema[]
    expect(variants.map((v) => (v.properties!.type as { const?: string }).const).sort()).toEqual(['outcome', 'prediction'])
  })

  it('describes the prediction: required keys, closed objects, documented limits', () => {
    const schema = jsonSchemas.prediction as JsonSchema
    expect([...schema.required!].sort()).toEqual(['id', 'model', 'timestamp', 'type'])
    expect(Object.keys(schema.properties!).sort()).toEqual(
      ['attributes', 'environment', 'error', 'features', 'id', 'latencyMs', 'model', 'output', 'spanId', 'streamItems', 'timestamp', 'traceId', 'type'].sort(),
    )
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties!.type).toMatchObject({ const: 'prediction' })
    expect(schema.properties!.id).toMatchObject({ maxLength: LIMITS.maxIdLength })
    expect([...schema.properties!.model!.required!].sort()).toEqual(['id', 'version'])
    expect(schema.properties!.model!.additionalProperties).toBe(false)
    expect(JSON.stringify(schema.properties!.features)).toContain(String(LIMITS.maxStringValueLength))
  })

  it('describes the outcome and the batch', () => {
    const outcome = jsonSchemas.outcome as JsonSchema
    expect([...outcome.required!].sort()).toEqual(['model', 'predictionId', 'timestamp', 'type'])
    expect(outcome.properties!.model!.required).toEqual(['id'])
    expect(Object.keys(outcome.properties!)).toEqual(expect.arrayContaining(['label', 'value']))
    const batch = jsonSchemas.batch as JsonSchema
    expect(batch.required).toEqual(['events'])
    expect(batch.additionalProperties).toBe(false)
    expect(batch.properties!.events).toMatchObject({ type: 'array', minItems: 1 })
  })

  it('admits the DESIGN.md example events by required and declared keys', () => {
    expect(shapeProblems(jsonSchemas.prediction as JsonSchema, examplePrediction)).toEqual([])
    expect(shapeProblems(jsonSchemas.outcome as JsonSchema, exampleOutcome)).toEqual([])
    expect(shapeProblems(jsonSchemas.batch as JsonSchema, { events: [examplePrediction, exampleOutcome] })).toEqual([])
  })

  it('would refuse an event missing a required key or with an undeclared one', () => {
    const { model: _model, ...noModel } = examplePrediction
    expect(shapeProblems(jsonSchemas.prediction as JsonSchema, noModel)).toEqual(['model: required'])
    expect(shapeProblems(jsonSchemas.prediction as JsonSchema, { ...examplePrediction, extra: 1 })).toEqual(['extra: not declared'])
    expect(shapeProblems(jsonSchemas.prediction as JsonSchema, { ...examplePrediction, model: { id: 'm' } })).toEqual(['model.version: required'])
  })
})
