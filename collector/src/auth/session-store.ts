import { createHash, randomBytes } from 'node:crypto'
import type { ApiKeyRecord, ApiKeyRepository } from '@aims-monitor/store'

/** What the store needs of the keys: the current record of a key, revoked or not. */
export type KeyLookup = Pick<ApiKeyRepository, 'list'>

export interface SessionStoreOptions {
  /** A session unused this long is gone (default 12 hours, docs/dashboard-api.md). */
  idleMs?: number
  /** Most sessions held; past it the least recently used one is dropped (default 10,000). */
  maxSessions?: number
  /** The clock, for tests of idle expiry. */
  now?: () => number
}

interface Session {
  readonly keyId: string
  readonly project: string
  lastUsedAt: number
}

/** A session id: 32 random bytes (256 bits) in base64url, 43 characters. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/

/**
 * The dashboard's sign-in sessions, held in this process: a random 256-bit id (the cookie) → the
 * API key it was opened with. Nothing is written to disk: a restart signs everyone out, which is
 * the safe failure. A session ends after `idleMs` unused, when it is deleted (sign-out), and when
 * its key is revoked: the key's current record is looked up on every use, so a revocation (here,
 * or by another process once the key cache reloads) ends the session at its next request.
 *
 * Ids are kept as their SHA-256 digests, so that a look-up's timing says nothing about stored ids.
 *
 * @example
 * const sessions = new SessionStore(keys)
 * const id = sessions.create(key)       // the cookie value
 * sessions.resolve(id)?.name           // the key's current record, or undefined
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>()
  private readonly idleMs: number
  private readonly maxSessions: number
  private readonly now: () => number

  constructor(private readonly keys: KeyLookup, options: SessionStoreOptions = {}) {
    this.idleMs = options.idleMs ?? 12 * 60 * 60 * 1000
    this.maxSessions = options.maxSessions ?? 10_000
    this.now = options.now ?? Date.now
    if (!(this.idleMs > 0)) throw new RangeError(`idleMs: expected a positive number, got ${this.idleMs}`)
    if (!Number.isSafeInteger(this.maxSessions) || this.maxSessions < 1) throw new RangeError(`maxSessions: expected a positive integer, got ${this.maxSessions}`)
  }

  get size(): number {
    return this.sessions.size
  }

  /** Opens a session for `key` and returns its id (the cookie value). */
  create(key: ApiKeyRecord): string {
    const id = randomBytes(32).toString('base64url')
    this.makeRoom()
    this.sessions.set(digest(id), { keyId: key.id, project: key.project, lastUsedAt: this.now() })
    return id
  }

  /**
   * The key behind a live session, as it is now; undefined (and the session forgotten) when the id
   * is unknown, idle too long, or its key was revoked or deleted. Each use restarts the idle clock.
   */
  resolve(id: string): ApiKeyRecord | undefined {
    if (!SESSION_ID.test(id)) return undefined
    const hash = digest(id)
    const session = this.sessions.get(hash)
    if (!session) return undefined
    const now = this.now()
    if (now - session.lastUsedAt >= this.idleMs) {
      this.sessions.delete(hash)
      return undefined
    }
    const key = this.keys.list(session.project).find((k) => k.id === session.keyId)
    if (!key || key.revokedAt !== null) {
      this.sessions.delete(hash)
      return undefined
    }
    session.lastUsedAt = now
    // Re-inserted so that the map's order is least recently used first (see makeRoom).
    this.sessions.delete(hash)
    this.sessions.set(hash, session)
    return key
  }

  /** Forgets a session (sign-out); true when there was one. */
  delete(id: string): boolean {
    return SESSION_ID.test(id) && this.sessions.delete(digest(id))
  }

  /** Drops idle sessions when full, then the least recently used ones, so the map stays bounded. */
  private makeRoom(): void {
    if (this.sessions.size < this.maxSessions) return
    const now = this.now()
    for (const [hash, session] of this.sessions) if (now - session.lastUsedAt >= this.idleMs) this.sessions.delete(hash)
    for (const hash of this.sessions.keys()) {
      if (this.sessions.size < this.maxSessions) break
      this.sessions.delete(hash)
    }
  }
}

function digest(id: string): string {
  return createHash('sha256').update(id).digest('hex')
}
