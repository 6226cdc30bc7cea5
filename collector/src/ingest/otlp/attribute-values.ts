import type { OtlpAnyValue } from './otlp-model.js'

/** An attribute value read as the type a convention asks for, or why it cannot be. */
export type ValueResult<T> = { ok: true; value: T } | { ok: false; message: string }

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)

/** The OTLP/JSON field name of the value's kind, as a sender would recognise it. */
export function kindName(value: OtlpAnyValue): string {
  return value.kind === 'kvlist' ? 'kvlistValue' : value.kind === 'empty' ? 'an empty AnyValue' : `${value.kind}Value`
}

export function readString(value: OtlpAnyValue): ValueResult<string> {
  return value.kind === 'string' ? { ok: true, value: value.value } : { ok: false, message: `expected a stringValue, got ${kindName(value)}` }
}

/** intValue or doubleValue: SDKs send a whole-number double (a score of 1) as intValue. */
export function readNumber(value: OtlpAnyValue): ValueResult<number> {
  if (value.kind === 'double') return { ok: true, value: value.value }
  if (value.kind === 'int') return readSafeInt(value.value)
  return { ok: false, message: `expected a doubleValue or intValue, got ${kindName(value)}` }
}

/** A feature, attribute or label value: string, int, double or bool. */
export function readScalar(value: OtlpAnyValue): ValueResult<string | number | boolean> {
  switch (value.kind) {
    case 'string':
    case 'bool':
    case 'double':
      return { ok: true, value: value.value }
    case 'int':
      return readSafeInt(value.value)
    default:
      return { ok: false, message: `expected a stringValue, intValue, doubleValue or boolValue, got ${kindName(value)}` }
  }
}

/** Integers beyond ±(2^53 − 1) cannot be stored exactly as the store's numbers: refused, never rounded. */
function readSafeInt(value: bigint): ValueResult<number> {
  if (value > MAX_SAFE || value < MIN_SAFE) {
    return { ok: false, message: `intValue ${value} is outside the safe integer range ±${Number.MAX_SAFE_INTEGER}; send it as a doubleValue or stringValue` }
  }
  return { ok: true, value: Number(value) }
}
