/**
 * The body is not an ExportLogsServiceRequest in the encoding its Content-Type names. OTLP/HTTP
 * answers it with 400 and a google.rpc.Status: the exporter must not retry the same bytes.
 */
export class OtlpDecodeError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'OtlpDecodeError'
  }
}
