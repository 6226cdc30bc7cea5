import { notifierSchema, type Notifier } from '@aims-monitor/controls'
import { NotifierConfigError } from './errors.js'
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
export function createNotifier(name: string, given: Notifier, env: NodeJS.ProcessEnv = process.env): NotifierInstance {
  // A policy's notifiers are already valid; a configuration built by hand (DispatcherOptions is
  // public) is checked the same way, so that an unknown type, a missing URL or an ftp:// one fails
  // here, naming the field, instead of at every send.
  const parsed = notifierSchema.safeParse(given)
  if (!parsed.success) {
    throw new NotifierConfigError(parsed.error.issues.map((issue) => ({
      notifier: name,
      message: `notifier "${name}": ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`,
    })))
  }
  const config = parsed.data
  switch (config.type) {
    case 'webhook': return createWebhookNotifier(name, config, env)
    case 'slack': return createSlackNotifier(name, config, env)
    case 'email': return createEmailNotifier(name, config, env)
    case 'alertmanager': return createAlertmanagerNotifier(name, config)
    case 'pagerduty': return createPagerDutyNotifier(name, config, env)
  }
}
