import type { NotifierType } from '@aims-monitor/controls'

/**
 * What the evaluator hands the dispatcher for one alert event. Every notifier renders it in its
 * receiver's format; the webhook sends it as is (see docs/notifiers.md).
 */
export interface AlertNotification {
  /** UUID, stable for the alert's life: the dedup key for PagerDuty and Alertmanager. */
  alertId: string
  /** UUID of this notification: the idempotency key receivers dedupe retried deliveries with. */
  deliveryId: string
  event: 'opened' | 'updated' | 'escalated' | 'resolved'
  /** The evaluation outcome behind the event ('pass' for a resolution by hysteresis). */
  outcome: 'warn' | 'breach' | 'insufficient_data' | 'pass'
  severity: 'low' | 'medium' | 'high' | 'critical'
  control: {
    id: string
    version: number
    title: string
    references: { iso42001: string[]; euAiAct: string[]; nistAiRmf: string[] }
    owner: { accountable: string; responsible: string }
    runbook?: string
  }
  model: { project: string; id: string; version?: string }
  /** '' = the whole model; otherwise a canonical key such as 'channel=web'. */
  segment: string
  metric: {
    kind: string
    name: string
    value: number | null
    pValue?: number
    direction: 'above' | 'below'
    warn?: number
    breach: number
  }
  /** ISO 8601. */
  window: { from: string; to: string }
  evaluationId: string
  /** One human line, e.g. "FAIR-002 breach: false_positive_rate_difference 0.27 ≥ 0.10 (race)". */
  summary: string
  /** ISO 8601. */
  occurredAt: string
  links?: { alert?: string; evaluation?: string }
}

/** 'unknown' only for a notifier name the dispatcher has no configuration for. */
export type DeliveryNotifierType = NotifierType | 'unknown'

/** One delivery attempt, reported through the dispatcher's onAttempt (the evaluator stores it). */
export interface DeliveryAttempt {
  notifier: string
  type: DeliveryNotifierType
  alertId: string
  deliveryId: string
  /** The notification's event (each attempt carries it, so a record of it never has to look it up). */
  event: AlertNotification['event']
  /** 1-based. */
  attempt: number
  /** ISO 8601. */
  startedAt: string
  durationMs: number
  ok: boolean
  /** HTTP status of the receiver's answer (email: the SMTP reply code), when there was one. */
  status?: number
  error?: string
  /** Whether another attempt is scheduled. */
  willRetry: boolean
}
