import { resourceFromAttributes } from '@opentelemetry/resources'
import { AIMS_ATTRIBUTES } from '@aims-monitor/schema'
import { resolveMonitorOptions, type MonitorOptions } from './config.js'
import { createLogTransport } from './log-export.js'
import { Recorder } from './recorder.js'
import type { ManualPrediction, MonitorStats, OutcomeInput } from './types.js'
import { wrapCall, type WrapOptions } from './wrap-call.js'

export type { ManualPrediction } from './types.js'

export interface Monitor {
  /**
   * Wraps a model call: same signature, same result, same errors, same timing; records one
   * prediction per call (for a stream: when it ends, with its latency and item count).
   * @example const score = monitor.wrap(model.predict, { features: (x) => ({ age: x.age }), output: (r) => ({ score: r }) })
   */
  wrap<F extends (...args: any[]) => any>(fn: F, options?: WrapOptions<F>): F
  /**
   * Like wrap, but each call returns `{ result, predictionId }`, so the outcome can be attached later
   * with logOutcome, from this process or another. (A call that throws rethrows, as wrap does.)
   * @example const { result, predictionId } = await scoreWithId(applicant)
   */
  wrapWithId<F extends (...args: any[]) => any>(fn: F, options?: WrapOptions<F>): (...args: Parameters<F>) => { result: ReturnType<F>; predictionId: string }
  /** The id of the latest wrapped call in this process, read right after a synchronous call returns. */
  lastPredictionId(): string | undefined
  /**
   * Records a prediction made elsewhere; returns its id (the one given, or a fresh one). A record
   * the collector would refuse (an invalid id or timestamp) is left out, counted in
   * stats().truncated and warned once (AIMS_MONITOR_INVALID). Never throws.
   */
  logPrediction(prediction: ManualPrediction): string
  /**
   * Attaches the ground truth to a prediction, days later if need be, from any process. Kept
   * exactly when the prediction was kept by sampling (the decision is a hash of the id). An outcome
   * the collector would refuse (an invalid id or timestamp, neither a usable label nor a finite
   * value) is left out and counted in stats().truncated. Never throws.
   * @example monitor.logOutcome(predictionId, 'repaid')
   */
  logOutcome(predictionId: string, outcome: OutcomeInput | string | number | boolean, options?: { timestamp?: Date | number }): void
  /** Exports everything recorded so far; resolves when delivered or given up. */
  flush(): Promise<void>
  /** Flushes, then stops: later calls still work, unrecorded. */
  shutdown(): Promise<void>
  /** What the monitor did so far: recorded, sampledOut, dropped, exported, failed, extractorErrors, truncated. */
  stats(): MonitorStats
  /** false when unconfigured (no endpoint) or disabled: every method is then a cheap no-op. */
  readonly enabled: boolean
}

/**
 * Creates a monitor for one model. Reads AIMS_ENDPOINT and AIMS_API_KEY when not given; without an
 * endpoint, or with `enabled: false` or AIMS_DISABLED=true, it is a working no-op. Invalid options
 * throw an AimsConfigError at once, naming each problem.
 * @example
 * const monitor = createMonitor({ model: { id: 'credit-risk', version: '2.3.0' } })
 * const predict = monitor.wrap(model.predict, { features: (a) => ({ age: a.age, income: a.income }), output: (p) => ({ score: p }) })
 */
export function createMonitor(options: MonitorOptions): Monitor {
  const resolved = resolveMonitorOptions(options)
  const on = resolved.enabled && resolved.endpoint !== undefined
  const resource = resourceFromAttributes({
    'service.name': process.env.OTEL_SERVICE_NAME || resolved.model.id,
    [AIMS_ATTRIBUTES.modelId]: resolved.model.id,
    [AIMS_ATTRIBUTES.modelVersion]: resolved.model.version,
    ...(resolved.environment ? { 'deployment.environment.name': resolved.environment } : {}),
  })
  const recorder = new Recorder(resolved, resource, on ? (context) => createLogTransport(resolved, context) : undefined)
  let lastCall: number | undefined
  const remember = (n: number) => {
    lastCall = n
  }
  let flushOnExit: (() => void) | undefined
  if (on && resolved.flushOnExit) {
    flushOnExit = () => void recorder.flush()
    process.once('beforeExit', flushOnExit)
  }
  return {
    enabled: on,
    wrap: (fn, wrapOptions = {}) => wrapCall(fn, wrapOptions, recorder, remember),
    wrapWithId(fn, wrapOptions = {}) {
      // A stack, not a variable: a model that calls itself (recursion) must get back its own id.
      const calls: number[] = []
      const wrapped = wrapCall(fn, wrapOptions, recorder, (call) => {
        calls.push(call)
        lastCall = call
      })
      return function (this: unknown, ...args: Parameters<typeof fn>) {
        const depth = calls.length
        try {
          const result = wrapped.apply(this, args)
          return { result, predictionId: recorder.idOf(calls[depth]!) }
        } finally {
          calls.length = depth
        }
      }
    },
    lastPredictionId: () => (lastCall === undefined ? undefined : recorder.idOf(lastCall)),
    // Arguments are read and checked inside the recorder's guard: whatever they are, nothing throws.
    logPrediction: (prediction) => recorder.recordManual(prediction),
    logOutcome: (predictionId, outcome, outcomeOptions) => recorder.recordOutcome(predictionId, outcome, outcomeOptions),
    flush: async () => {
      await recorder.flush()
    },
    async shutdown() {
      if (flushOnExit) process.removeListener('beforeExit', flushOnExit)
      await recorder.shutdown()
    },
    stats: () => recorder.stats(),
  }
}
