import type { Control } from '@aims-monitor/controls'
import type { MetricContext } from '../metric-context.js'
import { currentWindow } from '../windows.js'

/**
 * Whether `control` reads the same predictions as the context's own control in this batch: the same
 * project, model, versions, environment and segment, and the same current window at the batch's
 * time. The runners that compute once for several controls (drift-profiles.ts, outcome-profiles.ts)
 * share only between such controls.
 */
export function readsSamePredictions(context: MetricContext, control: Control): boolean {
  const own = context.control
  return control.scope.project === own.scope.project && control.scope.model === own.scope.model
    && JSON.stringify(control.scope.versions ?? null) === JSON.stringify(own.scope.versions ?? null)
    && (control.scope.environment ?? null) === (own.scope.environment ?? null)
    && JSON.stringify(sortedEntries(control.selector.segment)) === JSON.stringify(sortedEntries(own.selector.segment))
    && JSON.stringify(currentWindow(control, context.batch.at)) === JSON.stringify(context.scope.window)
}

function sortedEntries(record: Readonly<Record<string, string>> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}
