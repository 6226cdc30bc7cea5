import type { Monitor } from '@aims-monitor/sdk'
import { createCreditService, shuffled, type CreditModel, type Decision, type LabeledApplicant } from '@aims-monitor/example-credit-model'
import { DelayedOutcomes } from './delayed-outcomes.js'
import { ReplayClock } from './replay-clock.js'
import type { StreamProgress } from './bike-stream.js'

/**
 * Serves UCI Adult test-set applicants through examples/credit-model's instrumented decisioning
 * service (`createCreditService`: monitor.wrapWithId around model.predict), `perSecond` at a time.
 * For a seeded `outcomeFraction` of decisions the ground truth (approve when the income really was
 * above 50K) is logged with `monitor.logOutcome` `outcomeDelayMs` later: the weeks until repayment
 * is known, compressed. When the test set is used up it is reshuffled and served again.
 */
export class CreditStream {
  readonly progress: StreamProgress = { served: 0, outcomes: 0, passes: 0 }
  private readonly clock: ReplayClock
  private readonly outcomes = new DelayedOutcomes()
  private order: LabeledApplicant[]
  private next = 0

  constructor(
    model: CreditModel,
    private readonly monitor: Monitor,
    private readonly applicants: readonly LabeledApplicant[],
    options: { perSecond: number; threshold: number; outcomeFraction: number; outcomeDelayMs: number; random: () => number },
    private readonly onStep: (progress: StreamProgress) => void,
  ) {
    const service = createCreditService(model, monitor, options.threshold)
    this.order = shuffled(applicants, options.random)
    this.clock = new ReplayClock(options.perSecond, (rows, now) => {
      for (let i = 0; i < rows; i++) {
        const row = this.order[this.next]!
        const { predictionId } = service.decide(row.applicant)
        this.progress.served++
        if (options.random() < options.outcomeFraction) {
          const truth: Decision = row.highIncome ? 'approve' : 'deny'
          this.outcomes.add(now, options.outcomeDelayMs, () => {
            this.monitor.logOutcome(predictionId, truth)
            this.progress.outcomes++
          })
        }
        if (++this.next === this.order.length) {
          this.order = shuffled(this.applicants, options.random)
          this.next = 0
          this.progress.passes++
        }
      }
      this.outcomes.due(now)
      this.onStep(this.progress)
    })
  }

  start(): void {
    this.clock.start()
  }

  stop(): void {
    this.clock.stop()
    this.outcomes.drain()
  }
}
