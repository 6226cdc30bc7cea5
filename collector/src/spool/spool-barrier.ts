import type { Spool } from './spool.js'
import type { SpoolDrainer } from './spool-drainer.js'

/**
 * Read-your-writes for query endpoints: seals the open segments and waits until everything
 * acknowledged so far is in the store (or the time runs out), then says how many rows still wait.
 */
export class SpoolBarrier {
  constructor(
    private readonly spool: Spool,
    private readonly drainer: SpoolDrainer,
  ) {}

  async awaitStored(timeoutMs: number): Promise<number> {
    if (this.spool.depth.rows === 0 || timeoutMs <= 0) return this.spool.depth.rows
    await this.spool.sealAll()
    await this.drainer.waitForSeq(this.spool.lastSealedSeq, timeoutMs)
    return this.spool.depth.rows
  }
}
