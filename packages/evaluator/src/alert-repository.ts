import type { Store } from '@aims-monitor/store'
import { epochMsToDateTime64Param } from '@aims-monitor/metrics'
import type { DeliveryAttempt } from '@aims-monitor/notify'
import { insertRow, queryRows } from '@aims-monitor/store'
import { VersionedStates } from './versioned-states.js'

export type AlertStateName = 'open' | 'acknowledged' | 'resolved'
export type AlertLevel = 'warn' | 'breach' | 'insufficient_data'
/** What a version of an alert changed. */
export type AlertChange = 'opened' | 'updated' | 'escalated' | 'acknowledged' | 'resolved' | 'cleared'

/** An alert as of one version: the current state is the highest version. */
export interface Alert {
  readonly id: string
  readonly version: number
  readonly project: string
  readonly controlId: string
  readonly controlVersion: number
  readonly modelId: string
  /** '' for the whole model, else `key=value,…` of the control's segment. */
  readonly segment: string
  readonly state: AlertStateName
  readonly level: AlertLevel
  readonly severity: string
  readonly openedAt: string
  readonly updatedAt: string
  readonly change: AlertChange
  readonly actor: string
  readonly note: string
  readonly firstEvaluationId: string
  readonly lastEvaluationId: string
  readonly evaluationCount: number
  readonly consecutiveBreaches: number
  readonly consecutivePasses: number
  readonly escalated: { readonly at: string; readonly reason: string } | null
  readonly acknowledged: { readonly at: string; readonly by: string; readonly note: string } | null
  readonly resolved: { readonly at: string; readonly by: string; readonly note: string } | null
  readonly nonconformityId: string | null
  /** Notifier names told about this alert so far (the resolution goes to the same ones). */
  readonly notified: readonly string[]
}

export interface AlertFilter {
  readonly project?: string | undefined
  readonly controlId?: string | undefined
  readonly state?: AlertStateName | undefined
  readonly modelId?: string | undefined
  readonly severity?: string | undefined
  readonly limit?: number | undefined
}

/** A delivery attempt as stored: its event is whatever the row holds (older rows: 'unknown'). */
export interface StoredDelivery extends Omit<DeliveryAttempt, 'event'> {
  readonly event: string
}

/**
 * The `alerts` table (one row per version of an alert, history kept) and `alert_deliveries`.
 * A version is written with the deduplication token `alert-<id>-v<version>`, so that two writers of
 * the same version (two replicas acting on one alert) leave one row.
 */
export class AlertRepository {
  private readonly states: VersionedStates<Alert>

  constructor(private readonly store: Store) {
    this.states = new VersionedStates<Alert>(store, 'alerts')
  }

  async save(alert: Alert): Promise<boolean> {
    await insertRow(this.store, 'alerts', {
      id: { type: 'UUID', value: alert.id },
      version: { type: 'UInt32', value: alert.version },
      project: { type: 'String', value: alert.project },
      control_id: { type: 'String', value: alert.controlId },
      segment: { type: 'String', value: alert.segment },
      model_id: { type: 'String', value: alert.modelId },
      state: { type: 'String', value: alert.state },
      change: { type: 'String', value: alert.change },
      actor: { type: 'String', value: alert.actor },
      note: { type: 'String', value: alert.note },
      changed_at: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(Date.parse(alert.updatedAt), 'updatedAt') },
      state_json: { type: 'String', value: JSON.stringify(alert) },
    }, `alert-${alert.id}-v${alert.version}`)
    const stored = await this.get(alert.id)
    return stored !== null && stored.version === alert.version && stored.updatedAt === alert.updatedAt && stored.actor === alert.actor
  }

  async get(id: string): Promise<Alert | null> {
    const rows = await this.select('id = {id:UUID}', { id }, 1)
    return rows[0] ?? null
  }

  /** Every version of an alert, oldest first: its lifecycle with who, when and why. */
  history(id: string): Promise<Alert[]> {
    return this.states.history(id)
  }

  /** The unresolved alert of a (project, control, segment), if any: alerts are deduplicated on that triple. */
  async findActive(project: string, controlId: string, segment: string): Promise<Alert | null> {
    const rows = await this.select('project = {project:String} AND control_id = {control_id:String} AND segment = {segment:String}', { project, control_id: controlId, segment }, 1000)
    return rows.find((alert) => alert.state !== 'resolved') ?? null
  }

  /**
   * The active alert of each (control, segment) of several controls of a project, in one statement,
   * keyed `controlId\u0000segment` (a batch's view; see evaluate-control.ts for when it is re-read).
   */
  async activeByControl(project: string, controlIds: readonly string[]): Promise<Map<string, Alert>> {
    if (controlIds.length === 0) return new Map()
    // Scalar placeholders (array parameters are not bound by every ClickHouse front end).
    const params: Record<string, unknown> = { project }
    controlIds.forEach((id, i) => (params[`control_${i}`] = id))
    const alerts = await this.select(`project = {project:String} AND control_id IN (${controlIds.map((_, i) => `{control_${i}:String}`).join(', ')})`, params, Number.MAX_SAFE_INTEGER)
    const active = new Map<string, Alert>()
    for (const alert of alerts) {
      const key = `${alert.controlId}\u0000${alert.segment}`
      if (alert.state !== 'resolved' && !active.has(key)) active.set(key, alert)
    }
    return active
  }

  /** Current state of each alert matching the filter, newest first. */
  async list(filter: AlertFilter = {}): Promise<Alert[]> {
    const conditions: string[] = []
    const params: Record<string, unknown> = {}
    if (filter.project !== undefined) { conditions.push('project = {project:String}'); params.project = filter.project }
    if (filter.controlId !== undefined) { conditions.push('control_id = {control_id:String}'); params.control_id = filter.controlId }
    if (filter.modelId !== undefined) { conditions.push('model_id = {model_id:String}'); params.model_id = filter.modelId }
    const alerts = await this.select(conditions.join(' AND ') || '1', params, Number.MAX_SAFE_INTEGER)
    // State and severity change between versions: filtered on the latest version of each alert,
    // before the limit, so that old resolved alerts never crowd out open ones.
    return alerts
      .filter((alert) => (filter.state === undefined || alert.state === filter.state) && (filter.severity === undefined || alert.severity === filter.severity))
      .slice(0, Math.min(Math.max(filter.limit ?? 100, 1), 10_000))
  }

  async recordDelivery(attempt: DeliveryAttempt, event: string): Promise<void> {
    await insertRow(this.store, 'alert_deliveries', {
      alert_id: { type: 'UUID', value: attempt.alertId },
      delivery_id: { type: 'UUID', value: attempt.deliveryId },
      notifier: { type: 'String', value: attempt.notifier },
      notifier_type: { type: 'String', value: attempt.type },
      event: { type: 'String', value: event },
      attempt: { type: 'UInt32', value: attempt.attempt },
      started_at: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(Date.parse(attempt.startedAt), 'startedAt') },
      duration_ms: { type: 'Float64', value: attempt.durationMs },
      ok: { type: 'Bool', value: attempt.ok },
      status: { type: 'UInt16', value: attempt.status ?? 0 },
      error: { type: 'String', value: attempt.error ?? '' },
      will_retry: { type: 'Bool', value: attempt.willRetry },
    })
  }

  async deliveries(alertId: string): Promise<StoredDelivery[]> {
    const rows = await queryRows<Record<string, unknown>>(this.store, {
      query: `SELECT toString(delivery_id) AS delivery_id, notifier, notifier_type, event, attempt, started_at, duration_ms, ok, status, error, will_retry
              FROM ${this.store.table('alert_deliveries')} WHERE alert_id = {id:UUID} ORDER BY started_at, attempt`,
      params: { id: alertId },
    })
    return rows.map((r) => ({
      alertId, deliveryId: String(r.delivery_id), notifier: String(r.notifier), type: r.notifier_type as StoredDelivery['type'], event: String(r.event),
      attempt: Number(r.attempt), startedAt: new Date(String(r.started_at).replace(' ', 'T') + 'Z').toISOString(), durationMs: Number(r.duration_ms),
      ok: Boolean(r.ok), ...(Number(r.status) ? { status: Number(r.status) } : {}), ...(r.error ? { error: String(r.error) } : {}), willRetry: Boolean(r.will_retry),
    }))
  }

  private async select(where: string, params: Record<string, unknown>, limit: number): Promise<Alert[]> {
    return (await this.states.latest(where, params)).slice(0, limit)
  }
}
