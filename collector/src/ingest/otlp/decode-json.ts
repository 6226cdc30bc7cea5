import { z } from 'zod'
import { formatIssuePath } from '@aims-monitor/schema'
import { checkAnyValueDepth, MAX_ANY_VALUE_DEPTH } from './any-value-depth.js'
import { OtlpDecodeError } from './otlp-decode-error.js'
import { NOT_UTF8_MESSAGE, utf8Text } from '../utf8-text.js'
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord, OtlpLogsRequest } from './otlp-model.js'

/*
 * OTLP/JSON as the specification defines it on top of the protobuf JSON mapping: lowerCamelCase keys,
 * trace and span ids as hex (not base64), enums as ints, 64-bit integers as decimal strings or
 * numbers, bytes as base64, `null` meaning "not set". Unknown fields are ignored (forward
 * compatibility, as OTLP asks of receivers).
 */

const unsignedInt64 = z
  .union([z.string().regex(/^\d+$/, 'expected a decimal integer string'), z.number().nonnegative().refine(Number.isInteger, 'expected an integer')], {
    error: 'expected an unsigned 64-bit integer as a decimal string or number',
  })
  .transform((v) => BigInt(v))

const signedInt64 = z
  .union([z.string().regex(/^-?\d+$/, 'expected a decimal integer string'), z.number().refine(Number.isInteger, 'expected an integer')], {
    error: 'expected a 64-bit integer as a decimal string or number',
  })
  .transform((v) => BigInt(v))

/** Protobuf JSON also writes doubles as strings, and NaN/Infinity only as strings. */
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']), z.string().regex(/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/)], {
  error: 'expected a number, or "NaN", "Infinity", "-Infinity"',
}).transform((v) => Number(v))

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64')
  .transform((v) => new Uint8Array(Buffer.from(v, 'base64')))

/** A hex id; the all-zero and empty ids mean "none" and are dropped by the mapping. */
const hexId = z.string().regex(/^([0-9a-fA-F]{2})*$/, 'expected hex digits (OTLP/JSON encodes trace and span ids as hex, not base64)').transform((v) => v.toLowerCase())

const keyValue: z.ZodType<OtlpKeyValue, unknown> = z.lazy(() =>
  z.object({ key: z.string(), value: anyValue.nullish() }).transform((kv) => ({ key: kv.key, value: kv.value ?? { kind: 'empty' as const } })),
)

const keyValues = z.array(keyValue).nullish().transform((list) => list ?? [])

const anyValue: z.ZodType<OtlpAnyValue, unknown> = z.lazy(() =>
  z
    .object({
      stringValue: z.string().nullish(),
      boolValue: z.boolean().nullish(),
      intValue: signedInt64.nullish(),
      doubleValue: double.nullish(),
      bytesValue: base64.nullish(),
      arrayValue: z.object({ values: z.array(anyValue).nullish() }).nullish(),
      kvlistValue: z.object({ values: keyValues }).nullish(),
    })
    .transform((v, ctx): OtlpAnyValue => {
      const set: OtlpAnyValue[] = []
      if (v.stringValue != null) set.push({ kind: 'string', value: v.stringValue })
      if (v.boolValue != null) set.push({ kind: 'bool', value: v.boolValue })
      if (v.intValue != null) set.push({ kind: 'int', value: v.intValue })
      if (v.doubleValue != null) set.push({ kind: 'double', value: v.doubleValue })
      if (v.bytesValue != null) set.push({ kind: 'bytes', value: v.bytesValue })
      if (v.arrayValue != null) set.push({ kind: 'array', values: v.arrayValue.values ?? [] })
      if (v.kvlistValue != null) set.push({ kind: 'kvlist', values: v.kvlistValue.values })
      if (set.length > 1) {
        ctx.addIssue({ code: 'custom', message: 'an AnyValue sets exactly one of stringValue, boolValue, intValue, doubleValue, bytesValue, arrayValue, kvlistValue' })
        return z.NEVER
      }
      return set[0] ?? { kind: 'empty' }
    }),
)

const logRecord = z
  .object({
    timeUnixNano: unsignedInt64.nullish(),
    observedTimeUnixNano: unsignedInt64.nullish(),
    eventName: z.string().nullish(),
    attributes: keyValues,
    traceId: hexId.nullish(),
    spanId: hexId.nullish(),
  })
  .transform(
    (r): OtlpLogRecord => ({
      timeUnixNano: r.timeUnixNano ?? 0n,
      observedTimeUnixNano: r.observedTimeUnixNano ?? 0n,
      eventName: r.eventName ?? '',
      attributes: r.attributes,
      traceId: r.traceId ?? '',
      spanId: r.spanId ?? '',
    }),
  )

const request = z
  .object(
    {
      resourceLogs: z
        .array(
          z.object({
            resource: z.object({ attributes: keyValues }).nullish(),
            scopeLogs: z.array(z.object({ logRecords: z.array(logRecord).nullish() })).nullish(),
          }),
        )
        .nullish(),
    },
    { error: 'expected an ExportLogsServiceRequest object { "resourceLogs": [ … ] }' },
  )
  .transform(
    (r): OtlpLogsRequest => ({
      resourceLogs: (r.resourceLogs ?? []).map((resource) => ({
        resourceAttributes: resource.resource?.attributes ?? [],
        scopeLogs: (resource.scopeLogs ?? []).map((scope) => ({ logRecords: scope.logRecords ?? [] })),
      })),
    }),
  )

/** Decodes an `application/json` ExportLogsServiceRequest. Throws OtlpDecodeError when it is not one. */
export function decodeJsonLogsRequest(body: Buffer): OtlpLogsRequest {
  const text = utf8Text(body)
  if (text === null) throw new OtlpDecodeError(NOT_UTF8_MESSAGE)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new OtlpDecodeError(`the body is not valid JSON: ${(error as Error).message}`, { cause: error })
  }
  let result: ReturnType<typeof request.safeParse>
  try {
    result = request.safeParse(json)
  } catch (error) {
    // Absurdly deep AnyValue nesting overflows the stack (the schema's only recursion) before
    // checkAnyValueDepth can say so: the body is refused with the protobuf decoder's words, not the collector.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new OtlpDecodeError(`an attribute value nests arrays or kvlists more than ${MAX_ANY_VALUE_DEPTH} levels deep`, { cause: error })
    }
    throw new OtlpDecodeError(`the body could not be decoded: ${(error as Error).message}`, { cause: error })
  }
  if (!result.success) {
    const issue = result.error.issues[0]!
    const where = issue.path.length > 0 ? formatIssuePath(issue.path) : 'the body'
    throw new OtlpDecodeError(`not an OTLP/JSON ExportLogsServiceRequest: ${where}: ${issue.message}`)
  }
  checkAnyValueDepth(result.data)
  return result.data
}
