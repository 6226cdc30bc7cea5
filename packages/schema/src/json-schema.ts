import { z } from 'zod'
import { eventBatchEnvelopeSchema, outcomeEventSchema, predictionEventSchema, wireEventSchema } from './events.js'

/**
 * JSON Schema (draft 2020-12) of the wire events, for clients in other languages and for API docs.
 * Range checks that depend on the collector's clock (timestamps) are described, not encoded.
 */
function toJsonSchema(schema: z.ZodType, title: string): Record<string, unknown> {
  return { title, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) }
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
