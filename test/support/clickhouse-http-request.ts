import type { IncomingHttpHeaders } from 'node:http'
import { notImplemented } from './clickhouse-http-errors.js'

/**
 * One request of ClickHouse's HTTP interface, as @clickhouse/client sends it, taken apart:
 * - the SQL in the `query` URL parameter and/or the body (an insert keeps the statement in the URL
 *   and streams its data as the body);
 * - `param_<name>` values for `{name:Type}` placeholders, in the client's escaped text form;
 * - `database`, `default_format`, and every other URL parameter that is not the HTTP layer's own
 *   as a ClickHouse setting;
 * - credentials from Basic auth, `X-ClickHouse-User`/`X-ClickHouse-Key`, or `user`/`password`.
 */
export interface ParsedRequest {
  /** The statement to run; for an insert with a body, the `INSERT … FORMAT X` part only. */
  sql: string
  /** Set when the body is an insert's data (the statement came in the URL). */
  insert?: InsertStatement & { data: Buffer }
  /** Placeholder values, unescaped (`null` for `\N`). */
  params: Record<string, string | null>
  settings: Record<string, string>
  database: string
  defaultFormat: string
  /** `enable_http_compression=1`: compress the response if Accept-Encoding allows. */
  compressionEnabled: boolean
  user: string
  password: string
}

export interface InsertStatement {
  /** As written: `db`.`table`, table, … */
  table: string
  /** The column list as written (without the parentheses), if any. */
  columns: string | undefined
  format: string
}

/** URL parameters that belong to the HTTP layer, not to the query's settings. */
const HTTP_LAYER_PARAMETERS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'role',
  'buffer_size',
  'wait_end_of_query',
  'compress',
  'decompress',
  'stacktrace',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_buffer_size',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'http_native_compression_disable_checksumming_on_decompress',
])

export function parseRequest(method: string, url: URL, headers: IncomingHttpHeaders, body: Buffer): ParsedRequest {
  if (String(headers['content-type'] ?? '').startsWith('multipart/form-data')) {
    throw notImplemented('multipart/form-data query parameters are not supported by this test fixture')
  }
  const search = url.searchParams
  const params: Record<string, string | null> = {}
  const settings: Record<string, string> = {}
  for (const [name, value] of search) {
    if (name.startsWith('param_')) params[name.slice('param_'.length)] = unescapeParameter(value)
    else if (!HTTP_LAYER_PARAMETERS.has(name)) settings[name] = value
  }
  const urlQuery = search.get('query') ?? ''
  const { user, password } = credentials(headers, search)
  const base = {
    params,
    settings,
    database: search.get('database') || 'default',
    defaultFormat: search.get('default_format') || 'TabSeparated',
    compressionEnabled: search.get('enable_http_compression') === '1',
    user,
    password,
  }
  const insert = method === 'POST' && urlQuery ? parseInsertWithFormat(urlQuery) : undefined
  if (insert) return { ...base, sql: urlQuery, insert: { ...insert, data: body } }
  // Otherwise the URL holds the beginning of the statement and the body the rest (ClickHouse's rule).
  const sql = [urlQuery, method === 'POST' ? body.toString('utf8') : ''].filter((part) => part.length > 0).join('\n')
  return { ...base, sql }
}

const IDENTIFIER = String.raw`(?:\x60(?:[^\x60\\]|\\.)*\x60|[A-Za-z_][A-Za-z0-9_]*)`
const INSERT_WITH_FORMAT = new RegExp(
  String.raw`^\s*INSERT\s+INTO\s+(?:TABLE\s+)?(?<table>${IDENTIFIER}(?:\s*\.\s*${IDENTIFIER})?)\s*` +
    String.raw`(?:\((?<columns>(?:\x60(?:[^\x60\\]|\\.)*\x60|[^()\x60])*)\))?\s*FORMAT\s+(?<format>[A-Za-z0-9_]+)\s*;?\s*$`,
  's',
)

/** `INSERT INTO t [(cols)] FORMAT X` with nothing after the format: the data is the body. */
export function parseInsertWithFormat(sql: string): InsertStatement | undefined {
  const match = INSERT_WITH_FORMAT.exec(sql)
  if (!match?.groups) return undefined
  return { table: match.groups.table!, columns: match.groups.columns?.trim() || undefined, format: match.groups.format! }
}

/**
 * The client writes a parameter in ClickHouse's escaped text form (`\t`, `\n`, `\\`, `\'`; `\N` is
 * NULL); the engine's bind API takes the plain value and escapes it itself.
 */
export function unescapeParameter(value: string): string | null {
  if (value === '\\N') return null
  const escapes: Record<string, string> = { t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f', a: '\x07', v: '\v' }
  return value.replace(/\\(.)/gs, (_, c: string) => escapes[c] ?? c)
}

/** `{name:Type}` placeholders of a statement, by name. */
export function placeholderTypes(sql: string): Map<string, string> {
  const types = new Map<string, string>()
  for (const match of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}/g)) types.set(match[1]!, match[2]!)
  return types
}

function credentials(headers: IncomingHttpHeaders, search: URLSearchParams): { user: string; password: string } {
  const authorization = headers.authorization
  if (typeof authorization === 'string' && /^Basic\s+/i.test(authorization)) {
    const decoded = Buffer.from(authorization.replace(/^Basic\s+/i, ''), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
  }
  const headerUser = headers['x-clickhouse-user']
  if (typeof headerUser === 'string') {
    const key = headers['x-clickhouse-key']
    return { user: headerUser, password: typeof key === 'string' ? key : '' }
  }
  return { user: search.get('user') ?? 'default', password: search.get('password') ?? '' }
}
