import { createHash } from 'node:crypto'
import type { Store } from '@aims-monitor/store'
import { epochMsToDateTime64Param } from '@aims-monitor/metrics'
import { insertRow, queryRows } from '@aims-monitor/store'

/** How long a claim holds before another evaluator may take the evaluation over. */
export const DEFAULT_CLAIM_LEASE_MS = 10 * 60_000

/**
 * Claims on evaluations, so that an evaluation of a (control, window) is computed by one evaluator
 * even when several collectors share the store. ClickHouse has no row locks; a claim is instead an
 * insert with a deduplication token made of the claim key and an attempt number, so that of
 * concurrent claims exactly one block lands (the engine drops blocks whose token it has seen), and
 * every claimant reads back whose it was. An attempt whose holder neither finished nor renewed
 * within the lease may be superseded by the next attempt number (the holder crashed).
 */
/** An attempt at a claim: its number, who holds it, since when. */
export interface ClaimAttempt {
  readonly attempt: number
  readonly claimant: string
  readonly claimedAt: number
}

export class EvaluationClaims {
  constructor(
    private readonly store: Store,
    /** This evaluator's identity (host, pid, random suffix). */
    private readonly claimant: string,
    private readonly leaseMs = DEFAULT_CLAIM_LEASE_MS,
  ) {}

  /**
   * True when this evaluator now holds the claim on `key` (or already held it). `known` is the latest
   * attempt as a batch read it a moment ago ({@link latestAttempts}; null: none): a stale one only
   * means the insert below loses to the newer attempt, which the read-back sees.
   */
  async claim(key: string, now = Date.now(), known?: ClaimAttempt | null): Promise<boolean> {
    const latest = known !== undefined ? known : await this.latestAttempt(key)
    if (latest) {
      if (latest.claimant === this.claimant) return true
      if (now - latest.claimedAt < this.leaseMs) return false
    }
    const attempt = latest ? latest.attempt + 1 : 0
    await this.insertAttempt(key, attempt, now)
    const winner = await this.latestAttempt(key)
    return winner !== null && winner.attempt === attempt && winner.claimant === this.claimant
  }

  /**
   * Claims several keys: one insert per key (each with its own deduplication token, as {@link claim}),
   * then ONE read-back for all of them. `known` is their latest attempts as read a moment ago.
   * @returns per key whether this evaluator holds it now.
   */
  async claimAll(keys: readonly string[], known: ReadonlyMap<string, ClaimAttempt>, now = Date.now()): Promise<Map<string, boolean>> {
    const held = new Map<string, boolean>()
    const inserted = new Map<string, number>()
    for (const key of keys) {
      const latest = known.get(key) ?? null
      if (latest) {
        if (latest.claimant === this.claimant) { held.set(key, true); continue }
        if (now - latest.claimedAt < this.leaseMs) { held.set(key, false); continue }
      }
      const attempt = latest ? latest.attempt + 1 : 0
      await this.insertAttempt(key, attempt, now)
      inserted.set(key, attempt)
    }
    if (inserted.size > 0) {
      const winners = await this.latestAttempts([...inserted.keys()])
      for (const [key, attempt] of inserted) {
        const winner = winners.get(key)
        held.set(key, winner !== undefined && winner.attempt === attempt && winner.claimant === this.claimant)
      }
    }
    return held
  }

  /** The latest attempt of each key that has one, in one statement (a batch's keys). */
  async latestAttempts(keys: readonly string[]): Promise<Map<string, ClaimAttempt>> {
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

  /** One attempt's row; of concurrent inserts of the same attempt, the token lets exactly one land. */
  private async insertAttempt(key: string, attempt: number, now: number): Promise<void> {
    const token = `claim-${createHash('sha256').update(key).digest('hex').slice(0, 40)}-${attempt}`
    await insertRow(this.store, 'evaluation_claims', {
      claim_key: { type: 'String', value: key },
      attempt: { type: 'UInt32', value: attempt },
      claimant: { type: 'String', value: this.claimant },
      claimed_at: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(now, 'now') },
    }, token)
  }

  private async latestAttempt(key: string): Promise<ClaimAttempt | null> {
    return (await this.latestAttempts([key])).get(key) ?? null
  }
}
