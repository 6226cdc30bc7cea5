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

/** Slack refuses a button whose url is longer (Block Kit, button element): the whole message would be lost. */
const BUTTON_URL_MAX = 3000

/**
 * Whether Slack takes `url` as a button's: http(s) and at most BUTTON_URL_MAX characters. A policy
 * only allows http(s) runbooks; a hand-built notification could carry another scheme, which Slack
 * refuses (with the whole message).
 */
function buttonUrl(url: string): boolean {
  return url.length <= BUTTON_URL_MAX && /^https?:\/\//i.test(url)
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
  const runbook = n.control.runbook
  if (runbook && buttonUrl(runbook)) buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Runbook' }, url: runbook, action_id: 'aims_runbook' })
  if (n.links?.alert && buttonUrl(n.links.alert)) buttons.push({ type: 'button', text: { type: 'plain_text', text: 'Alert' }, url: n.links.alert, action_id: 'aims_alert' })
  if (buttons.length) blocks.push({ type: 'actions', elements: buttons })
  // A runbook link that cannot be a button is still the runbook: given as text, cut to a section's limit.
  if (runbook && !buttonUrl(runbook)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`*Runbook*\n${escapeMrkdwn(runbook)}`, 3000) } })
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `alert ${n.alertId} · evaluation ${n.evaluationId}` }] })
  // Escaped like the blocks: the summary carries the segment, which comes from ingested data, and an
  // unescaped "<!channel>" or "<https://…|text>" in it would ping the channel or show a forged link.
  return { text: truncate(`${emoji} ${escapeMrkdwn(n.summary)}`, 3000), blocks }
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
