/**
 * Bound query parameters for the SQL builders: every value reaches ClickHouse as a
 * `{name:Type}` placeholder with its value in `params`, never spliced into the text.
 */

/** What every builder returns: the statement and the values of its placeholders. */
export interface SqlQuery {
  readonly query: string
  readonly params: Record<string, unknown>
}

/**
 * Collects placeholders while a statement is built. Names are readable (`from`, `edge_3`) so that
 * a statement in a log or an evaluation record reads on its own.
 */
export class ParamBag {
  readonly values: Record<string, unknown> = {}

  /** Binds `value` as `type` under `name` (suffixed when taken) and returns the placeholder. */
  bind(name: string, type: string, value: unknown): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`parameter name ${JSON.stringify(name)} is not an identifier`)
    let unique = name
    for (let i = 1; unique in this.values; i++) unique = `${name}_${i}`
    this.values[unique] = value
    return `{${unique}:${type}}`
  }

  /**
   * A Float64 that reaches the engine bit for bit: bound as the UInt64 of its IEEE-754 bits and
   * reinterpreted. A decimal Float64 parameter is parsed by the server's float parser, which
   * (with ClickHouse's default `precise_float_parsing = 0`) may be one unit in the last place off;
   * a bin edge that moved by one ulp puts a value sitting on the edge in the other bin, and the
   * counts would no longer equal the TypeScript ones. The reinterpretation is folded to a
   * constant once per query (measured: no difference in speed).
   */
  float64(name: string, value: number): string {
    if (typeof value !== 'number') throw new TypeError(`${name}: expected a number`)
    return `reinterpretAsFloat64(${this.bind(name, 'UInt64', float64Bits(value))})`
  }

  /**
   * A DateTime64(3) from epoch milliseconds, bound as the decimal Unix timestamp `seconds.mmm`,
   * which ClickHouse parses time-zone-free on both engines (the client's own Date formatting is
   * not used: chDB's binding drops the milliseconds of a Date).
   */
  dateTime64(name: string, epochMs: number): string {
    return this.bind(name, 'DateTime64(3)', epochMsToDateTime64Param(epochMs, name))
  }
}

const scratch = new Float64Array(1)
const scratchBits = new BigUint64Array(scratch.buffer)

/**
 * The IEEE-754 bits of a double as a decimal UInt64 string (what {@link ParamBag.float64} binds).
 *
 * @example
 * float64Bits(1) // '4607182418800017408'
 */
export function float64Bits(value: number): string {
  scratch[0] = value
  return scratchBits[0]!.toString()
}

/**
 * Epoch milliseconds as the decimal Unix timestamp a DateTime64(3) parameter reads.
 *
 * @example
 * epochMsToDateTime64Param(1700000000123, 'from') // '1700000000.123'
 * @throws {RangeError} naming `argument` unless `epochMs` is a non-negative safe integer (times
 *   before 1970 do not occur in the store).
 */
export function epochMsToDateTime64Param(epochMs: number, argument: string): string {
  if (!Number.isSafeInteger(epochMs) || epochMs < 0) {
    throw new RangeError(`${argument}: expected epoch milliseconds (a non-negative integer), got ${epochMs}`)
  }
  return `${Math.floor(epochMs / 1000)}.${String(epochMs % 1000).padStart(3, '0')}`
}
