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
export class EvaluationClaims {
  constructor(
    private readonly store: Store,
    /** This evaluator's identity (host, pid, random suffix). */
    private readonly claimant: string,
    private readonly leaseMs = DEFAULT_CLAIM_LEASE_MS,
  ) {}

  /** True when this evaluator now holds the claim on `key` (or already held it). */
  async claim(key: string, now = Date.now()): Promise<boolean> {
    const latest = await this.latestAttempt(key)
    if (latest) {
      if (latest.claimant === this.claimant) return true
      if (now - latest.claimedAt < this.leaseMs) return false
    }
    const attempt = latest ? latest.attempt + 1 : 0
    const token = `claim-${createHash('sha256').update(key).digest('hex').slice(0, 40)}-${attempt}`
    await insertRow(this.store, 'evaluation_claims', {
      claim_key: { type: 'String', value: key },
      attempt: { type: 'UInt32', value: attempt },
      claimant: { type: 'String', value: this.claimant },
      claimed_at: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(now, 'now') },
    }, token)
    const winner = await this.latestAttempt(key)
    return winner !== null && winner.attempt === attempt && winner.claimant === this.claimant
  }

  private async latestAttempt(key: string): Promise<{ attempt: number; claimant: string; claimedAt: number } | null> {
    // Of rows with the same attempt (possible only once the deduplication window has moved on), the earliest wins.
    const rows = await queryRows<{ attempt: number; winner: string; first_claimed_at: string }>(this.store, {
      query: `SELECT attempt, argMin(claimant, (claimed_at, claimant)) AS winner, toUnixTimestamp64Milli(min(claimed_at)) AS first_claimed_at
              FROM ${this.store.table('evaluation_claims')} WHERE claim_key = {key:String}
              GROUP BY attempt ORDER BY attempt DESC LIMIT 1`,
      params: { key },
    })
    const row = rows[0]
    return row ? { attempt: Number(row.attempt), claimant: row.winner, claimedAt: Number(row.first_claimed_at) } : null
  }
}
