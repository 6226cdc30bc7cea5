import type { Notifier } from '@aims-monitor/controls'
import { NotifierConfigError } from '../errors.js'
import { eventLabel, iso42001Label, modelLabel, outcomeLabel, segmentLabel, truncate, valueVersusThreshold, windowLabel } from '../format.js'
import { postJson } from '../http-post.js'
import type { AlertNotification } from '../notification.js'
import type { NotifierInstance } from '../notifier.js'
import { requireEnvUrl } from '../secrets.js'

export type SlackConfig = Extract<Notifier, { type: 'slack' }>

const EMOJI: Record<AlertNotification['outcome'], string> = { breach: '🔴', warn: '🟠', insufficient_data: '⚪', pass: '🟢' }

/** Slack mrkdwn treats &, < and > as control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

const field = (label: string, value: string) => ({ type: 'mrkdwn', text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, 2000) })

/**
 * An incoming-webhook message: `text` (the notification fallback and what screen readers say) and
 * Block Kit blocks: a header, the summary, the facts as fields (Slack shows at most 10), and a
 * runbook button when the control has one.
 */
export function slackPayload(n: AlertNotification): { text: string; blocks: object[] } {
  const emoji = n.event === 'resolved' ? EMOJI.pass : EMOJI[n.outcome]
  const blocks: object[] = [
    // Header blocks take plain text up to 150 characters.
    { type: 'header', text: { type: 'plain_text', text: truncate(`${emoji} AIMS ${eventLabel(n)}: ${n.control.id} ${n.control.title}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(n.summary), 3000) } },
    {
      type: 'section',
      fields: [
        field('Control', `${n.control.id} v${n.control.version}: ${n.control.title}`),
        field('Outcome', `${outcomeLabel(n.outcome)} (${n.event}, severity ${n.severity})`),
        field('Value vs threshold', `${n.metric.name} ${valueVersusThreshold(n.metric)}`),
        field('Model', `${modelLabel(n.model)} · ${segmentLabel(n.segment)}`),
        field('Window', windowLabel(n.window)),
        field('ISO/IEC 42001', iso42001Label(n)),
        field('Owner', `${n.control.owner.accountable} (accountable), ${n.control.owner.responsible} (responsible)`),
      ],
    },
  ]
  const buttons: object[] = []
  if (n.control.runbook) buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Runbook' }, url: n.control.runbook, action_id: 'aims_runbook' })
  if (n.links?.alert) buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Alert' }, url: n.links.alert, action_id: 'aims_alert' })
  if (buttons.length) blocks.push({ type: 'actions', elements: buttons })
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `alert ${n.alertId} · evaluation ${n.evaluationId}` }] })
  return { text: truncate(`${emoji} ${n.summary}`, 3000), blocks }
}

/** Slack incoming webhook; its URL is a secret, so it comes from `urlEnv` unless given directly. */
export function createSlackNotifier(name: string, config: SlackConfig, env: NodeJS.ProcessEnv): NotifierInstance {
  const url = config.urlEnv !== undefined ? requireEnvUrl(env, name, config.type, config.urlEnv, 'urlEnv') : config.url
  // The policy schema already demands exactly one of them; this guards hand-built configurations.
  if (url === undefined) throw new NotifierConfigError([{ notifier: name, message: `notifier "${name}" (slack): url or urlEnv is required` }])
  return {
    name,
    type: 'slack',
    send: async (notification, signal) => postJson(url, JSON.stringify(slackPayload(notification)), new Headers(), signal),
    async close() {},
  }
}
