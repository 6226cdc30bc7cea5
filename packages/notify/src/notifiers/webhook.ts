import type { Notifier } from '@aims-monitor/controls'
import { postJson } from '../http-post.js'
import type { AlertNotification } from '../notification.js'
import type { NotifierInstance } from '../notifier.js'
import { requireEnv } from '../secrets.js'
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from '../webhook-signature.js'

export type WebhookConfig = Extract<Notifier, { type: 'webhook' }>

/** The webhook body: the notification itself, tagged so receivers can route and version it. */
export function webhookPayload(notification: AlertNotification): { type: 'aims.alert'; specVersion: 1 } & AlertNotification {
  return { type: 'aims.alert', specVersion: 1, ...notification }
}

/**
 * POSTs the notification as JSON, HMAC-signed (see verifyWebhookSignature). Every attempt is signed
 * afresh, so a retry is never rejected as stale by the receiver's timestamp tolerance.
 */
export function createWebhookNotifier(name: string, config: WebhookConfig, env: NodeJS.ProcessEnv): NotifierInstance {
  const secret = requireEnv(env, name, config.type, config.secretEnv, 'secretEnv')
  return {
    name,
    type: 'webhook',
    async send(notification, signal) {
      const body = JSON.stringify(webhookPayload(notification))
      const timestamp = Math.floor(Date.now() / 1000)
      // Headers are case-insensitive: set() over the configured ones, so none can replace a signature header.
      const headers = new Headers(config.headers)
      headers.set(TIMESTAMP_HEADER, String(timestamp))
      headers.set(SIGNATURE_HEADER, webhookSignature(body, secret, timestamp))
      headers.set(DELIVERY_HEADER, notification.deliveryId)
      return postJson(config.url, body, headers, signal)
    },
    async close() {},
  }
}
