import type { NotifierType } from '@aims-monitor/controls'
import type { AlertNotification } from './notification.js'

/**
 * One configured notifier, ready to send. `send` makes exactly one attempt: retries, timeouts and
 * queueing are the dispatcher's. It throws a DeliveryError saying whether a retry can help.
 */
export interface NotifierInstance {
  readonly name: string
  readonly type: NotifierType
  /** Resolves with the receiver's status (HTTP; email: the SMTP reply code) once it accepted. */
  send(notification: AlertNotification, signal: AbortSignal): Promise<{ status?: number }>
  /** Releases connections; the notifier is not used afterwards. */
  close(): Promise<void>
}
