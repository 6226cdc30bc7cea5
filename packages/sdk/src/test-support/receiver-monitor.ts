import { afterAll, beforeAll, beforeEach } from 'vitest'
import { createMonitor, type Monitor, type MonitorOptions } from '../index.js'
import { startOtlpJsonReceiver, type OtlpJsonReceiver } from '../../../../test/support/sdk-otlp-receiver.js'

/** The monitor and receiver of a test file, set once its tests start. */
export interface ReceiverMonitor {
  readonly monitor: Monitor
  readonly receiver: OtlpJsonReceiver
}

/**
 * A monitor exporting OTLP/JSON to a real receiver (test/support/sdk-otlp-receiver.ts), for the
 * tests of one file: created before them, shut down after, and flushed and emptied before each, so
 * each test sees only its own records. exportIntervalMs is at its maximum: records leave on flush().
 */
export function useReceiverMonitor(options: Omit<MonitorOptions, 'endpoint' | 'protocol'>): ReceiverMonitor {
  let monitor: Monitor | undefined
  let receiver: OtlpJsonReceiver | undefined
  beforeAll(async () => {
    receiver = await startOtlpJsonReceiver()
    monitor = createMonitor({ exportIntervalMs: 60_000, ...options, endpoint: receiver.url, protocol: 'http/json' })
  })
  afterAll(async () => {
    await monitor?.shutdown()
    await receiver?.close()
  })
  beforeEach(async () => {
    await monitor!.flush()
    receiver!.records.length = 0
  })
  return {
    get monitor() {
      if (monitor === undefined) throw new Error('the monitor is created before the first test')
      return monitor
    },
    get receiver() {
      if (receiver === undefined) throw new Error('the receiver is started before the first test')
      return receiver
    },
  }
}
