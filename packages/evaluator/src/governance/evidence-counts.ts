import type { ControlOutcome } from '@aims-monitor/controls'
import { queryRows, type Store } from '@aims-monitor/store'

/** Evaluations recorded, by outcome: the evidence a control produced. */
export interface OutcomeCounts {
  readonly total: number
  readonly pass: number
  readonly warn: number
  readonly breach: number
  readonly insufficient_data: number
  readonly error: number
}

export const NO_EVIDENCE: OutcomeCounts = { total: 0, pass: 0, warn: 0, breach: 0, insufficient_data: 0, error: 0 }

const OUTCOMES: readonly ControlOutcome[] = ['pass', 'warn', 'breach', 'insufficient_data', 'error']

/** A period of evaluation windows: window end in [from, to), epoch ms, as GET /v1/evaluations filters. */
export interface EvidencePeriod {
  readonly from: number
  readonly to: number
}

/**
 * Evaluations of each control of `project` whose window ended in the period, counted by outcome in
 * ClickHouse (one GROUP BY over the `evaluations` table, whatever its length).
 *
 * @example
 * const counts = await countEvaluationsByControl(store, 'default', { from, to })
 * counts.get('credit-risk.fairness.race-fpr') // { total: 30, pass: 28, warn: 0, breach: 2, … }
 */
export async function countEvaluationsByControl(store: Store, project: string, period: EvidencePeriod): Promise<Map<string, OutcomeCounts>> {
  const rows = await queryRows<{ control_id: string; outcome: string; n: string }>(store, {
    query: `SELECT control_id, outcome, count() AS n FROM ${store.table('evaluations')}
            WHERE project = {project:String}
              AND window_to >= fromUnixTimestamp64Milli({from:Int64}) AND window_to < fromUnixTimestamp64Milli({to:Int64})
            GROUP BY control_id, outcome`,
    params: { project, from: period.from, to: period.to },
  })
  const counts = new Map<string, Record<keyof OutcomeCounts, number>>()
  for (const row of rows) {
    const entry = counts.get(row.control_id) ?? { ...NO_EVIDENCE }
    const n = Number(row.n)
    entry.total += n
    if ((OUTCOMES as readonly string[]).includes(row.outcome)) entry[row.outcome as ControlOutcome] += n
    counts.set(row.control_id, entry)
  }
  return counts
}

/** The sum of several controls' counts. */
export function addCounts(counts: readonly OutcomeCounts[]): OutcomeCounts {
  const sum: Record<keyof OutcomeCounts, number> = { ...NO_EVIDENCE }
  for (const c of counts) for (const key of Object.keys(sum) as (keyof OutcomeCounts)[]) sum[key] += c[key]
  return sum
}
