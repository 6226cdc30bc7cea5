import type { Monitor } from '@aims-monitor/sdk'
import { BIKE_FEATURES, type BikeHour } from './bike-data.js'
import type { BikeModel } from './bike-model.js'
import { DelayedOutcomes } from './delayed-outcomes.js'
import { ReplayClock } from './replay-clock.js'

/** Identity of the bike model as the monitor, the policy and the reference data set name it. */
export const BIKE_MODEL = { id: 'bike-demand', version: '2011.01' } as const

export interface StreamProgress {
  /** Predictions served so far (all passes). */
  served: number
  /** Outcomes logged so far. */
  outcomes: number
  /** Complete passes over the data. */
  passes: number
}

/**
 * Replays February 2011 hour by hour through the instrumented bike model, `hoursPerSecond` at a
 * time, over and over; each hour's real rentals arrive as its outcome `outcomeDelayMs` later (at
 * the end of the day, compressed). Every prediction is stamped now: the controls' windows are
 * seconds long, and the collector refuses timestamps from the future anyway.
 */
export class BikeStream {
  readonly progress: StreamProgress = { served: 0, outcomes: 0, passes: 0 }
  private readonly clock: ReplayClock
  private readonly outcomes = new DelayedOutcomes()
  private next = 0

  constructor(
    model: BikeModel,
    private readonly monitor: Monitor,
    private readonly hours: readonly BikeHour[],
    hoursPerSecond: number,
    private readonly outcomeDelayMs: number,
    private readonly onStep: (progress: StreamProgress) => void,
  ) {
    // The one instrumented line: same result and timing as model.predict, and a prediction id.
    const rentals = (hour: BikeHour): number => model.predict(hour)
    const predict = monitor.wrapWithId(rentals, {
      features: (h: BikeHour) => Object.fromEntries(BIKE_FEATURES.map((f) => [f, h[f]])),
      attributes: (h: BikeHour) => ({ day_type: h.workingday === 1 ? 'working' : 'weekend_or_holiday' }),
      output: (value) => ({ value: Math.round(value * 10) / 10 }),
    })
    this.clock = new ReplayClock(hoursPerSecond, (rows, now) => {
      for (let i = 0; i < rows; i++) {
        const hour = this.hours[this.next]!
        const { predictionId } = predict(hour)
        this.progress.served++
        this.outcomes.add(now, this.outcomeDelayMs, () => {
          this.monitor.logOutcome(predictionId, { value: hour.cnt })
          this.progress.outcomes++
        })
        if (++this.next === this.hours.length) {
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

  /** Stops serving; outcomes already due later are logged now, so shutdown delivers them. */
  stop(): void {
    this.clock.stop()
    this.outcomes.drain()
  }
}
