// Tools for attacking the stored evidence the way an insider with database access could, and an
// auditor's independent re-check of an export. The attacker's and the auditor's hashing and
// canonical JSON are written here from RFC 8785 and node:crypto, not imported from the product:
// an attacker does not need the product's code, and "anyone can redo it with any JCS
// implementation" (docs/evidence.md) is only true if an independent implementation agrees.
import { createHash } from 'node:crypto'
import { spawn } from 'node:child_process'
import type { Store } from '@aims-monitor/store'
import { uuidFromKey, type EvaluationRecord } from '@aims-monitor/evaluator'
import { childEnv, REPO_ROOT } from './spawn-collector.js'

export const ZERO_HASH = '0'.repeat(64)

/** sha256(prev || "\n" || record) in hex: the link as docs/evidence.md defines it. */
export function linkHash(prevHash: string, record: string): string {
  return createHash('sha256').update(`${prevHash}\n${record}`, 'utf8').digest('hex')
}

/** RFC 8785 string escaping: the two-character escapes, \u00xx for other controls, everything else as is. */
function jcsString(s: string): string {
  const short: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', '"': '\\"', '\\': '\\\\' }
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    const code = s.charCodeAt(i)
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = s.charCodeAt(i + 1)
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw new TypeError(`lone surrogate at ${i}`)
      out += ch + s[i + 1]!
      i++
    } else if (short[ch] !== undefined) out += short[ch]
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return out + '"'
}

/** UTF-16 code-unit order of property names (RFC 8785 §3.2.3), spelled out rather than left to sort(). */
function byCodeUnits(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** An independent RFC 8785 serialiser (numbers by ECMAScript Number-to-String, as §3.2.2.3 says). */
export function independentJcs(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`)
    return Object.is(value, -0) ? '0' : String(value)
  }
  if (typeof value === 'string') return jcsString(value)
  if (Array.isArray(value)) return `[${value.map(independentJcs).join(',')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => byCodeUnits(a, b))
    return `{${entries.map(([k, v]) => `${jcsString(k)}:${independentJcs(v)}`).join(',')}}`
  }
  throw new TypeError(`${typeof value} has no JSON form`)
}

export interface ExportedLink {
  seq: number
  record: string
  prev_hash: string
  hash: string
}

/**
 * An auditor's re-check of an export (rows in any order): every record canonical by an independent
 * JCS, every link recomputed. Returns the problems it finds (empty when the export is intact).
 */
export function auditExport(rows: readonly ExportedLink[]): string[] {
  const problems: string[] = []
  let prev = ZERO_HASH
  const sorted = [...rows].sort((a, b) => a.seq - b.seq)
  sorted.forEach((row, i) => {
    if (row.seq !== i + 1) problems.push(`#${row.seq}: expected seq ${i + 1}`)
    if (row.prev_hash !== prev) problems.push(`#${row.seq}: prev_hash`)
    if (linkHash(row.prev_hash, row.record) !== row.hash) problems.push(`#${row.seq}: hash`)
    if (independentJcs(JSON.parse(row.record)) !== row.record) problems.push(`#${row.seq}: record is not canonical JSON`)
    prev = row.hash
  })
  return problems
}

/** The chain's rows as a `SELECT *` export gives them (64-bit integers arrive as strings). */
export async function exportChain(store: Store, table: 'evaluations' | 'audit_log'): Promise<ExportedLink[]> {
  const result = await store.client.query({ query: `SELECT seq, record, prev_hash, hash FROM ${store.table(table)} ORDER BY seq`, format: 'JSONEachRow' })
  return (await result.json<{ seq: string; record: string; prev_hash: string; hash: string }>()).map((r) => ({ ...r, seq: Number(r.seq) }))
}

/**
 * A store whose `evaluations` and `audit_log` are fresh, empty tables in a database of their own,
 * made `AS` the migrated ones (same columns, engine and settings): each attack starts from its own
 * chain on the one embedded store a test process may open.
 */
export async function isolatedChainStore(store: Store, name: string): Promise<Store> {
  const db = `tamper_${name}`
  await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${db}\`` })
  for (const t of ['evaluations', 'audit_log']) await store.client.command({ query: `CREATE TABLE \`${db}\`.\`${t}\` AS ${store.table(t)}` })
  return { ...store, table: (t: string) => `\`${db}\`.\`${t}\`` }
}

/** An insider's ALTER … UPDATE / DELETE, waited for. */
export async function mutate(store: Store, sql: string, params: Record<string, unknown> = {}): Promise<void> {
  await store.client.command({ query: `${sql} SETTINGS mutations_sync = 2`, query_params: params })
}

/**
 * An insider's INSERT of a copy of the row at `fromSeq`, with some columns replaced by SQL
 * expressions (`SELECT * REPLACE`): a forged or duplicated row with every other column as stored.
 */
export async function insertCopy(store: Store, table: 'evaluations' | 'audit_log', fromSeq: number, replace: Record<string, string>, params: Record<string, unknown> = {}): Promise<void> {
  const replaced = Object.entries(replace).map(([column, expr]) => `${expr} AS ${column}`).join(', ')
  await store.client.command({
    query: `INSERT INTO ${store.table(table)} SETTINGS insert_deduplicate = 0
            SELECT * ${replaced ? `REPLACE (${replaced})` : ''} FROM (SELECT * FROM ${store.table(table)} WHERE seq = {from_seq:UInt64} LIMIT 1)`,
    query_params: { ...params, from_seq: fromSeq },
  })
}

/**
 * The attacker's full rewrite from `fromSeq` on: each record through `edit` (on its parsed JSON,
 * written back canonical), every later link recomputed, the old rows deleted and the new inserted.
 */
export async function rewriteChain(store: Store, table: 'evaluations' | 'audit_log', fromSeq: number, edit: (seq: number, record: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const rows = await exportChain(store, table)
  let prev = rows.find((r) => r.seq === fromSeq - 1)?.hash ?? ZERO_HASH
  const forged = rows.filter((r) => r.seq >= fromSeq).map((r) => {
    const record = independentJcs(edit(r.seq, JSON.parse(r.record) as Record<string, unknown>))
    const link = { seq: r.seq, record, prev_hash: prev, hash: linkHash(prev, record) }
    prev = link.hash
    return link
  })
  // (A subquery: in the SELECT with REPLACE, a WHERE on a replaced column would see the new value.)
  // Columns other than the link's are copied from the old rows (the copy keeps filter columns consistent).
  await store.client.command({ query: `CREATE TABLE ${store.table(`${table}_forge`)} AS ${store.table(table)}` })
  await store.client.command({ query: `INSERT INTO ${store.table(`${table}_forge`)} SELECT * FROM ${store.table(table)} WHERE seq >= {from:UInt64}`, query_params: { from: fromSeq } })
  await mutate(store, `ALTER TABLE ${store.table(table)} DELETE WHERE seq >= {from:UInt64}`, { from: fromSeq })
  for (const link of forged) {
    await store.client.command({
      query: `INSERT INTO ${store.table(table)} SETTINGS insert_deduplicate = 0
              SELECT * REPLACE ({record:String} AS record, {prev:String} AS prev_hash, {hash:String} AS hash) FROM ${store.table(`${table}_forge`)} WHERE seq = {seq:UInt64}`,
      query_params: { record: link.record, prev: link.prev_hash, hash: link.hash, seq: link.seq },
    })
  }
  await store.client.command({ query: `DROP TABLE ${store.table(`${table}_forge`)}` })
}

const HOUR = 3_600_000
export const RECORD_EPOCH = Date.parse('2026-11-01T00:00:00.000Z')

/**
 * A realistic evaluation record (a fairness control's shape: groups with counts, rates and Wilson
 * intervals), for window `i` of control `CTRL-<i % 3>`; `patch` replaces top-level fields.
 */
export function evaluationRecord(i: number, patch: Partial<Record<keyof EvaluationRecord, unknown>> = {}): EvaluationRecord {
  const control = `CTRL-${i % 3}`
  const from = new Date(RECORD_EPOCH + i * HOUR).toISOString()
  const to = new Date(RECORD_EPOCH + (i + 1) * HOUR).toISOString()
  const key = `default/${control}/v1/${from}/${to}`
  const outcome = i % 4 === 3 ? 'breach' : 'pass'
  const record: EvaluationRecord = {
    schema: 'aims.evaluation/v1',
    id: uuidFromKey(key),
    key,
    project: 'default',
    model: { id: 'credit-risk', versions: ['1.4.0'], environment: 'production' },
    control: {
      id: control, version: 1, title: `Demographic parity ${control}`, severity: 'high', sha256: 'c'.repeat(64),
      references: { iso42001: ['A.7.4', '9.1'], euAiAct: ['Art. 10'], nistAiRmf: ['MEASURE 2.11'] },
    },
    policy: { name: 'tamper', version: 1, sha256: 'a'.repeat(64) },
    window: { type: 'tumbling', from, to, labelDelayMs: 0 },
    reference: { kind: 'none' },
    segment: {},
    metric: { kind: 'fairness', name: 'demographic_parity_difference', params: {}, implementation: '@aims-monitor/metrics (exact)' },
    value: outcome === 'breach' ? 0.31 : 0.04,
    pValue: null,
    thresholds: { direction: 'above', warn: 0.1, breach: 0.2, rationale: 'parity gap above 0.2 is a breach' },
    outcome,
    reason: outcome === 'breach' ? 'demographic parity difference 0.31 > 0.2' : 'demographic parity difference 0.04 ≤ 0.1',
    breakdown: { items: [{ name: 'A', count: 200, rate: 0.6, wilson: [0.531, 0.665] }, { name: 'B', count: 180, rate: outcome === 'breach' ? 0.29 : 0.56, wilson: [0.228, 0.361] }] },
    samples: { current: 380, reference: null, labelled: null, labelCoverage: null },
    excludedGroups: [{ group: 'C', size: 3, reason: 'below minPerGroup 30' }],
    guard: { minSample: 30, minPerGroup: 30, significance: null, multipleComparisons: 'none' },
    alerts: [],
    nonconformity: null,
    evaluatedAt: new Date(RECORD_EPOCH + (i + 1) * HOUR + 60_000).toISOString(),
    evaluatedBy: 'tamper-test/1',
    durationMs: 12,
  }
  return { ...record, ...patch } as EvaluationRecord
}

/**
 * Writes evaluation records and audit entries into the embedded store of `dataDir` from a child
 * process (chDB opens one data directory per process), through EvaluationRepository and AuditLog:
 * the product's own record writing. The records travel as JSON on stdin.
 */
export async function writeEvidenceInChild(dataDir: string, evidence: { records: readonly EvaluationRecord[]; audit: readonly { actor: string; action: string; target: string; details?: Record<string, unknown>; at?: number }[] }): Promise<void> {
  const script = `
    const { AuditLog, openStore, storeConfigFromEnv } = await import('@aims-monitor/store')
    const { EvaluationRepository } = await import('@aims-monitor/evaluator')
    let input = ''
    for await (const chunk of process.stdin) input += chunk
    const { records, audit } = JSON.parse(input)
    const store = await openStore(storeConfigFromEnv({}, { dataDir: process.env.E_DATA }))
    try {
      const evaluations = new EvaluationRepository(store)
      await Promise.all(records.map((r) => evaluations.append(r)))
      const log = new AuditLog(store)
      for (const entry of audit) await log.append({ project: 'default', ...entry })
    } finally {
      await store.close()
    }
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, env: childEnv({ E_DATA: dataDir }), stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  child.stdout.resume()
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>((resolve) => {
    child.once('close', (c) => resolve(c))
    child.stdin.end(JSON.stringify(evidence))
  })
  clearTimeout(timer)
  if (code !== 0) throw new Error(`writing evidence failed (exit ${code}): ${stderr}`)
}

/**
 * Stores `records` as an evaluations chain exactly as EvaluationRepository lays it out (canonical
 * record, links from the zero hash, filter columns copied from the record), in a few bulk inserts:
 * the repository appends at most 500 records per statement group, which takes about a minute for
 * 20,000 on the embedded engine, too slow for a test of the verifier. Returns the links.
 */
export async function plantEvaluationChain(store: Store, records: readonly EvaluationRecord[]): Promise<ExportedLink[]> {
  let prev = ZERO_HASH
  const links = records.map((r, i) => {
    const record = independentJcs(r)
    const link = { seq: i + 1, record, prev_hash: prev, hash: linkHash(prev, record) }
    prev = link.hash
    return link
  })
  const stage = store.table('evaluations_stage')
  await store.client.command({
    query: `CREATE TABLE ${stage} (seq UInt64, id String, evaluation_key String, project String, control_id String, control_version UInt32, model_id String,
            outcome String, wf Int64, wt Int64, ea Int64, record String, prev_hash String, hash String) ENGINE = Memory`,
  })
  const CHUNK = 2000
  for (let start = 0; start < links.length; start += CHUNK) {
    const rows = links.slice(start, start + CHUNK).map((link, j) => {
      const r = records[start + j]!
      return JSON.stringify({
        seq: link.seq, id: r.id, evaluation_key: r.key, project: r.project, control_id: r.control.id, control_version: r.control.version, model_id: r.model.id,
        outcome: r.outcome, wf: Date.parse(r.window.from), wt: Date.parse(r.window.to), ea: Date.parse(r.evaluatedAt), record: link.record, prev_hash: link.prev_hash, hash: link.hash,
      })
    })
    await store.client.command({ query: `INSERT INTO ${stage} FORMAT JSONEachRow\n${rows.join('\n')}` })
  }
  await store.client.command({
    query: `INSERT INTO ${store.table('evaluations')} (seq, id, evaluation_key, project, control_id, control_version, model_id, outcome, window_from, window_to, evaluated_at, record, prev_hash, hash)
            SELECT seq, toUUID(id), evaluation_key, project, control_id, control_version, model_id, outcome,
                   fromUnixTimestamp64Milli(wf), fromUnixTimestamp64Milli(wt), fromUnixTimestamp64Milli(ea), record, prev_hash, hash FROM ${stage} ORDER BY seq`,
  })
  await store.client.command({ query: `DROP TABLE ${stage}` })
  return links
}
