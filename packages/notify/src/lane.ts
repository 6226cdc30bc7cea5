/**
 * A per-notifier concurrency limit: at most `limit` attempts in flight to one receiver, each
 * notifier with its own lane so that a slow receiver only ever queues its own deliveries.
 */
export class Lane {
  #active = 0
  readonly #waiting: Array<(granted: boolean) => void> = []

  constructor(private readonly limit: number) {}

  /** Resolves true with a slot held, or false when the lane was closed while waiting. */
  acquire(): Promise<boolean> {
    if (this.#active < this.limit) {
      this.#active++
      return Promise.resolve(true)
    }
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  release(): void {
    const next = this.#waiting.shift()
    // The slot passes straight to the next waiter: #active stays the same.
    if (next) next(true)
    else this.#active--
  }

  /** Turns every waiter away (shutdown); slots in use are released as usual. */
  close(): void {
    for (const waiter of this.#waiting.splice(0)) waiter(false)
  }
}
