import { randomUUID } from 'node:crypto'
import type { Store } from '@aims-monitor/store'
import { epochMsToDateTime64Param } from '@aims-monitor/metrics'
import { insertRow, queryRows } from '@aims-monitor/store'
import { VersionedStates } from './versioned-states.js'

export type NonconformityStatus = 'open' | 'action_taken' | 'closed'

/**
 * A nonconformity record (ISO/IEC 42001 clause 10.2: react, evaluate the need for action, act,
 * review effectiveness, keep documented information), opened by a breach or by hand (`openManual`:
 * no alert behind it, `alertId` and `evaluationId` are the nil UUID, `controlId` may be '').
 */
export interface Nonconformity {
  readonly id: string
  readonly version: number
  readonly project: string
  readonly controlId: string
  readonly alertId: string
  readonly evaluationId: string
  readonly status: NonconformityStatus
  readonly description: string
  readonly owner: string
  readonly openedAt: string
  readonly dueDate: string
  readonly containment: string | null
  readonly rootCause: string | null
  readonly correctiveAction: string | null
  /**
   * A later passing evaluation of the same control after the action: evidence the action worked.
   * For a nonconformity opened by hand without a control, a person's review instead (`evaluationId`
   * the nil UUID, with `by` and `note`).
   */
  readonly effectivenessCheck: { readonly evaluationId: string; readonly at: string; readonly by?: string; readonly note?: string } | null
  readonly closed: { readonly at: string; readonly by: string; readonly note: string } | null
  readonly changedAt: string
  readonly changedBy: string
}

/** Fields a person updates; each update is a new version (history kept). */
export interface NonconformityUpdate {
  readonly containment?: string | undefined
  readonly rootCause?: string | undefined
  readonly correctiveAction?: string | undefined
  readonly owner?: string | undefined
  readonly dueDate?: string | undefined
}

/** Days from opening to the default due date of the corrective action. */
export const DEFAULT_NONCONFORMITY_DUE_DAYS = 30

/** alertId and evaluationId of a nonconformity opened by hand: nothing automatic stands behind it. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000'

/** What a person gives to open a nonconformity by hand (an audit finding, a complaint, an incident). */
export interface ManualNonconformity {
  readonly project: string
  /** The control it concerns, if any: its later passing evaluation then serves as the effectiveness check. */
  readonly controlId?: string | undefined
  readonly description: string
  readonly owner: string
  /** ISO 8601 date or time; DEFAULT_NONCONFORMITY_DUE_DAYS after opening when omitted. */
  readonly dueDate?: string | undefined
  readonly by: string
}

export class NonconformityRepository {
  private readonly states: VersionedStates<Nonconformity>

  constructor(private readonly store: Store) {
    this.states = new VersionedStates<Nonconformity>(store, 'nonconformities')
  }

  async save(record: Nonconformity): Promise<void> {
    await insertRow(this.store, 'nonconformities', {
      id: { type: 'UUID', value: record.id },
      version: { type: 'UInt32', value: record.version },
      project: { type: 'String', value: record.project },
      control_id: { type: 'String', value: record.controlId },
      alert_id: { type: 'UUID', value: record.alertId },
      status: { type: 'String', value: record.status },
      changed_at: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(Date.parse(record.changedAt), 'changedAt') },
      actor: { type: 'String', value: record.changedBy },
      state_json: { type: 'String', value: JSON.stringify(record) },
    }, `nonconformity-${record.id}-v${record.version}`)
  }

  /** Opens a nonconformity by hand (no alert): version 1, status open. */
  async openManual(input: ManualNonconformity, now = Date.now()): Promise<Nonconformity> {
    const at = new Date(now).toISOString()
    const record: Nonconformity = {
      id: randomUUID(), version: 1, project: input.project, controlId: input.controlId ?? '', alertId: NIL_UUID, evaluationId: NIL_UUID,
      status: 'open', description: input.description, owner: input.owner, openedAt: at,
      dueDate: input.dueDate ?? new Date(now + DEFAULT_NONCONFORMITY_DUE_DAYS * 86_400_000).toISOString(),
      containment: null, rootCause: null, correctiveAction: null, effectivenessCheck: null, closed: null, changedAt: at, changedBy: input.by,
    }
    await this.save(record)
    return record
  }

  async get(id: string): Promise<Nonconformity | null> {
    const rows = await this.select('id = {id:UUID}', { id })
    return rows[0] ?? null
  }

  history(id: string): Promise<Nonconformity[]> {
    return this.states.history(id)
  }

  async list(filter: { project?: string | undefined; status?: NonconformityStatus | undefined } = {}): Promise<Nonconformity[]> {
    const rows = await this.select(filter.project !== undefined ? 'project = {project:String}' : '1', filter.project !== undefined ? { project: filter.project } : {})
    return filter.status === undefined ? rows : rows.filter((r) => r.status === filter.status)
  }

  /** Applies a person's update; status moves to action_taken once a corrective action is recorded. */
  async update(id: string, changes: NonconformityUpdate, by: string, now = Date.now()): Promise<Nonconformity> {
    const current = await this.require(id)
    if (current.status === 'closed') throw new NonconformityStateError(`nonconformity ${id} is closed`)
    const next: Nonconformity = {
      ...current,
      ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
      version: current.version + 1,
      status: (changes.correctiveAction ?? current.correctiveAction) ? 'action_taken' : current.status,
      changedAt: new Date(now).toISOString(),
      changedBy: by,
    }
    await this.save(next)
    return next
  }

  /** Records a later passing evaluation as the effectiveness check (by the evaluator, when the alert clears). */
  async recordEffectiveness(id: string, evaluationId: string, now = Date.now()): Promise<void> {
    const current = await this.require(id)
    if (current.status === 'closed' || current.effectivenessCheck !== null) return
    const at = new Date(now).toISOString()
    await this.save({ ...current, version: current.version + 1, effectivenessCheck: { evaluationId, at }, changedAt: at, changedBy: 'aims-evaluator' })
  }

  /**
   * Closure needs a root cause, a corrective action and an effectiveness check on record. When none
   * is recorded yet (the alert was resolved by hand, or there was no alert), the first passing
   * evaluation of the control evaluated after the corrective action serves; a nonconformity opened
   * by hand without a control takes the person's `review` of effectiveness instead.
   */
  async close(id: string, by: string, note: string, now = Date.now(), review?: string): Promise<Nonconformity> {
    const current = await this.require(id)
    if (current.status === 'closed') throw new NonconformityStateError(`nonconformity ${id} is already closed`)
    if (review !== undefined && current.controlId !== '') throw new NonconformityStateError(`nonconformity ${id} concerns control ${current.controlId}: its effectiveness check is a passing evaluation of that control after the corrective action, not a review by hand`)
    const at = new Date(now).toISOString()
    const check = current.effectivenessCheck ?? (current.correctiveAction === null ? null
      : current.controlId === '' ? (review === undefined ? null : { evaluationId: NIL_UUID, at, by, note: review })
        : await this.passAfterAction(current))
    const expected = current.controlId === '' ? 'an effectiveness review (review)' : `an effectiveness check (a passing evaluation of ${current.controlId} after the corrective action)`
    const missing = [current.rootCause ? null : 'rootCause', current.correctiveAction ? null : 'correctiveAction', check ? null : expected].filter(Boolean)
    if (missing.length) throw new NonconformityStateError(`nonconformity ${id} cannot be closed without ${missing.join(', ')}`)
    const next: Nonconformity = { ...current, version: current.version + 1, status: 'closed', effectivenessCheck: check, closed: { at, by, note }, changedAt: at, changedBy: by }
    await this.save(next)
    return next
  }

  /** The first passing evaluation of the record's control evaluated after its corrective action was first recorded. */
  private async passAfterAction(record: Nonconformity): Promise<{ evaluationId: string; at: string } | null> {
    const actedAt = (await this.history(record.id)).find((version) => version.correctiveAction !== null)?.changedAt
    if (actedAt === undefined) return null
    const rows = await queryRows<{ id: string; evaluated_at_ms: string }>(this.store, {
      query: `SELECT id, toUnixTimestamp64Milli(evaluated_at) AS evaluated_at_ms FROM ${this.store.table('evaluations')}
              WHERE project = {project:String} AND control_id = {control:String} AND outcome = 'pass' AND evaluated_at > {after:DateTime64(3)}
              ORDER BY seq LIMIT 1`,
      params: { project: record.project, control: record.controlId, after: epochMsToDateTime64Param(Date.parse(actedAt), 'actedAt') },
    })
    return rows[0] ? { evaluationId: rows[0].id, at: new Date(Number(rows[0].evaluated_at_ms)).toISOString() } : null
  }

  private async require(id: string): Promise<Nonconformity> {
    const current = await this.get(id)
    if (current === null) throw new NonconformityStateError(`no nonconformity ${id}`, 404)
    return current
  }

  private select(where: string, params: Record<string, unknown>): Promise<Nonconformity[]> {
    return this.states.latest(where, params)
  }
}

export class NonconformityStateError extends Error {
  constructor(message: string, readonly status = 409) {
    super(message)
    this.name = 'NonconformityStateError'
  }
}
