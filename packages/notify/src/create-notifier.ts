import type { Notifier } from '@aims-monitor/controls'
import type { NotifierInstance } from './notifier.js'
import { createAlertmanagerNotifier } from './notifiers/alertmanager.js'
import { createEmailNotifier } from './notifiers/email.js'
import { createPagerDutyNotifier } from './notifiers/pagerduty.js'
import { createSlackNotifier } from './notifiers/slack.js'
import { createWebhookNotifier } from './notifiers/webhook.js'

/**
 * Builds the notifier a policy's `notifiers.<name>` declares. Secrets are read from `env` now:
 * a missing one throws NotifierConfigError naming the notifier and the variable.
 *
 * @example
 *   const hook = createNotifier('governance', { type: 'webhook', url: 'https://gov.example/aims', secretEnv: 'AIMS_HOOK_SECRET' })
 *   await hook.send(notification, AbortSignal.timeout(10_000))
 */
export function createNotifier(name: string, config: Notifier, env: NodeJS.ProcessEnv = process.env): NotifierInstance {
  switch (config.type) {
    case 'webhook': return createWebhookNotifier(name, config, env)
    case 'slack': return createSlackNotifier(name, config, env)
    case 'email': return createEmailNotifier(name, config, env)
    case 'alertmanager': return createAlertmanagerNotifier(name, config)
    case 'pagerduty': return createPagerDutyNotifier(name, config, env)
  }
}
