/**
 * ClickHouse errors as the HTTP interface sends them: a `Code: N. DB::Exception: … (TYPE) (version …)`
 * body, the `X-ClickHouse-Exception-Code` header and the HTTP status the server derives from the code
 * (HTTPHandler's exceptionCodeToHTTPStatus, the codes a client can meet here). @clickhouse/client
 * parses that body into a ClickHouseError.
 */
export class ClickHouseHttpError extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(message)
    this.name = 'ClickHouseHttpError'
  }

  /** The body line: already in ClickHouse's own form when it came from the engine. */
  body(version: string): string {
    const text = /^Code: \d+\. DB::Exception: /.test(this.message) ? this.message : `Code: ${this.code}. DB::Exception: ${this.message}. (${this.type})`
    return `${text}${text.includes('(version ') ? '' : ` (version ${version})`}\n`
  }

  get httpStatus(): number {
    return HTTP_STATUS_BY_CODE.get(this.code) ?? 500
  }
}

const HTTP_STATUS_BY_CODE = new Map<number, number>([
  [194, 401], // REQUIRED_PASSWORD
  [192, 403], // UNKNOWN_USER
  [193, 403], // WRONG_PASSWORD
  [516, 403], // AUTHENTICATION_FAILED
  [497, 403], // ACCESS_DENIED
  [36, 400], // BAD_ARGUMENTS
  [62, 400], // SYNTAX_ERROR
  [115, 400], // UNKNOWN_SETTING
  [27, 400], // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  [60, 404], // UNKNOWN_TABLE
  [81, 404], // UNKNOWN_DATABASE
  [46, 404], // UNKNOWN_FUNCTION
  [48, 501], // NOT_IMPLEMENTED
])

export const authenticationFailed = (user: string) =>
  new ClickHouseHttpError(516, 'AUTHENTICATION_FAILED', `${user}: Authentication failed: password is incorrect, or there is no user with such name`)

export const unknownSetting = (name: string) => new ClickHouseHttpError(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`)

export const notImplemented = (what: string) => new ClickHouseHttpError(48, 'NOT_IMPLEMENTED', what)

/** What fault 'error500' answers: the transient error a replicated server gives while Keeper is away. */
export const injectedFailure = () =>
  new ClickHouseHttpError(999, 'KEEPER_EXCEPTION', 'Coordination::Exception: Connection loss (injected by the test fixture)')

/**
 * Turns an engine error (chDB throws `Code: N. DB::Exception: … (TYPE)` with `clickhouseCode`) into
 * the HTTP form; anything else (a bind error raised in JavaScript) becomes BAD_ARGUMENTS.
 */
export function fromEngineError(error: unknown): ClickHouseHttpError {
  if (error instanceof ClickHouseHttpError) return error
  const message = error instanceof Error ? error.message : String(error)
  const match = /Code: (\d+)\..*\((?<type>[A-Z0-9_]*[A-Z]{3}[A-Z0-9_]*)\)/s.exec(message)
  if (match) return new ClickHouseHttpError(Number(match[1]), match.groups!.type!, message.trim())
  return new ClickHouseHttpError(36, 'BAD_ARGUMENTS', message.trim())
}
