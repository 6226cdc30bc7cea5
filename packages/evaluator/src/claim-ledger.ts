import { createHash } from 'node:crypto'
import { epochMsToDateTime64Param } from '@aims-monitor/metrics'
import { insertRow, queryRows, type Store } from '@aims-monitor/store'

/** An attempt at a claim: its number, who holds it, since when. */
export interface ClaimAttempt {
  readonly attempt: number
  readonly claimant: string
  readonly claimedAt: number
}

/**
 * Where claims on evaluations are written and read (EvaluationClaims decides what to claim). One
 * rule for every implementation: of the inserts of the same (key, attempt), the first one holds it,
 * and every later insert of that pair is ignored, so each claimant reads back whose it was.
 */
export interface ClaimLedger {
  insert(key: string, attempt: number, claimant: string, claimedAt: number): Promise<void>
  /** The latest attempt of each key that has one, with the claimant who holds it. */
  latest(keys: readonly string[]): Promise<Map<string, ClaimAttempt>>
}

/**
 * The ledger a store's evaluators share. On a ClickHouse server (several collectors, each its own
 * process) it is the `evaluation_claims` table. An embedded store is one process's alone (the data
 * directory's lock refuses a second), so every evaluator of it runs in this process and the ledger
 * is kept in memory, per store: a claim costs no statement, where the table took an insert per key
 * (~6 ms each on the embedded engine, which runs one statement at a time: 20 controls' claims were
 * ~0.13 s of the evaluator bench). A claim of a process that died ends with it, as its lock does.
 */
export function claimLedgerFor(store: Store): ClaimLedger {
  if (store.mode !== 'embedded') return new ClickHouseClaimLedger(store)
  let ledger = inProcessLedgers.get(store)
  if (ledger === undefined) inProcessLedgers.set(store, (ledger = new InProcessClaimLedger()))
  return ledger
}

const inProcessLedgers = new WeakMap<Store, InProcessClaimLedger>()

/** Claims of the evaluators of one process (an embedded store). */
export class InProcessClaimLedger implements ClaimLedger {
  private readonly attempts = new Map<string, ClaimAttempt>()

  async insert(key: string, attempt: number, claimant: string, claimedAt: number): Promise<void> {
    const latest = this.attempts.get(key)
    if (latest === undefined || attempt > latest.attempt) this.attempts.set(key, { attempt, claimant, claimedAt })
  }

  async latest(keys: readonly string[]): Promise<Map<string, ClaimAttempt>> {
    const found = new Map<string, ClaimAttempt>()
    for (const key of keys) {
      const attempt = this.attempts.get(key)
      if (attempt !== undefined) found.set(key, attempt)
    }
    return found
  }
}

/**
 * Claims in the `evaluation_claims` table of a ClickHouse server. ClickHouse has no row locks; a
 * claim is an insert with a deduplication token made of the key and the attempt number, so that of
 * concurrent claims exactly one block lands (the engine drops blocks whose token it has seen).
 */
export class ClickHouseClaimLedger implements ClaimLedger {
  constructor(private readonly store: Store) {}

  async insert(key: string, attempt: number, claimant: string, claimedAt: number): Promise<void> {
    const token = `claim-${createHash('sha256').update(key).digest('hex').slice(0, 40)}-${attempt}`
    await insertRow(this.store, 'evaluation_claims', {
      claim_key: { type: 'String', value: key },
      attempt: { type: 'UInt32', value: attempt },
      claimant: { type: 'String', value: claimant },
      claimed_at: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(claimedAt, 'claimedAt') },
    }, token)
  }

  async latest(keys: readonly string[]): Promise<Map<string, ClaimAttempt>> {
    if (keys.length === 0) return new Map()
    // Scalar placeholders (array parameters are not bound by every ClickHouse front end). Of rows
    // with the same attempt (possible only once the deduplication window has moved on), the earliest wins.
    const params = Object.fromEntries(keys.map((key, i) => [`key_${i}`, key]))
    const rows = await queryRows<{ claim_key: string; attempt: number; winner: string; first_claimed_at: string }>(this.store, {
      query: `SELECT claim_key, attempt, argMin(claimant, (claimed_at, claimant)) AS winner, toUnixTimestamp64Milli(min(claimed_at)) AS first_claimed_at
              FROM ${this.store.table('evaluation_claims')} WHERE claim_key IN (${keys.map((_, i) => `{key_${i}:String}`).join(', ')})
              GROUP BY claim_key, attempt ORDER BY attempt DESC LIMIT 1 BY claim_key`,
      params,
    })
    return new Map(rows.map((row) => [row.claim_key, { attempt: Number(row.attempt), claimant: row.winner, claimedAt: Number(row.first_claimed_at) }]))
  }
}
