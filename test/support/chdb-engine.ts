import { randomUUID } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fromEngineError, notImplemented, unknownSetting } from './clickhouse-http-errors.js'
import { placeholderTypes, type InsertStatement, type ParsedRequest } from './clickhouse-http-request.js'

// chdb is a dependency of @aims-monitor/store, not of the workspace root: resolve it from there
// (the same file the store loads, so one native engine per process).
const requireFromStore = createRequire(fileURLToPath(new URL('../../packages/store/package.json', import.meta.url)))

interface ChdbResult {
  readonly rowsRead: number
  readonly bytesRead: number
  readonly elapsed: number
  bytes(): Uint8Array
  text(): string
}
interface ChdbSession {
  queryAsync(query: string, opts?: { format?: string }): Promise<ChdbResult>
  queryBindAsync(query: string, params: object, opts?: { format?: string }): Promise<ChdbResult>
  close(): void
}
interface ChdbModule {
  Session: new (path: string) => ChdbSession
  version(): { libchdb: string }
}

export const chdb = requireFromStore('chdb') as ChdbModule

/** Text formats the engine parses inline after the statement, applying the table's DEFAULTs. */
const INLINE_INSERT_FORMATS = new Set([
  'JSONEachRow',
  'JSONStringsEachRow',
  'JSONCompactEachRow',
  'JSONCompactStringsEachRow',
  'JSONCompactEachRowWithNames',
  'JSONCompactEachRowWithNamesAndTypes',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TabSeparated',
  'TSVWithNames',
  'TabSeparatedWithNames',
  'Values',
])

/** What the engine needs of a parsed request (the HTTP-only parts left out). */
export type ExecuteRequest = Pick<ParsedRequest, 'sql' | 'insert' | 'params' | 'settings' | 'database' | 'defaultFormat'>

export interface ExecuteResult {
  body: Buffer
  format: string
  rowsRead: number
  bytesRead: number
  elapsedNs: number
}

/**
 * A chDB session run the way a server runs queries for HTTP requests: each request in its own
 * database and settings. A chDB session keeps `USE` and `SET` for the queries after, so requests
 * run one at a time, each starting with `USE` and ending by putting its settings back to DEFAULT
 * (a leftover `insert_deduplication_token` would silently drop the next insert).
 */
export class ChdbEngine {
  private readonly session: ChdbSession
  private tail: Promise<unknown> = Promise.resolve()
  private knownSettings: Set<string> | undefined
  readonly version: string

  constructor(dataDir: string) {
    this.session = new chdb.Session(dataDir)
    this.version = chdb.version().libchdb
  }

  async execute(request: ExecuteRequest): Promise<ExecuteResult> {
    return this.exclusive(async () => {
      const known = await this.settingNames()
      for (const name of Object.keys(request.settings)) if (!known.has(name)) throw unknownSetting(name)
      const names = Object.keys(request.settings)
      try {
        await this.run(`USE ${quoteIdentifier(request.database)}`)
        if (names.length > 0) await this.run(`SET ${names.map((n) => `${n} = ${quoteString(request.settings[n]!)}`).join(', ')}`)
        const started = process.hrtime.bigint()
        const result = request.insert ? await this.insert(request.insert, request.params) : await this.query(request.sql, request.params, request.defaultFormat)
        return {
          body: Buffer.from(result.bytes()),
          format: /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(request.sql)?.[1] ?? request.defaultFormat,
          rowsRead: result.rowsRead,
          bytesRead: result.bytesRead,
          elapsedNs: Number(process.hrtime.bigint() - started),
        }
      } finally {
        if (names.length > 0) await this.run(`SET ${names.map((n) => `${n} = DEFAULT`).join(', ')}`)
      }
    })
  }

  /** For test assertions: rows of `sql` as JSON objects, in database `default`, no settings. */
  async rows<T = Record<string, unknown>>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return this.exclusive(async () => {
      await this.run('USE default')
      const result = await (Object.keys(params).length > 0
        ? this.session.queryBindAsync(sql, params, { format: 'JSONEachRow' })
        : this.session.queryAsync(sql, { format: 'JSONEachRow' }))
      return result
        .text()
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as T)
    })
  }

  close(): void {
    this.session.close()
  }

  private async query(sql: string, params: Record<string, string | null>, format: string): Promise<ChdbResult> {
    if (Object.keys(params).length === 0) return this.run(sql, format)
    for (const [name, type] of placeholderTypes(sql)) {
      // The client sends composite values (arrays, tuples, maps) as SQL literals, which the engine's
      // bind API would escape a second time: no caller here uses them, so refuse rather than guess.
      if (name in params && /^(?:Nullable\()?(?:Array|Tuple|Map|Nested)\(/.test(type)) {
        throw notImplemented(`parameter {${name}:${type}}: this test fixture binds scalar parameters only`)
      }
    }
    try {
      return await this.session.queryBindAsync(sql, params, { format })
    } catch (error) {
      throw fromEngineError(error)
    }
  }

  /**
   * Text formats go inline after the statement, as a server parses them (table DEFAULTs apply to
   * omitted fields). Binary formats (RowBinary, Native…) cannot travel in SQL text: the body goes
   * to a file that `INSERT … SELECT FROM file()` reads with the target columns' structure.
   */
  private async insert(insert: InsertStatement & { data: Buffer }, params: Record<string, string | null>): Promise<ChdbResult> {
    const target = `INSERT INTO ${insert.table}${insert.columns ? ` (${insert.columns})` : ''}`
    if (insert.data.length === 0) return this.run('SELECT 1 WHERE 0') // a server inserts nothing; the engine would complain
    if (INLINE_INSERT_FORMATS.has(insert.format)) return this.run(`${target} FORMAT ${insert.format}\n${insert.data.toString('utf8')}`)
    const structure = await this.structure(insert)
    const file = path.join(tmpdir(), `aims-ch-fixture-${randomUUID()}.bin`)
    await writeFile(file, insert.data)
    try {
      return await this.session.queryBindAsync(
        `${target} SELECT * FROM file({__fixture_file:String}, {__fixture_format:String}, {__fixture_structure:String})`,
        { ...params, __fixture_file: file, __fixture_format: insert.format, __fixture_structure: structure },
        { format: 'TabSeparated' },
      )
    } catch (error) {
      throw fromEngineError(error)
    } finally {
      await rm(file, { force: true })
    }
  }

  /** `name Type, …` of the insert's target columns, in the insert's order. */
  private async structure(insert: InsertStatement): Promise<string> {
    const describe = insert.columns ? `DESCRIBE (SELECT ${insert.columns} FROM ${insert.table})` : `DESCRIBE TABLE ${insert.table}`
    const columns = (await this.run(describe, 'JSONEachRow'))
      .text()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { name: string; type: string; default_type: string })
      .filter((c) => !['MATERIALIZED', 'ALIAS', 'EPHEMERAL'].includes(c.default_type))
    return columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ')
  }

  private async settingNames(): Promise<Set<string>> {
    if (!this.knownSettings) {
      const text = (await this.run('SELECT name FROM system.settings', 'TabSeparatedRaw')).text()
      this.knownSettings = new Set(text.split('\n').filter((line) => line.length > 0))
    }
    return this.knownSettings
  }

  private async run(sql: string, format = 'TabSeparated'): Promise<ChdbResult> {
    try {
      return await this.session.queryAsync(sql, { format })
    } catch (error) {
      throw fromEngineError(error)
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }
}

function quoteIdentifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`'
}

function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'"
}
