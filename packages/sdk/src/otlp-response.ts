/** What an ExportLogsServiceResponse says, as the official exporters' response handler reads it. */
export interface ExportLogsResponse {
  partialSuccess?: { rejectedLogRecords?: number; errorMessage?: string }
}

/**
 * Decodes a protobuf ExportLogsServiceResponse: `partial_success` (1) with `rejected_log_records`
 * (1, int64) and `error_message` (2, string); other fields are skipped. The collector answers
 * every accepted request with one; the official transport logs a partial success through
 * OpenTelemetry's diag logger, as it does for the official exporters. Throws on malformed input
 * (the transport catches and logs that too).
 */
export function decodeExportLogsResponse(data: Uint8Array): ExportLogsResponse {
  const response: ExportLogsResponse = {}
  readFields(data, (field, wireType, reader) => {
    if (field === 1 && wireType === LENGTH_DELIMITED) {
      const partial: NonNullable<ExportLogsResponse['partialSuccess']> = {}
      readFields(reader.bytes(), (inner, innerType, innerReader) => {
        if (inner === 1 && innerType === VARINT) partial.rejectedLogRecords = innerReader.varint()
        else if (inner === 2 && innerType === LENGTH_DELIMITED) partial.errorMessage = Buffer.from(innerReader.bytes()).toString('utf8')
        else innerReader.skip(innerType)
      })
      response.partialSuccess = partial
    } else reader.skip(wireType)
  })
  return response
}

const VARINT = 0
const FIXED64 = 1
const LENGTH_DELIMITED = 2
const FIXED32 = 5

class Reader {
  pos = 0
  constructor(private readonly data: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.data.length
  }

  varint(): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.data.length) throw new Error('truncated varint')
      const byte = this.data[this.pos++]!
      value += (byte & 0x7f) * scale
      if (byte < 0x80) return value
      scale *= 0x80
    }
    throw new Error('varint longer than 10 bytes')
  }

  bytes(): Uint8Array {
    const length = this.varint()
    if (this.pos + length > this.data.length) throw new Error('truncated field')
    const bytes = this.data.subarray(this.pos, this.pos + length)
    this.pos += length
    return bytes
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint()
    else if (wireType === FIXED64) this.pos += 8
    else if (wireType === LENGTH_DELIMITED) this.bytes()
    else if (wireType === FIXED32) this.pos += 4
    else throw new Error(`unsupported wire type ${wireType}`)
  }
}

function readFields(data: Uint8Array, visit: (field: number, wireType: number, reader: Reader) => void): void {
  const reader = new Reader(data)
  while (!reader.done) {
    const key = reader.varint()
    visit(Math.floor(key / 8), key % 8, reader)
  }
}
