import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { Store } from './open-store.js'

export const API_KEY_SCOPES = ['ingest', 'read', 'admin'] as const
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

export interface ApiKeyRecord {
  id: string
  project: string
  name: string
  /** The first characters of the key, to tell keys apart in listings without revealing them. */
  keyPrefix: string
  scopes: ApiKeyScope[]
  createdAt: string
  revokedAt: string | null
}

interface StoredKey extends ApiKeyRecord {
  keySha256: string
}

/** A new key's secret is 32 random bytes; it is shown once and only its SHA-256 digest is kept. */
export function generateApiKey(): string {
  return `aims_${randomBytes(32).toString('base64url')}`
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/**
 * API keys of every project, stored hashed in `api_keys` and cached in memory for the hot path
 * (each ingest request authenticates). Changes made through this repository refresh the cache.
 */
export class ApiKeyRepository {
  private byDigest = new Map<string, StoredKey>()
  private refreshTimer: NodeJS.Timeout | undefined
  private localWrites = 0

  constructor(private readonly store: Store) {}

  /**
   * Reloads the keys every `intervalMs`, so a key created or revoked by another process (another
   * collector on the same ClickHouse server, `aims keys` against the server) takes effect here too.
   * A failed reload keeps the keys it had and is reported to `onError`.
   */
  startRefresh(intervalMs: number, onError: (error: unknown) => void): void {
    this.stopRefresh()
    this.refreshTimer = setInterval(() => void this.load().catch(onError), intervalMs)
    this.refreshTimer.unref()
  }

  stopRefresh(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer)
    this.refreshTimer = undefined
  }

  async load(): Promise<void> {
    const writesBefore = this.localWrites
    const rows = await (
      await this.store.client.query({
        query: `SELECT toString(id) AS id, project, name, key_prefix, key_sha256, scopes,
                       toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(revoked_at) AS revoked
                FROM ${this.store.table('api_keys')} FINAL ORDER BY created_at`,
        format: 'JSONEachRow',
      })
    ).json<{ id: string; project: string; name: string; key_prefix: string; key_sha256: string; scopes: ApiKeyScope[]; created: string; revoked: string }>()
    const next = new Map<string, StoredKey>()
    for (const row of rows) {
      next.set(row.key_sha256, {
        id: row.id,
        project: row.project,
        name: row.name,
        keyPrefix: row.key_prefix,
        keySha256: row.key_sha256,
        scopes: row.scopes,
        createdAt: new Date(Number(row.created)).toISOString(),
        revokedAt: Number(row.revoked) > 0 ? new Date(Number(row.revoked)).toISOString() : null,
      })
    }
    // A key written here while the reload read the table may be missing from what it read:
    // keep the current map then; the next reload sees it.
    if (this.localWrites === writesBefore) this.byDigest = next
  }

  /**
   * The active key matching `presented`, compared in constant time on the digests (the map lookup
   * is on a digest, which tells an attacker nothing about any key).
   */
  authenticate(presented: string): ApiKeyRecord | undefined {
    const digest = sha256Hex(presented)
    const found = this.byDigest.get(digest)
    if (!found || found.revokedAt) return undefined
    if (!timingSafeEqual(Buffer.from(found.keySha256, 'hex'), Buffer.from(digest, 'hex'))) return undefined
    return publicView(found)
  }

  list(project?: string): ApiKeyRecord[] {
    return [...this.byDigest.values()].filter((k) => project === undefined || k.project === project).map(publicView)
  }

  /** Creates a key; `secret` defaults to a fresh random key. Returns the secret once. */
  async create(params: { project: string; name: string; scopes: ApiKeyScope[]; secret?: string }): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = params.secret ?? generateApiKey()
    const digest = sha256Hex(key)
    if (this.byDigest.has(digest)) throw new Error('an API key with this secret already exists')
    const stored: StoredKey = {
      id: randomUUID(),
      project: params.project,
      name: params.name,
      keyPrefix: key.slice(0, 9),
      keySha256: digest,
      scopes: [...new Set(params.scopes)].sort() as ApiKeyScope[],
      createdAt: new Date().toISOString(),
      revokedAt: null,
    }
    await this.write(stored, 1)
    this.byDigest.set(digest, stored)
    return { key, record: publicView(stored) }
  }

  /** Whether a key with this secret exists (revoked or not). */
  hasSecret(secret: string): boolean {
    return this.byDigest.has(sha256Hex(secret))
  }

  async revoke(id: string): Promise<ApiKeyRecord | undefined> {
    const found = [...this.byDigest.values()].find((k) => k.id === id)
    if (!found) return undefined
    if (found.revokedAt) return publicView(found)
    const revoked: StoredKey = { ...found, revokedAt: new Date().toISOString() }
    await this.write(revoked, 2)
    this.byDigest.set(found.keySha256, revoked)
    return publicView(revoked)
  }

  private async write(key: StoredKey, version: number): Promise<void> {
    this.localWrites++
    await this.store.client.insert({
      table: this.store.table('api_keys'),
      values: [
        {
          id: key.id,
          project: key.project,
          name: key.name,
          key_prefix: key.keyPrefix,
          key_sha256: key.keySha256,
          scopes: key.scopes,
          created_at: Date.parse(key.createdAt),
          revoked_at: key.revokedAt ? Date.parse(key.revokedAt) : 0,
          version,
        },
      ],
      format: 'JSONEachRow',
    })
  }
}

function publicView(key: StoredKey): ApiKeyRecord {
  const { keySha256: _digest, ...rest } = key
  return { ...rest, scopes: [...rest.scopes] }
}
