import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { Store } from './open-store.js'
import { insertRow, queryRows, type BoundValue } from './bound-rows.js'

/** The previous hash of the first link. */
export const GENESIS_HASH = '0'.repeat(64)

/** RFC 8785 canonical JSON (what chained records are stored and hashed as). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value)
  if (text === undefined) throw new TypeError('canonicalJson: value has no JSON form')
  return text
}

/**
 * A link: sha256 over the previous link's hash, a newline and the record's canonical JSON, in hex.
 * Changing a stored record, or removing or reordering one, breaks every later link.
 */
export function chainHash(previousHash: string, canonicalRecord: string): string {
  return createHash('sha256').update(previousHash).update('\n').update(canonicalRecord).digest('hex')
}

/** A stored link. */
export interface ChainLink {
  readonly seq: number
  readonly record: string
  readonly prevHash: string
  readonly hash: string
}

/** What a verification found: `firstBroken` is the first record an auditor should look at. */
export interface ChainVerification {
  readonly table: string
  readonly ok: boolean
  readonly checked: number
  readonly headSeq: number | null
  readonly headHash: string
  readonly firstBroken: number | null
  readonly problems: readonly { readonly seq: number; readonly problem: string }[]
}

const MAX_APPEND_ATTEMPTS = 50
/** How long the link a writer appended is taken as the head without reading it (one evaluation batch). */
const LAST_APPENDED_TRUST_MS = 10_000

/**
 * An append-only, hash-chained table: columns `seq UInt64`, `record String` (canonical JSON),
 * `prev_hash`, `hash` (FixedString(64)), plus the table's own filter columns.
 *
 * Appends are serialised inside the process, and across processes by optimistic concurrency on
 * `seq`: the row for seq n is inserted with the deduplication token `<prefix>-seq-n`, so of two
 * writers appending at once the engine keeps one block; each reads seq n back, and the one whose
 * record is not there retries on top of the winner's hash. (Tables need
 * non_replicated_deduplication_window on a single node; Replicated* de-duplicate by default.)
 */
export class HashChain {
  private tail: Promise<unknown> = Promise.resolve()
  /** The link this writer appended last (a guess at the head, checked by the read-back). */
  private lastAppended: { seq: number; hash: string; at: number } | null = null

  constructor(private readonly store: Store, readonly table: string, private readonly tokenPrefix: string) {}

  /**
   * Appends `record` (canonical JSON) with the filter columns `columns`, unless `existing()` finds
   * it already stored (idempotent appends), and returns its link.
   */
  append(record: string, columns: Record<string, BoundValue>, existing?: () => Promise<ChainLink | null>): Promise<ChainLink> {
    const next = this.tail.then(() => this.appendNow(record, columns, existing))
    this.tail = next.catch(() => undefined)
    return next
  }

  private async appendNow(record: string, columns: Record<string, BoundValue>, existing?: () => Promise<ChainLink | null>): Promise<ChainLink> {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const found = existing ? await existing() : null
      if (found) return found
      // The link this writer appended a moment ago is the head unless another writer appended since:
      // then the insert below lands on a taken seq (its token already seen), the read-back differs,
      // and the next attempt reads the real head. Only a recent one: the tokens are remembered for
      // the table's last 100,000 inserts, and a guess must never outlive its seq's token.
      const recent = this.lastAppended !== null && Date.now() - this.lastAppended.at < LAST_APPENDED_TRUST_MS ? this.lastAppended : null
      const head = recent ?? (await this.head())
      this.lastAppended = null
      const seq = head ? head.seq + 1 : 1
      const prevHash = head ? head.hash : GENESIS_HASH
      const hash = chainHash(prevHash, record)
      await insertRow(this.store, this.table, {
        seq: { type: 'UInt64', value: seq },
        ...columns,
        record: { type: 'String', value: record },
        prev_hash: { type: 'FixedString(64)', value: prevHash },
        hash: { type: 'FixedString(64)', value: hash },
      }, `${this.tokenPrefix}-seq-${seq}`)
      const landed = await this.bySeq(seq)
      if (landed && landed.hash === hash && landed.record === record) {
        this.lastAppended = { seq: landed.seq, hash: landed.hash, at: Date.now() }
        return landed
      }
      // Another writer took this seq first: go again on top of its record.
    }
    throw new Error(`could not append to ${this.table} after ${MAX_APPEND_ATTEMPTS} attempts (the chain is contended)`)
  }

  async head(): Promise<{ seq: number; hash: string } | null> {
    const rows = await queryRows<{ seq: string; hash: string }>(this.store, { query: `SELECT seq, hash FROM ${this.store.table(this.table)} ORDER BY seq DESC LIMIT 1` })
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null
  }

  async bySeq(seq: number): Promise<ChainLink | null> {
    const rows = await queryRows<{ seq: string; record: string; prev_hash: string; hash: string }>(this.store, {
      query: `SELECT seq, record, prev_hash, hash FROM ${this.store.table(this.table)} WHERE seq = {seq:UInt64} LIMIT 1`,
      params: { seq },
    })
    const row = rows[0]
    return row ? { seq: Number(row.seq), record: row.record, prevHash: row.prev_hash, hash: row.hash } : null
  }

  /**
   * Recomputes the whole chain from the genesis, in pages (memory stays flat): every seq present
   * once and in order, every `prev_hash` equal to the previous `hash`, every `hash` recomputed from
   * the stored record, and `checkRow` (the table's filter columns against its record) clean.
   */
  async verify(options: { extraColumns?: string; checkRow?: (row: Record<string, unknown>, record: unknown) => string[]; pageSize?: number } = {}): Promise<ChainVerification> {
    const pageSize = options.pageSize ?? 5000
    const problems: { seq: number; problem: string }[] = []
    let expectedSeq = 1
    let previousHash = GENESIS_HASH
    let checked = 0
    for (;;) {
      const rows = await queryRows<Record<string, unknown> & { seq: string; record: string; prev_hash: string; hash: string }>(this.store, {
        query: `SELECT seq, record, prev_hash, hash${options.extraColumns ? `, ${options.extraColumns}` : ''}
                FROM ${this.store.table(this.table)} WHERE seq >= {from:UInt64} ORDER BY seq LIMIT {limit:UInt32}`,
        params: { from: expectedSeq, limit: pageSize },
      })
      if (rows.length === 0) break
      for (const row of rows) {
        const seq = Number(row.seq)
        if (seq < expectedSeq) {
          problems.push({ seq, problem: `seq ${seq} appears more than once` })
          continue
        }
        if (seq !== expectedSeq) problems.push({ seq, problem: `records ${expectedSeq}..${seq - 1} are missing` })
        if (row.prev_hash !== previousHash) problems.push({ seq, problem: "prev_hash does not match the previous record's hash" })
        if (chainHash(row.prev_hash, row.record) !== row.hash) problems.push({ seq, problem: 'hash does not match the stored record (the record was altered)' })
        if (options.checkRow) {
          let record: unknown
          try {
            record = JSON.parse(row.record)
          } catch {
            problems.push({ seq, problem: 'the stored record is not JSON' })
            record = undefined
          }
          if (record !== undefined) for (const problem of options.checkRow(row, record)) problems.push({ seq, problem })
        }
        previousHash = row.hash
        expectedSeq = seq + 1
        checked++
      }
      if (rows.length < pageSize) break
    }
    return {
      table: this.table, ok: problems.length === 0, checked, headSeq: checked ? expectedSeq - 1 : null, headHash: previousHash,
      firstBroken: problems.length ? Math.min(...problems.map((p) => p.seq)) : null, problems,
    }
  }
}

/** A filter column that must equal a field of the record (an edit of the column alone is tampering too). */
export function columnMismatch(column: string, stored: unknown, inRecord: unknown): string[] {
  return String(stored) === String(inRecord) ? [] : [`column ${column} (${String(stored)}) differs from the record (${String(inRecord)})`]
}
