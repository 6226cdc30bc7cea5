import { ParamBag, scopeClause } from '@aims-monitor/metrics'
import { InsufficientData, numberParam, type MetricComputation, type MetricContext } from '../metric-context.js'

/**
 * Operational health of the current window: a latency quantile (exact, over the recorded
 * `latency_ms` of successful and failed calls alike) and the error rate (predictions recorded with
 * status 'error'). One aggregate scan.
 */
export async function runOperational(context: MetricContext): Promise<MetricComputation> {
  const { control } = context
  const quantile = numberParam(control, 'quantile', 0.95)
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`control ${control.id}: metric.params.quantile must be in (0, 1)`)
  const bag = new ParamBag()
  const level = bag.float64('level', quantile)
  const rows = await context.rows<{ n: string; errors: string; timed: string; latency: number | null }>({
    query: `SELECT count() AS n, countIf(status = 'error') AS errors, countIf(isFinite(latency_ms)) AS timed,
                   quantileExactIf(${level})(latency_ms, isFinite(latency_ms)) AS latency
            ${scopeClause(context.scope, bag)}`,
    params: bag.values,
  })
  const n = Number(rows[0]?.n ?? 0)
  const errors = Number(rows[0]?.errors ?? 0)
  const timed = Number(rows[0]?.timed ?? 0)
  if (n < control.guard.minSample) throw new InsufficientData(`${n} predictions in the window < minSample ${control.guard.minSample}`, { current: n })
  if (control.metric.name === 'error_rate') {
    return single(errors / n, { predictions: n, errors }, n, 'countIf(status = \'error\') / count() in ClickHouse')
  }
  if (timed === 0) throw new InsufficientData('no prediction in the window has a recorded latency', { current: n })
  return single(Number(rows[0]!.latency), { predictions: n, timed, quantile }, n, `quantileExact(${quantile}) of latency_ms in ClickHouse (ms)`)
}

function single(value: number, detail: Record<string, unknown>, n: number, implementation: string): MetricComputation {
  return { items: [{ name: 'model', value, detail }], currentSize: n, referenceSize: null, labelled: null, labelCoverage: null, excludedGroups: [], implementation }
}
