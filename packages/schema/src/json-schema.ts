import { z } from 'zod'
import { attributesSchema, eventBatchEnvelopeSchema, featuresSchema, outcomeEventSchema, predictionEventSchema, wireEventSchema } from './events.js'
import { LIMITS } from './limits.js'

/**
 * JSON Schema (draft 2020-12) of the wire events, for clients in other languages and for API docs.
 * Range checks that depend on the collector's clock (timestamps) are described, not encoded.
 */
function toJsonSchema(schema: z.ZodType, title: string): Record<string, unknown> {
  return {
    title,
    ...z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
      // Feature and attribute maps are checked by hand (see fieldMap in events.ts): describe them here.
      override: (ctx) => {
        const max = ctx.zodSchema === featuresSchema ? LIMITS.maxFeatures : ctx.zodSchema === attributesSchema ? LIMITS.maxAttributes : undefined
        if (max === undefined) return
        Object.assign(ctx.jsonSchema, fieldMapJsonSchema(max))
      },
    }),
  }
}

function fieldMapJsonSchema(maxProperties: number): Record<string, unknown> {
  return {
    type: 'object',
    maxProperties,
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.:/-]*$', maxLength: LIMITS.maxNameLength },
    additionalProperties: {
      anyOf: [{ type: 'number' }, { type: 'string', minLength: 1, maxLength: LIMITS.maxStringValueLength }, { type: 'boolean' }],
    },
  }
}

export const jsonSchemas = {
  prediction: toJsonSchema(predictionEventSchema, 'AIMS Monitor prediction event (v1)'),
  outcome: toJsonSchema(outcomeEventSchema, 'AIMS Monitor outcome event (v1)'),
  event: toJsonSchema(wireEventSchema, 'AIMS Monitor event (v1)'),
  batch: toJsonSchema(
    eventBatchEnvelopeSchema.extend({ events: z.array(wireEventSchema).min(1) }),
    'AIMS Monitor event batch (v1)',
  ),
} as const
