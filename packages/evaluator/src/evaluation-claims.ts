import type { Store } from '@aims-monitor/store'
import { claimLedgerFor, type ClaimAttempt, type ClaimLedger } from './claim-ledger.js'

export type { ClaimAttempt }

/** How long a claim holds before another evaluator may take the evaluation over. */
export const DEFAULT_CLAIM_LEASE_MS = 10 * 60_000

/**
 * Claims on evaluations, so that an evaluation of a (control, window) is computed by one evaluator
 * even when several collectors share the store. A claim is an attempt inserted in the store's claim
 * ledger (claim-ledger.ts: of concurrent inserts of one attempt exactly one holds), and every
 * claimant reads back whose it was. An attempt whose holder neither finished nor renewed within
 * the lease may be superseded by the next attempt number (the holder crashed).
 */
export class EvaluationClaims {
  private readonly ledger: ClaimLedger

  constructor(
    store: Store,
    /** This evaluator's identity (host, pid, random suffix). */
    private readonly claimant: string,
    private readonly leaseMs = DEFAULT_CLAIM_LEASE_MS,
    /** Where claims are kept; by default the one the store's evaluators share ({@link claimLedgerFor}). */
    ledger?: ClaimLedger,
  ) {
    this.ledger = ledger ?? claimLedgerFor(store)
  }

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
   * Claims several keys: one insert per key (each its own attempt, as {@link claim}), then ONE
   * read-back for all of them. `known` is their latest attempts as read a moment ago.
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

  /** The latest attempt of each key that has one (one statement for a batch's keys on a server). */
  latestAttempts(keys: readonly string[]): Promise<Map<string, ClaimAttempt>> {
    return this.ledger.latest(keys)
  }

  private insertAttempt(key: string, attempt: number, now: number): Promise<void> {
    return this.ledger.insert(key, attempt, this.claimant, now)
  }

  private async latestAttempt(key: string): Promise<ClaimAttempt | null> {
    return (await this.latestAttempts([key])).get(key) ?? null
  }
}
