/**
 * An error that knows its HTTP answer. Thrown anywhere in a request; the one error handler turns it
 * into `{ error: { code, message, details? } }` with its status and headers.
 */
export class HttpError extends Error {
  readonly headers: Record<string, string>
  readonly details: unknown

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string>; details?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'HttpError'
    this.headers = options.headers ?? {}
    this.details = options.details
  }
}
