/**
 * The protobuf wire format, as much of it as OTLP log records need: varints, fixed 32/64-bit
 * values, doubles, length-delimited strings and bytes, and nested messages whose length is known
 * only once they are written (`beginMessage` / `endMessage`). One growable buffer; what `finish`
 * returns is a view of it, so a writer is used for one request.
 */
export class ProtobufWriter {
  private buffer: Buffer
  pos: number

  constructor(initialSize: number, start = 0) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialSize, start + 64))
    this.pos = start
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buffer.length) return
    let size = this.buffer.length * 2
    while (size < this.pos + n) size *= 2
    const grown = Buffer.allocUnsafe(size)
    this.buffer.copy(grown, 0, 0, this.pos)
    this.buffer = grown
  }

  /** Bytes [start, pos). */
  finish(start: number): Uint8Array {
    return this.buffer.subarray(start, this.pos)
  }

  /** Writes `bytes` so that they end at `end` (for a header written after its message). Returns where they start. */
  writeBefore(end: number, bytes: Uint8Array): number {
    const start = end - bytes.length
    this.buffer.set(bytes, start)
    return start
  }

  byte(value: number): void {
    this.buffer[this.pos++] = value
  }

  /** Precomputed bytes (tags, keys, constant fields). */
  raw(bytes: Uint8Array): void {
    const length = bytes.length
    if (length < 64) {
      // TypedArray.set has a fixed cost that dominates for keys of a few dozen bytes.
      const b = this.buffer
      const pos = this.pos
      for (let k = 0; k < length; k++) b[pos + k] = bytes[k]!
    } else this.buffer.set(bytes, this.pos)
    this.pos += length
  }

  /** An unsigned varint, 0 ≤ value < 2^64 (an integer). */
  varint(value: number): void {
    const b = this.buffer
    if (value < 0x8000_0000) {
      // Lengths and small integers: 32-bit operations.
      while (value > 0x7f) {
        b[this.pos++] = (value & 0x7f) | 0x80
        value >>>= 7
      }
      b[this.pos++] = value
      return
    }
    while (value > 0x7f) {
      b[this.pos++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
    b[this.pos++] = value
  }

  /** An int64 varint from a safe integer (negative numbers as 64-bit two's complement: 10 bytes). */
  int64(value: number): void {
    if (value >= 0) return this.varint(value)
    let high = Math.floor(value / 0x1_0000_0000)
    let low = value - high * 0x1_0000_0000
    high >>>= 0 // two's complement of the upper half
    const b = this.buffer
    for (let i = 0; i < 9; i++) {
      b[this.pos++] = (low & 0x7f) | 0x80
      low = ((low >>> 7) | (high << 25)) >>> 0
      high >>>= 7
    }
    b[this.pos++] = low & 0x01
  }

  fixed32(value: number): void {
    const b = this.buffer
    b[this.pos++] = value & 0xff
    b[this.pos++] = (value >>> 8) & 0xff
    b[this.pos++] = (value >>> 16) & 0xff
    b[this.pos++] = (value >>> 24) & 0xff
  }

  fixed64(low: number, high: number): void {
    this.fixed32(low)
    this.fixed32(high)
  }

  /** A little-endian IEEE 754 double (through a scratch array: the platform's byte order is checked once). */
  double(value: number): void {
    DOUBLE[0] = value
    const b = this.buffer
    const pos = this.pos
    if (LITTLE_ENDIAN) for (let k = 0; k < 8; k++) b[pos + k] = DOUBLE_BYTES[k]!
    else for (let k = 0; k < 8; k++) b[pos + k] = DOUBLE_BYTES[7 - k]!
    this.pos += 8
  }

  /** A length-delimited string: its UTF-8 length, then its bytes. */
  string(text: string): void {
    const length = utf8Length(text)
    this.ensure(length + 5)
    this.varint(length)
    this.stringBytes(text, length)
  }

  /** The UTF-8 bytes of `text`, whose UTF-8 length is `length` (see utf8Length). */
  stringBytes(text: string, length: number): void {
    if (length === text.length) {
      // ASCII: a loop beats a call into C++ for the short strings of field values.
      const b = this.buffer
      for (let i = 0; i < length; i++) b[this.pos + i] = text.charCodeAt(i)
    } else this.buffer.write(text, this.pos, length, 'utf8')
    this.pos += length
  }

  /** The last `count` lowercase hex digits of a non-negative integer, as ASCII. */
  hexDigits(value: number, count: number): void {
    const b = this.buffer
    for (let at = this.pos + count - 1; at >= this.pos; at--) {
      const digit = value % 16
      b[at] = digit < 10 ? 48 + digit : 87 + digit
      value = Math.floor(value / 16)
    }
    this.pos += count
  }

  /** Two hex digits per byte, written as bytes (trace and span ids). */
  hexBytes(hex: string): void {
    const b = this.buffer
    for (let i = 0; i < hex.length; i += 2) b[this.pos++] = (hexDigit(hex.charCodeAt(i)) << 4) | hexDigit(hex.charCodeAt(i + 1))
  }

  /**
   * Starts a nested message: leaves room for its length (at most `maxLengthBytes` varint bytes)
   * and returns where the message starts. `endMessage` writes the length and, when it took fewer
   * bytes than reserved, moves the message back over the gap.
   */
  beginMessage(maxLengthBytes: number): number {
    this.pos += maxLengthBytes
    return this.pos
  }

  endMessage(start: number, maxLengthBytes: number): void {
    const length = this.pos - start
    const lengthBytes = varintSize(length)
    const at = start - maxLengthBytes
    if (lengthBytes < maxLengthBytes) {
      this.buffer.copyWithin(at + lengthBytes, start, this.pos)
      this.pos -= maxLengthBytes - lengthBytes
    }
    const saved = this.pos
    this.pos = at
    this.varint(length)
    this.pos = saved
  }
}

const DOUBLE = new Float64Array(1)
const DOUBLE_BYTES = new Uint8Array(DOUBLE.buffer)
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/** Bytes of a varint of `value` (0 ≤ value ≤ 2^53). */
export function varintSize(value: number): number {
  let size = 1
  while (value > 0x7f) {
    value = Math.floor(value / 0x80)
    size++
  }
  return size
}

/** UTF-8 length of `text` (its length when it is ASCII, the common case, found without a call into C++). */
export function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, 'utf8')
  }
  return text.length
}

/** A protobuf tag: field number and wire type. */
export function tag(field: number, wireType: number): number {
  return (field << 3) | wireType
}

export const VARINT = 0
export const FIXED64 = 1
export const LENGTH_DELIMITED = 2
export const FIXED32 = 5

/** The bytes of a complete length-delimited field (`tag`, UTF-8 length, text): for precomputed keys and constants. */
export function stringField(field: number, text: string): Uint8Array {
  const writer = new ProtobufWriter(utf8Length(text) + 16)
  writer.byte(tag(field, LENGTH_DELIMITED))
  writer.string(text)
  return Uint8Array.from(writer.finish(0))
}

function hexDigit(code: number): number {
  // '0'-'9', 'a'-'f', 'A'-'F' (ids are validated when captured).
  return code <= 57 ? code - 48 : (code | 0x20) - 87
}
