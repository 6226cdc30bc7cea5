import { createTwoFilesPatch } from 'diff'
import { AuditLog, epochMsValue, insertRow, queryRows, type Store } from '@aims-monitor/store'
import type { PolicyLoaded } from '@aims-monitor/controls'

/** A version of a policy as it was loaded. */
export interface PolicyVersion {
  readonly name: string
  readonly sha256: string
  readonly loadedAt: string
  readonly loadedBy: string
  readonly version: string
  readonly previousSha256: string | null
  /** Unified diff against the previous version's text ('' for the first). */
  readonly diff: string
  /** The approval metadata the file carried: each control's id, version, status and approval. */
  readonly controls: readonly { id: string; version: number; status: string; approval: { by: string; at: string; reference: string } }[]
}

/**
 * The history of a policy: every load of a changed file is recorded with its hash, its text, the
 * approvals it carries and a diff against the version loaded before it, and the load goes into the
 * audit log (clause 7.5: documented information, its changes controlled). A restart with an unchanged
 * file records nothing.
 */
export class PolicyHistory {
  constructor(private readonly store: Store, private readonly audit: AuditLog = new AuditLog(store)) {}

  /** Records `loaded` unless it is the policy's latest version already; returns the version, and whether it is new. */
  async recordLoad(loaded: Pick<PolicyLoaded, 'policy' | 'sha256' | 'text' | 'source'>, loadedBy: string, now = Date.now()): Promise<{ version: PolicyVersion; recorded: boolean }> {
    const name = loaded.policy.metadata.name
    const latest = await this.latest(name)
    if (latest && latest.sha256 === loaded.sha256) return { version: latest, recorded: false }
    const previousText = latest ? await this.text(name, latest.sha256) : ''
    const diff = latest ? createTwoFilesPatch(`${name}@${latest.sha256.slice(0, 12)}`, `${name}@${loaded.sha256.slice(0, 12)}`, previousText, loaded.text) : ''
    const controls = loaded.policy.controls.map((c) => ({ id: c.id, version: c.version, status: c.status, approval: c.approval }))
    const version: PolicyVersion = {
      name, sha256: loaded.sha256, loadedAt: new Date(now).toISOString(), loadedBy, version: String(loaded.policy.metadata.version),
      previousSha256: latest?.sha256 ?? null, diff, controls,
    }
    await insertRow(this.store, 'policy_versions', {
      name: { type: 'String', value: name },
      sha256: { type: 'FixedString(64)', value: loaded.sha256 },
      loaded_at: epochMsValue(now),
      loaded_by: { type: 'String', value: loadedBy },
      version: { type: 'String', value: version.version },
      previous_sha256: { type: 'String', value: version.previousSha256 ?? '' },
      text: { type: 'String', value: loaded.text },
      diff: { type: 'String', value: diff },
      summary: { type: 'String', value: JSON.stringify({ controls }) },
    })
    await this.audit.append({
      project: 'default', actor: loadedBy, action: 'policy.loaded', target: loaded.sha256,
      details: { name, version: version.version, source: loaded.source, previousSha256: version.previousSha256, controls: controls.length },
      at: now,
    })
    return { version, recorded: true }
  }

  /** Every version of the policy `name`, oldest first. */
  async versions(name?: string): Promise<PolicyVersion[]> {
    const rows = await queryRows<Row>(this.store, {
      query: `SELECT name, sha256, toUnixTimestamp64Milli(loaded_at) AS loaded_at, loaded_by, version, previous_sha256, diff, summary
              FROM ${this.store.table('policy_versions')} ${name === undefined ? '' : 'WHERE name = {name:String}'} ORDER BY loaded_at`,
      params: name === undefined ? {} : { name },
    })
    return rows.map(fromRow)
  }

  async latest(name: string): Promise<PolicyVersion | null> {
    const all = await this.versions(name)
    return all[all.length - 1] ?? null
  }

  /** The text of a version (for an auditor who wants the file as it was). */
  async text(name: string, sha256: string): Promise<string> {
    const rows = await queryRows<{ text: string }>(this.store, {
      query: `SELECT text FROM ${this.store.table('policy_versions')} WHERE name = {name:String} AND sha256 = {sha256:String} ORDER BY loaded_at LIMIT 1`,
      params: { name, sha256 },
    })
    return rows[0]?.text ?? ''
  }
}

interface Row {
  name: string
  sha256: string
  loaded_at: string
  loaded_by: string
  version: string
  previous_sha256: string
  diff: string
  summary: string
}

function fromRow(row: Row): PolicyVersion {
  return {
    name: row.name, sha256: row.sha256, loadedAt: new Date(Number(row.loaded_at)).toISOString(), loadedBy: row.loaded_by,
    version: row.version, previousSha256: row.previous_sha256 || null, diff: row.diff,
    controls: (JSON.parse(row.summary) as { controls: PolicyVersion['controls'] }).controls,
  }
}
