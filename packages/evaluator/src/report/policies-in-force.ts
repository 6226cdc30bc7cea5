import { loadPolicy, type Control } from '@aims-monitor/controls'
import type { LoadedPolicy } from '../evaluate-control.js'
import type { PolicyHistory, PolicyVersion } from '../policy-history.js'
import type { ScheduleBasis } from './report-data.js'

/** Part of the report's period and the controls whose schedules applied in it. */
export interface PolicySegment {
  readonly from: number
  readonly to: number
  readonly controls: readonly Control[]
  readonly basis: ScheduleBasis
}

/**
 * Which policy's schedules apply to which part of the period, so that a control retired, added or
 * rescheduled during the period is held to the schedule it had at the time (ISO/IEC 42001 9.1:
 * monitoring as planned, where the plan is the one in force). A version is in force from its
 * recorded load until the next one; its controls are parsed from the text kept in the policy
 * history. Parts of the period before the first recorded load, and versions whose text no longer
 * parses (a format the collector has since changed), use the policy given to the report; the
 * basis of each part is returned for the report to say so.
 *
 * @param keep which controls the report covers (its project and model)
 */
export async function policySegments(history: PolicyHistory, given: LoadedPolicy, versions: readonly PolicyVersion[], from: number, to: number, keep: (control: Control) => boolean): Promise<PolicySegment[]> {
  const segment = (from: number, to: number, controls: readonly Control[], sha256: string, version: string, reason: ScheduleBasis['reason']): PolicySegment => ({
    from, to, controls: controls.filter(keep),
    basis: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), sha256, version, reason },
  })
  const givenBasis = (from: number, to: number, reason: ScheduleBasis['reason']): PolicySegment =>
    segment(from, to, given.policy.controls, given.sha256, String(given.policy.metadata.version), reason)
  const sorted = [...versions].sort((a, b) => Date.parse(a.loadedAt) - Date.parse(b.loadedAt))
  const segments: PolicySegment[] = []
  const firstLoad = sorted.length > 0 ? Date.parse(sorted[0]!.loadedAt) : Infinity
  if (from < Math.min(firstLoad, to)) segments.push(givenBasis(from, Math.min(firstLoad, to), sorted.length > 0 ? 'before_first_recorded_load' : 'no_recorded_versions'))
  for (let i = 0; i < sorted.length; i++) {
    const version = sorted[i]!
    const start = Math.max(from, Date.parse(version.loadedAt))
    const end = Math.min(to, i + 1 < sorted.length ? Date.parse(sorted[i + 1]!.loadedAt) : Infinity)
    if (start >= end) continue
    if (version.sha256 === given.sha256) {
      segments.push(givenBasis(start, end, 'recorded'))
      continue
    }
    const loaded = loadPolicy(await history.text(version.name, version.sha256), `${version.name}@${version.sha256.slice(0, 12)}`)
    if (!loaded.ok) {
      segments.push(givenBasis(start, end, 'recorded_text_unreadable'))
      continue
    }
    segments.push(segment(start, end, loaded.policy.controls, version.sha256, version.version, 'recorded'))
  }
  return segments
}
