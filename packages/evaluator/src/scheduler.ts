import { Cron } from 'croner'
import { CRON_MODE, type Control } from '@aims-monitor/controls'

/**
 * Runs each control on its schedule: `every` fires on multiples of the interval since the epoch
 * (so replicas fire for the same windows), `cron` through croner (time zone aware). A run that is
 * still going when the next is due is not overlapped: the next fire waits for it. Timers are
 * unref'd: the schedule never keeps the process alive on its own.
 */
export class ControlScheduler {
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly crons: Cron[] = []
  private readonly running = new Set<Promise<void>>()
  private stopped = false

  constructor(private readonly run: (control: Control, at: number) => Promise<void>) {}

  start(controls: readonly Control[]): void {
    this.stopped = false
    // One instant for every first run, so that the evaluator takes them as one batch.
    const now = Date.now()
    for (const control of controls) {
      // A first run at start: a window that ended while the collector was down is evaluated now.
      this.fire(control, now)
      const schedule = control.schedule
      if ('every' in schedule) this.scheduleEvery(control, schedule.every)
      else {
        this.crons.push(new Cron(schedule.cron, { mode: CRON_MODE, timezone: schedule.timezone, protect: true, unref: true }, (job: Cron) => {
          const at = job.currentRun()?.getTime() ?? Date.now()
          return this.fire(control, at)
        }))
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const cron of this.crons.splice(0)) cron.stop()
    await Promise.allSettled([...this.running])
  }

  private scheduleEvery(control: Control, every: number): void {
    const now = Date.now()
    const next = Math.floor(now / every) * every + every
    const timer = setTimeout(async () => {
      this.timers.delete(timer)
      if (this.stopped) return
      await this.fire(control, next)
      if (!this.stopped) this.scheduleEvery(control, every)
    }, next - now)
    timer.unref()
    this.timers.add(timer)
  }

  private fire(control: Control, at: number): Promise<void> {
    const run = this.run(control, at)
    this.running.add(run)
    void run.finally(() => this.running.delete(run))
    return run
  }
}
