import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { Store } from './open-store.js'
import { insertRows, queryRows, type BoundValue } from './bound-rows.js'

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
  /** The first MAX_PROBLEMS_LISTED problems, in the order found (a mass edit must not make verification itself fail). */
  readonly problems: readonly { readonly seq: number; readonly problem: string }[]
  /** Every problem found, listed or not. */
  readonly problemCount: number
}

/** What a verification checks besides the links themselves. */
export interface VerifyOptions {
  /** Filter columns read with each link (SQL select items), handed to checkRow. */
  readonly extraColumns?: string
  /** Problems of one row: its filter columns against its parsed record. */
  readonly checkRow?: (row: Record<string, unknown>, record: unknown) => string[]
  readonly pageSize?: number
  /** Problems found by a statement of their own (a table's uniqueness rules), after the walk. */
  readonly extraProblems?: () => Promise<{ seq: number; problem: string }[]>
  /**
   * Heads taken earlier and kept elsewhere (the evidence report, `aims verify` print them): the link
   * at each seq must still have that hash, and the chain must still reach it. What a chain alone
   * cannot show — a rewrite of everything after some record, the deletion of its newest records —
   * shows against an anchor.
   */
  readonly anchors?: readonly ChainAnchor[]
}

/** A link's seq and hash, as printed by a verification (`headSeq`, `headHash`). */
export interface ChainAnchor {
  readonly seq: number
  readonly hash: string
}

/** Problems listed by a verification at most; the rest are counted. */
export const MAX_PROBLEMS_LISTED = 1000

const MAX_APPEND_ATTEMPTS = 50
/** How long the link a writer appended is taken as the head without reading it (one evaluation batch). */
const LAST_APPENDED_TRUST_MS = 10_000
/**
 * At most this much record text in one appended block (a single record may be longer): its values
 * travel as query parameters, percent-encoded in the URL of an HTTP request to a ClickHouse server,
 * which takes up to 1 MiB there (http_max_uri_size); JSON grows by up to ~3× when encoded.
 */
const MAX_GROUP_RECORD_CHARS = 128 * 1024
const MAX_GROUP_RECORDS = 500

/** Looks up links already stored under idempotency keys, in one statement for many keys. */
export type FindLinksByKey = (keys: readonly string[]) => Promise<ReadonlyMap<string, ChainLink>>

interface PendingAppend {
  readonly record: string
  readonly columns: Record<string, BoundValue>
  readonly key: string | undefined
  readonly resolve: (link: ChainLink) => void
  readonly reject: (error: unknown) => void
}

/**
 * An append-only, hash-chained table: columns `seq UInt64`, `record String` (canonical JSON),
 * `prev_hash`, `hash` (FixedString(64)), plus the table's own filter columns.
 *
 * Appends are serialised inside the process and committed in groups: records appended while the
 * previous group is being written go together as the next group, in the order they were appended,
 * as ONE inserted block of consecutive seqs (insertRows). Across processes, by optimistic
 * concurrency on `seq`: a block starting at seq n carries the deduplication token `<prefix>-seq-n`,
 * so of two writers starting at the same seq the engine keeps one block; each reads its seqs back,
 * and the one whose records are not there retries on top of the winner's. Every block starts right
 * after a head some writer read (the last seq of a landed block), so two blocks that would overlap
 * start at the same seq and one is dropped. (Tables need non_replicated_deduplication_window on a
 * single node; Replicated* de-duplicate by default. The table must not be partitioned: a block
 * must land as one part, all or nothing.)
 *
 * The embedded engine runs one statement at a time, so each statement costs its full latency: an
 * evaluation batch of 20 records took 60 statements appended one by one (existence check, insert,
 * read-back: ~0.45 s on the evaluator bench), and takes 3-4 in groups.
 */
export class HashChain {
  private readonly pending: PendingAppend[] = []
  private writing = false
  /** The link this writer appended last (a guess at the head, checked by the read-back). */
  private lastAppended: { seq: number; hash: string; at: number } | null = null

  /**
   * @param findByKey looks up records already stored under the keys given to {@link append}
   *   (idempotent appends); without it, keys are not checked.
   */
  constructor(private readonly store: Store, readonly table: string, private readonly tokenPrefix: string, private readonly findByKey?: FindLinksByKey) {}

  /**
   * Appends `record` (canonical JSON) with the filter columns `columns` and returns its link. With a
   * `key`, a record already stored under it (found by the constructor's `findByKey`, or appended
   * earlier in the same group) is returned instead, and nothing is appended.
   * The record is queued at once, synchronously: appends keep the order of the calls.
   */
  append(record: string, columns: Record<string, BoundValue>, key?: string): Promise<ChainLink> {
    return new Promise<ChainLink>((resolve, reject) => {
      this.pending.push({ record, columns, key, resolve, reject })
      if (!this.writing) {
        this.writing = true
        // A microtask later: appends made in the same turn go in the first group too.
        queueMicrotask(() => void this.writeGroups())
      }
    })
  }

  private async writeGroups(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const group = this.takeGroup()
        try {
          const links = await this.appendGroup(group)
          group.forEach((item, i) => item.resolve(links[i]!))
        } catch (error) {
          for (const item of group) item.reject(error)
        }
      }
    } finally {
      this.writing = false
    }
  }

  private takeGroup(): PendingAppend[] {
    let chars = 0
    let count = 0
    while (count < this.pending.length && count < MAX_GROUP_RECORDS) {
      chars += this.pending[count]!.record.length
      if (count > 0 && chars > MAX_GROUP_RECORD_CHARS) break
      count++
    }
    return this.pending.splice(0, count)
  }

  /** Appends a group as one block (records already stored under their key are returned instead). */
  private async appendGroup(group: readonly PendingAppend[]): Promise<ChainLink[]> {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const keys = [...new Set(group.flatMap((item) => (item.key === undefined ? [] : [item.key])))]
      const stored = this.findByKey && keys.length > 0 ? await this.findByKey(keys) : new Map<string, ChainLink>()
      // Each item is either a stored link, or the index of the new record (in `fresh`) it becomes.
      const placed: (ChainLink | number)[] = []
      const fresh: PendingAppend[] = []
      const freshByKey = new Map<string, number>()
      for (const item of group) {
        const found = item.key === undefined ? undefined : (stored.get(item.key) ?? freshByKey.get(item.key))
        if (found !== undefined) { placed.push(found); continue }
        if (item.key !== undefined) freshByKey.set(item.key, fresh.length)
        placed.push(fresh.length)
        fresh.push(item)
      }
      if (fresh.length === 0) return placed as ChainLink[]
      // The link this writer appended a moment ago is the head unless another writer appended since:
      // then the block below starts at a taken seq (its token already seen) and is dropped, the
      // read-back differs, and the next attempt reads the real head. Only a recent one: the tokens are
      // remembered for the table's last 100,000 inserts, and a guess must never outlive its seq's token.
      const recent = this.lastAppended !== null && Date.now() - this.lastAppended.at < LAST_APPENDED_TRUST_MS ? this.lastAppended : null
      const head = recent ?? (await this.head())
      this.lastAppended = null
      const first = head ? head.seq + 1 : 1
      let prevHash = head ? head.hash : GENESIS_HASH
      const links: ChainLink[] = fresh.map((item, i) => {
        const link = { seq: first + i, record: item.record, prevHash, hash: chainHash(prevHash, item.record) }
        prevHash = link.hash
        return link
      })
      await insertRows(this.store, this.table, links.map((link, i) => ({
        seq: { type: 'UInt64', value: link.seq },
        ...fresh[i]!.columns,
        record: { type: 'String', value: link.record },
        prev_hash: { type: 'FixedString(64)', value: link.prevHash },
        hash: { type: 'FixedString(64)', value: link.hash },
      })), `${this.tokenPrefix}-seq-${first}`)
      const landed = await this.bySeqRange(first, first + links.length - 1)
      const ours = links.filter((link, i) => landed[i]?.seq === link.seq && landed[i]!.hash === link.hash && landed[i]!.record === link.record).length
      if (ours === links.length) {
        const last = links[links.length - 1]!
        this.lastAppended = { seq: last.seq, hash: last.hash, at: Date.now() }
        return placed.map((p) => (typeof p === 'number' ? links[p]! : p))
      }
      if (ours > 0) {
        // A block lands whole or not at all; a part of it there means the table breaks that (it is
        // partitioned, or a block was split): nothing above it can be trusted to chain.
        throw new Error(`${this.table}: only ${ours} of the ${links.length} records appended at seq ${first} landed; the table must keep an inserted block whole`)
      }
      // Another writer took seq `first` first: go again on top of its records.
    }
    throw new Error(`could not append to ${this.table} after ${MAX_APPEND_ATTEMPTS} attempts (the chain is contended)`)
  }

  async head(): Promise<{ seq: number; hash: string } | null> {
    const rows = await queryRows<{ seq: string; hash: string }>(this.store, { query: `SELECT seq, hash FROM ${this.store.table(this.table)} ORDER BY seq DESC LIMIT 1` })
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null
  }

  async bySeq(seq: number): Promise<ChainLink | null> {
    return (await this.bySeqRange(seq, seq))[0] ?? null
  }

  /** The links with seq in [from, to], in seq order (the first row of a seq, should one be there twice). */
  async bySeqRange(from: number, to: number): Promise<ChainLink[]> {
    const rows = await queryRows<{ seq: string; record: string; prev_hash: string; hash: string }>(this.store, {
      query: `SELECT seq, record, prev_hash, hash FROM ${this.store.table(this.table)} WHERE seq >= {from:UInt64} AND seq <= {to:UInt64}
              ORDER BY seq LIMIT 1 BY seq`,
      params: { from, to },
    })
    return rows.map((row) => ({ seq: Number(row.seq), record: row.record, prevHash: row.prev_hash, hash: row.hash }))
  }

  /**
   * Recomputes the whole chain from the genesis, in pages (memory stays flat): every seq present
   * once and in order, every `prev_hash` equal to the previous `hash`, every `hash` recomputed from
   * the stored record, and `checkRow` (the table's filter columns against its record) clean.
   */
  async verify(options: VerifyOptions = {}): Promise<ChainVerification> {
    const pageSize = options.pageSize ?? 5000
    const problems: { seq: number; problem: string }[] = []
    let problemCount = 0
    let firstBroken: number | null = null
    const report = (seq: number, problem: string) => {
      problemCount++
      if (firstBroken === null || seq < firstBroken) firstBroken = seq
      if (problems.length < MAX_PROBLEMS_LISTED) problems.push({ seq, problem })
    }
    const anchors = new Map((options.anchors ?? []).map((a) => [a.seq, a.hash.toLowerCase()]))
    let expectedSeq = 1
    let previousHash = GENESIS_HASH
    let checked = 0
    // The first page reads from seq 0: a row below the genesis is read first by every reader that
    // orders by seq, so it must not escape the check.
    let from = 0
    for (;;) {
      // WITH TIES: a page never ends between two rows of one seq, or the second would never be read.
      const rows = await queryRows<Record<string, unknown> & { seq: string; record: string; prev_hash: string; hash: string }>(this.store, {
        query: `SELECT seq, record, prev_hash, hash${options.extraColumns ? `, ${options.extraColumns}` : ''}
                FROM ${this.store.table(this.table)} WHERE seq >= {from:UInt64} ORDER BY seq LIMIT {limit:UInt32} WITH TIES`,
        params: { from, limit: pageSize },
      })
      if (rows.length === 0) break
      for (const row of rows) {
        const seq = Number(row.seq)
        if (seq < 1) {
          report(seq, `seq ${seq} is below the first record's (1): a record placed before the chain`)
          continue
        }
        if (seq < expectedSeq) {
          report(seq, `seq ${seq} appears more than once`)
          continue
        }
        if (seq !== expectedSeq) report(seq, `records ${expectedSeq}..${seq - 1} are missing`)
        if (row.prev_hash !== previousHash) report(seq, "prev_hash does not match the previous record's hash")
        if (chainHash(row.prev_hash, row.record) !== row.hash) report(seq, 'hash does not match the stored record (the record was altered)')
        const anchored = anchors.get(seq)
        if (anchored !== undefined && anchored !== row.hash) report(seq, `hash differs from the anchored ${anchored} (the chain was rewritten from here or before)`)
        if (options.checkRow) {
          let record: unknown
          try {
            record = JSON.parse(row.record)
          } catch {
            report(seq, 'the stored record is not JSON')
            record = undefined
          }
          if (record !== undefined) for (const problem of options.checkRow(row, record)) report(seq, problem)
        }
        previousHash = row.hash
        expectedSeq = seq + 1
        checked++
      }
      from = Number(rows[rows.length - 1]!.seq) + 1
      if (rows.length < pageSize) break
    }
    for (const { seq, problem } of (await options.extraProblems?.()) ?? []) report(seq, problem)
    const head = checked ? expectedSeq - 1 : 0
    for (const seq of anchors.keys()) {
      // Deleting the newest records leaves a chain that verifies: only an anchor past its end shows it.
      if (seq > head) report(seq, `the chain ends at #${head}, before the anchored record #${seq} (records were deleted)`)
    }
    return {
      table: this.table, ok: problemCount === 0, checked, headSeq: checked ? expectedSeq - 1 : null, headHash: previousHash,
      firstBroken, problems, problemCount,
    }
  }
}

/** A filter column that must equal a field of the record (an edit of the column alone is tampering too). */
export function columnMismatch(column: string, stored: unknown, inRecord: unknown): string[] {
  return String(stored) === String(inRecord) ? [] : [`column ${column} (${String(stored)}) differs from the record (${String(inRecord)})`]
}
