/**
 * Ground truth that arrives later: in production weeks after a credit decision, or at the end of
 * the day for bike rentals; here a few seconds (compressed time). Outcomes are queued with the
 * time they become known and logged when it comes (`due` is called by the replay's clock).
 */
export class DelayedOutcomes {
  private readonly queue: Array<{ at: number; log: () => void }> = []
  private head = 0

  /** Outcomes queued and not logged yet. */
  get pending(): number {
    return this.queue.length - this.head
  }

  /** Queues `log` to run `delayMs` from `now`. Calls come in time order, so the queue stays sorted. */
  add(now: number, delayMs: number, log: () => void): void {
    this.queue.push({ at: now + delayMs, log })
  }

  /** Logs every outcome known by `now`; returns how many. */
  due(now: number): number {
    let n = 0
    while (this.head < this.queue.length && this.queue[this.head]!.at <= now) {
      this.queue[this.head++]!.log()
      n++
    }
    // Drop what was logged now and then, not on every call: shifting a long array is O(n).
    if (this.head > 4096) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
    return n
  }

  /** Logs everything still queued (at shutdown: the monitor then delivers it). */
  drain(): number {
    return this.due(Number.POSITIVE_INFINITY)
  }
}
