import cliProgress from 'cli-progress'

/** The loading steps, in order: one tick of the setup bar each. */
export const SETUP_STEPS = ['webhook receiver', 'collector (aims up)', 'bike reference data', 'credit model trained', 'bike model trained'] as const

/**
 * What the demo prints. On a terminal: progress bars while it loads (cli-progress), with every
 * other line printed above them; elsewhere (CI, a pipe) plain lines, one per step, since bars
 * redrawn in place would only fill a log with carriage returns.
 */
export class Output {
  readonly tty: boolean
  private bars: cliProgress.MultiBar | undefined
  private setup: cliProgress.SingleBar | undefined
  private replay: cliProgress.SingleBar | undefined

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    this.tty = stream.isTTY === true
  }

  line(text: string): void {
    if (this.bars) this.bars.log(text + '\n')
    else this.stream.write(text + '\n')
  }

  /** Shows the setup bar (and, later, the replay bar) on a terminal. */
  startLoading(): void {
    if (!this.tty) return
    this.bars = new cliProgress.MultiBar(
      { stream: this.stream, clearOnComplete: false, hideCursor: true, autopadding: true, barsize: 28, format: ' {label} {bar} {value}/{total} {detail}' },
      cliProgress.Presets.shades_classic,
    )
    this.setup = this.bars.create(SETUP_STEPS.length, 0, { label: 'setting up       ', detail: 'starting' })
  }

  /** One setup step done (in any order: several run at once). */
  stepDone(step: (typeof SETUP_STEPS)[number], detail: string): void {
    this.setup?.increment(1, { detail: step })
    this.line(`  ✓ ${step}: ${detail}`)
  }

  /** The replay's first pass over February: `total` hours. */
  startReplay(total: number): void {
    this.replay = this.bars?.create(total, 0, { label: 'replaying Feb 2011', detail: '' })
  }

  replayProgress(hours: number, detail: string): void {
    this.replay?.update(hours, { detail })
  }

  /** Ends the bars (the first pass is done, or the demo stops); later lines are plain. */
  stopLoading(): void {
    // MultiBar.log only buffers until the next redraw, and stop() does not redraw: flush first.
    this.bars?.update()
    this.bars?.stop()
    this.bars = undefined
    this.setup = undefined
    this.replay = undefined
  }
}
