import type { Notifier } from '@aims-monitor/controls'
import { NotificationDispatcher, type DispatcherOptions, type DroppedDelivery } from '../dispatcher.js'
import type { NotifyLogger } from '../logger.js'
import type { DeliveryAttempt } from '../notification.js'

/** Warnings and errors collected instead of printed. */
export function memoryLogger() {
  const lines: Array<{ level: string; msg: string | undefined; obj: object }> = []
  const logger: NotifyLogger = { warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }), error: (obj, msg) => lines.push({ level: 'error', msg, obj }) }
  return { lines, logger }
}

/**
 * A dispatcher of `notifiers` that records every attempt and drop it reports, and its log lines.
 * `options` are the test file's own settings (env, small retry delays), given on top of the recorders.
 */
export function recordingDispatcher(notifiers: Record<string, Notifier>, options: Partial<DispatcherOptions>) {
  const attempts: DeliveryAttempt[] = []
  const dropped: DroppedDelivery[] = []
  const { lines, logger } = memoryLogger()
  const d = new NotificationDispatcher({
    notifiers,
    onAttempt: (a) => { attempts.push(a) },
    onDropped: (x) => { dropped.push(x) },
    logger,
    ...options,
  })
  return { d, attempts, dropped, logs: lines }
}
