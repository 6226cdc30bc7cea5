/**
 * A growable buffer that writes ClickHouse RowBinary values.
 *
 * Written by hand because no maintained npm library encodes RowBinary (the official client only
 * inserts text formats and Parquet), and RowBinary read through `file()` is the fastest insert path
 * we measured into chDB (docs/storage-layout.md): 3-4× the client's JSONEachRow.
 */
export class RowBinaryWriter {
  private buffer: Buffer
  private offset = 0

  constructor(initialCapacity = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialCapacity)
  }

  get length(): number {
    return this.offset
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Buffer {
    return this.buffer.subarray(0, this.offset)
  }

  reset(): void {
    this.offset = 0
  }

  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return
    let capacity = this.buffer.length * 2
    while (capacity < this.offset + bytes) capacity *= 2
    const next = Buffer.allocUnsafe(capacity)
    this.buffer.copy(next, 0, 0, this.offset)
    this.buffer = next
  }

  /** Appends bytes already in RowBinary (rows encoded elsewhere). */
  bytes(data: Uint8Array): void {
    this.ensure(data.length)
    this.buffer.set(data, this.offset)
    this.offset += data.length
  }

  float64(value: number): void {
    this.ensure(8)
    this.buffer.writeDoubleLE(value, this.offset)
    this.offset += 8
  }

  /** DateTime64(3): Int64 milliseconds, little-endian. */
  datetime64ms(ms: number): void {
    this.ensure(8)
    const low = ms % 0x1_0000_0000
    this.buffer.writeUInt32LE(low >>> 0, this.offset)
    this.buffer.writeInt32LE(Math.floor(ms / 0x1_0000_0000), this.offset + 4)
    this.offset += 8
  }

  /** String: LEB128 byte length, then UTF-8 bytes. */
  string(value: string): void {
    // Worst case 3 bytes per UTF-16 unit, plus a 5-byte length.
    this.ensure(value.length * 3 + 5)
    const start = this.offset
    const length = value.length
    // Short ASCII strings (categories, labels, versions: nearly every string here) are copied in JS:
    // a call into Buffer#write costs more than the copy itself at these lengths.
    if (length < 64) {
      const b = this.buffer
      let i = 0
      for (; i < length; i++) {
        const code = value.charCodeAt(i)
        if (code >= 0x80) break
        b[start + 1 + i] = code
      }
      if (i === length) {
        b[start] = length
        this.offset = start + 1 + length
        return
      }
    }
    // Most strings are short: write after a one-byte length and move them only when they were not.
    const written = this.buffer.write(value, start + 1, 'utf8')
    if (written < 0x80) {
      this.buffer[start] = written
      this.offset = start + 1 + written
      return
    }
    let lengthBytes = 1
    for (let n = written >>> 7; n > 0; n >>>= 7) lengthBytes++
    this.buffer.copy(this.buffer, start + lengthBytes, start + 1, start + 1 + written)
    let n = written
    let o = start
    while (n >= 0x80) {
      this.buffer[o++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    this.buffer[o] = n
    this.offset = start + lengthBytes + written
  }

  /**
   * String from bytes that are already its UTF-8 (a protobuf string field copied as it came):
   * the same bytes `string()` writes for the decoded text, without decoding it.
   */
  stringFromBytes(source: Uint8Array, start: number, length: number): void {
    this.ensure(length + 5)
    const b = this.buffer
    let o = this.offset
    let n = length
    while (n >= 0x80) {
      b[o++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    b[o++] = n
    if (length < 64) for (let i = 0; i < length; i++) b[o + i] = source[start + i]!
    else b.set(source.subarray(start, start + length), o)
    this.offset = o + length
  }

  /** Float64 from its 8 little-endian IEEE 754 bytes (a protobuf `double`, which has the same layout). */
  float64FromBytes(source: Uint8Array, start: number): void {
    this.ensure(8)
    const b = this.buffer
    const o = this.offset
    for (let i = 0; i < 8; i++) b[o + i] = source[start + i]!
    this.offset = o + 8
  }

  /** String of the lower-case hex of `length` bytes (a trace or span id), as `string(bytes.toString('hex'))` writes it. */
  hexString(source: Uint8Array, start: number, length: number): void {
    // Ids are 8 or 16 bytes: the hex's length always fits the one-byte length prefix.
    if (length > 63) throw new RangeError(`hexString takes at most 63 bytes, got ${length}`)
    this.ensure(1 + 2 * length)
    const b = this.buffer
    let o = this.offset
    b[o++] = 2 * length
    for (let i = 0; i < length; i++) {
      const byte = source[start + i]!
      b[o++] = HEX_DIGITS[byte >>> 4]!
      b[o++] = HEX_DIGITS[byte & 15]!
    }
    this.offset = o
  }

  /** UUID from the 36 ASCII bytes of its canonical text (either case), as `uuid()` writes it. */
  uuidFromAscii(source: Uint8Array, start: number): void {
    this.ensure(16)
    const b = this.buffer
    const o = this.offset
    for (let k = 0; k < 16; k++) b[o + UUID_BYTE_TARGETS[k]!] = (HEX[source[start + UUID_DIGIT_AT[k]!]!]! << 4) | HEX[source[start + UUID_DIGIT_AT[k]! + 1]!]!
    this.offset = o + 16
  }

  /**
   * UUID from its canonical text: ClickHouse writes the two 64-bit halves each little-endian,
   * so each half's bytes are reversed.
   */
  uuid(text: string): void {
    this.ensure(16)
    const b = this.buffer
    const o = this.offset
    for (let k = 0; k < 16; k++) b[o + UUID_BYTE_TARGETS[k]!] = (HEX[text.charCodeAt(UUID_DIGIT_AT[k]!)]! << 4) | HEX[text.charCodeAt(UUID_DIGIT_AT[k]! + 1)]!
    this.offset = o + 16
  }
}

/** Where the two hex digits of each of a UUID's 16 bytes are in its canonical text (dashes at 8, 13, 18, 23). */
const UUID_DIGIT_AT = Uint8Array.from({ length: 16 }, (_, k) => 2 * k + (k >= 4 ? 1 : 0) + (k >= 6 ? 1 : 0) + (k >= 8 ? 1 : 0) + (k >= 10 ? 1 : 0))
/** Where each byte goes in RowBinary: ClickHouse writes the UUID's two 64-bit halves each little-endian, so each half's bytes are reversed. */
const UUID_BYTE_TARGETS = Uint8Array.from({ length: 16 }, (_, k) => (k < 8 ? 7 - k : 23 - k))

const HEX_DIGITS = new Uint8Array([...'0123456789abcdef'].map((c) => c.charCodeAt(0)))
const HEX = new Uint8Array(128)
for (let i = 0; i < 10; i++) HEX[48 + i] = i
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i
  HEX[65 + i] = 10 + i
}
