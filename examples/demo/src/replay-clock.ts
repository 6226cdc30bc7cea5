/**
 * Paces a replay: `step(n)` is asked for the rows that fall due since the last tick at
 * `rowsPerSecond`, every `tickMs`. Fractions carry over, so the long-run rate is exact. The timer is
 * unref'd: a replay never keeps the process alive on its own.
 */
export class ReplayClock {
  private timer: NodeJS.Timeout | undefined
  private last = 0
  private carry = 0

  constructor(
    private readonly rowsPerSecond: number,
    private readonly step: (rows: number, now: number) => void,
    private readonly tickMs = 200,
  ) {}

  start(): void {
    this.last = Date.now()
    this.timer = setInterval(() => this.tick(), this.tickMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  private tick(): void {
    const now = Date.now()
    this.carry += ((now - this.last) / 1000) * this.rowsPerSecond
    this.last = now
    const rows = Math.floor(this.carry)
    this.carry -= rows
    this.step(rows, now)
  }
}
