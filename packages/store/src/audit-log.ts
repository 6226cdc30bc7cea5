import type { Store } from './open-store.js'
import { epochMsValue, queryRows } from './bound-rows.js'
import { canonicalJson, columnMismatch, HashChain, type ChainLink, type ChainAnchor, type ChainVerification } from './hash-chain.js'

/** One administrative action, as recorded. */
export interface AuditEntry {
  readonly schema: 'aims.audit/v1'
  readonly at: string
  readonly project: string
  /** Who: an API key's name and id, `cli:<user>`, or `aims-evaluator`. */
  readonly actor: string
  /** e.g. api_key.created, alert.acknowledged, nonconformity.updated, policy.loaded, reference.imported. */
  readonly action: string
  /** What it acted on: a key id, an alert id, a policy sha256… */
  readonly target: string
  readonly details: Readonly<Record<string, unknown>>
}

export interface StoredAuditEntry extends AuditEntry {
  readonly seq: number
  readonly hash: string
}

/**
 * The audit log of administrative actions: append-only and hash-chained (see HashChain), so that
 * an edit, a deletion or a reordering of any entry is detected by `verify()` / `aims verify`.
 */
export class AuditLog {
  private readonly chain: HashChain

  constructor(private readonly store: Store) {
    this.chain = new HashChain(store, 'audit_log', 'audit')
  }

  async append(entry: { project: string; actor: string; action: string; target: string; details?: Record<string, unknown>; at?: number }): Promise<ChainLink> {
    const at = entry.at ?? Date.now()
    const record: AuditEntry = {
      schema: 'aims.audit/v1', at: new Date(at).toISOString(), project: entry.project, actor: entry.actor,
      action: entry.action, target: entry.target, details: entry.details ?? {},
    }
    return this.chain.append(canonicalJson(record), {
      at: epochMsValue(at),
      project: { type: 'String', value: entry.project },
      actor: { type: 'String', value: entry.actor },
      action: { type: 'String', value: entry.action },
      target: { type: 'String', value: entry.target },
    })
  }

  /** Entries, newest first. */
  async list(filter: { project?: string | undefined; action?: string | undefined; from?: number | undefined; to?: number | undefined; limit?: number | undefined } = {}): Promise<StoredAuditEntry[]> {
    const conditions: string[] = []
    const params: Record<string, unknown> = { limit: Math.min(Math.max(filter.limit ?? 100, 1), 10_000) }
    if (filter.project !== undefined) { conditions.push('project = {project:String}'); params.project = filter.project }
    if (filter.action !== undefined) { conditions.push('action = {action:String}'); params.action = filter.action }
    if (filter.from !== undefined) { conditions.push('at >= fromUnixTimestamp64Milli({from:Int64})'); params.from = filter.from }
    if (filter.to !== undefined) { conditions.push('at < fromUnixTimestamp64Milli({to:Int64})'); params.to = filter.to }
    const rows = await queryRows<{ seq: string; hash: string; record: string }>(this.store, {
      query: `SELECT seq, hash, record FROM ${this.store.table('audit_log')} WHERE ${conditions.join(' AND ') || '1'} ORDER BY seq DESC LIMIT {limit:UInt32}`,
      params,
    })
    return rows.map((row) => ({ ...(JSON.parse(row.record) as AuditEntry), seq: Number(row.seq), hash: row.hash }))
  }

  /** See HashChain.verify; `anchors`: heads of this log taken earlier. */
  verify(anchors: readonly ChainAnchor[] = []): Promise<ChainVerification> {
    return this.chain.verify({
      anchors,
      extraColumns: 'toUnixTimestamp64Milli(at) AS at_ms, project, actor, action, target',
      checkRow: (row, record) => {
        const entry = record as Partial<AuditEntry>
        return [
          ...columnMismatch('at', row.at_ms, Date.parse(entry.at ?? '')),
          ...columnMismatch('project', row.project, entry.project),
          ...columnMismatch('actor', row.actor, entry.actor),
          ...columnMismatch('action', row.action, entry.action),
          ...columnMismatch('target', row.target, entry.target),
        ]
      },
    })
  }
}
