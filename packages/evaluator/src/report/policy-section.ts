import type { Control, Policy } from '@aims-monitor/controls'
import type { PolicyVersion } from '../policy-history.js'
import type { ReportControl, ReportControlChange, ReportPolicyVersion } from './report-data.js'

/** 90000 → '1m30s', 86400000 → '1d': how the policy file writes durations. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]]
  let rest = ms
  let text = ''
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size)
    if (n > 0) { text += `${n}${unit}`; rest -= n * size }
  }
  return text
}

/** The policy's controls as the register prints them (only `model`'s when given). */
export function controlRegister(policy: Policy, project: string, model: string | null): ReportControl[] {
  return policy.controls
    .filter((c) => c.scope.project === project && (model === null || c.scope.model === model))
    .map((c): ReportControl => ({
      id: c.id, version: c.version, title: c.title, status: c.status, severity: c.severity, model: c.scope.model,
      metric: `${c.metric.kind}/${c.metric.name}`,
      schedule: scheduleText(c),
      window: `${c.window.current.type} ${formatDuration(c.window.current.size)}, label delay ${formatDuration(c.window.labelDelay)}`,
      thresholds: { direction: c.thresholds.direction ?? 'above', warn: c.thresholds.warn ?? null, breach: c.thresholds.breach, rationale: c.thresholds.rationale },
      approval: c.approval,
      owner: `${c.owner.accountable} (accountable), ${c.owner.responsible} (responsible)`,
      references: [...c.references.iso42001, ...c.references.euAiAct, ...c.references.nistAiRmf],
    }))
}

export function scheduleText(control: Control): string {
  const s = control.schedule
  return 'every' in s ? `every ${formatDuration(s.every)}` : `cron ${s.cron} (${s.timezone ?? 'UTC'})`
}

/** The policy's versions with whether each was in force during [from, to), loaded in it, and how many of its evaluations ran under it. */
export function policyVersionsInPeriod(versions: readonly PolicyVersion[], from: number, to: number, usedBy: ReadonlyMap<string, number>): ReportPolicyVersion[] {
  return versions.map((v, i) => {
    const loaded = Date.parse(v.loadedAt)
    const replaced = i + 1 < versions.length ? Date.parse(versions[i + 1]!.loadedAt) : Infinity
    return {
      version: v.version, sha256: v.sha256, loadedAt: v.loadedAt, loadedBy: v.loadedBy,
      inForce: loaded < to && replaced > from, loadedInPeriod: loaded >= from && loaded < to, usedByEvaluations: usedBy.get(v.sha256) ?? 0,
    }
  })
}

/**
 * Control changes made by the versions loaded in [from, to), against the version before each: who
 * loaded it, when, and why (the approval the changed control carries); the first version ever
 * loaded adds its controls.
 */
export function controlChanges(versions: readonly PolicyVersion[], from: number, to: number, keep: (controlId: string) => boolean): ReportControlChange[] {
  const changes: ReportControlChange[] = []
  versions.forEach((v, i) => {
    const at = Date.parse(v.loadedAt)
    if (at < from || at >= to) return
    const before = new Map((versions[i - 1]?.controls ?? []).map((c) => [c.id, c]))
    const after = new Map(v.controls.map((c) => [c.id, c]))
    const base = { at: v.loadedAt, loadedBy: v.loadedBy, policyVersion: v.version, policySha256: v.sha256, diff: v.diff }
    for (const [id, c] of after) {
      if (!keep(id)) continue
      const old = before.get(id)
      if (!old) changes.push({ ...base, controlId: id, change: 'added', fromVersion: null, toVersion: c.version, approval: c.approval })
      else if (old.version !== c.version || old.status !== c.status || JSON.stringify(old.approval) !== JSON.stringify(c.approval)) {
        changes.push({ ...base, controlId: id, change: 'changed', fromVersion: old.version, toVersion: c.version, approval: c.approval })
      }
    }
    for (const [id, old] of before) {
      if (keep(id) && !after.has(id)) changes.push({ ...base, controlId: id, change: 'removed', fromVersion: old.version, toVersion: null, approval: null })
    }
  })
  return changes
}
