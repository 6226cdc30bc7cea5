import { randomUUID } from 'node:crypto'
import type { AlertNotification } from '../notification.js'

/** A realistic breach notification (the COMPAS false-positive-rate parity case); override any part. */
export function sampleNotification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    alertId: randomUUID(),
    deliveryId: randomUUID(),
    event: 'opened',
    outcome: 'breach',
    severity: 'high',
    control: {
      id: 'FAIR-002',
      version: 3,
      title: 'False positive rate parity across race',
      references: { iso42001: ['A.6.2.6', '9.1'], euAiAct: ['Art. 72'], nistAiRmf: ['MEASURE 2.11'] },
      owner: { accountable: 'Head of Risk', responsible: 'ML Platform <ml@example.org>' },
      runbook: 'https://runbooks.example.org/fair-002',
    },
    model: { project: 'default', id: 'compas-recidivism', version: '2.1.0' },
    segment: '',
    metric: { kind: 'fairness', name: 'false_positive_rate_difference', value: 0.27, direction: 'above', warn: 0.05, breach: 0.1 },
    window: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-08T00:00:00.000Z' },
    evaluationId: randomUUID(),
    summary: 'FAIR-002 breach: false_positive_rate_difference 0.27 ≥ 0.10 (race)',
    occurredAt: new Date().toISOString(),
    links: { alert: 'https://aims.example.org/alerts/1', evaluation: 'https://aims.example.org/evaluations/1' },
    ...overrides,
  }
}
