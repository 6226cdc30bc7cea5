import type { Notifier } from '@aims-monitor/controls'
import { createTransport, type NodemailerError } from 'nodemailer'
import { DeliveryError, NotifierConfigError } from '../errors.js'
import { detailLines, eventLabel, iso42001Label, modelLabel, outcomeLabel, segmentLabel, valueVersusThreshold, windowLabel } from '../format.js'
import type { AlertNotification } from '../notification.js'
import type { NotifierInstance } from '../notifier.js'
import { requireEnv } from '../secrets.js'

export type EmailConfig = Extract<Notifier, { type: 'email' }>

/** `[AIMS breach] FAIR-002 False positive rate parity` (resolved, escalated and warn alike). */
export function emailSubject(n: AlertNotification): string {
  return `[AIMS ${eventLabel(n)}] ${n.control.id} ${n.control.title}`
}

export function emailText(n: AlertNotification): string {
  const lines = [n.summary, '', ...detailLines(n)]
  if (n.control.runbook) lines.push(`Runbook: ${n.control.runbook}`)
  if (n.links?.alert) lines.push(`Alert link: ${n.links.alert}`)
  if (n.links?.evaluation) lines.push(`Evaluation link: ${n.links.evaluation}`)
  lines.push('', `Sent by AIMS Monitor at ${n.occurredAt} (delivery ${n.deliveryId}).`)
  return `${lines.join('\n')}\n`
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
/** Only http(s) becomes a link: a `javascript:` or `data:` URL in a hand-built notification stays text. */
const link = (href: string, label: string) => (/^https?:\/\//i.test(href) ? `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>` : `${escapeHtml(label)}: ${escapeHtml(href)}`)

export function emailHtml(n: AlertNotification): string {
  const rows: Array<[string, string]> = [
    ['Control', `${n.control.id} v${n.control.version}: ${n.control.title}`],
    ['Outcome', `${outcomeLabel(n.outcome)} (${n.event}, severity ${n.severity})`],
    ['Value vs threshold', `${n.metric.kind}/${n.metric.name} ${valueVersusThreshold(n.metric)}`],
    ['Model', `${modelLabel(n.model)}, ${segmentLabel(n.segment)}`],
    ['Window', windowLabel(n.window)],
    ['ISO/IEC 42001', iso42001Label(n)],
    ['EU AI Act', n.control.references.euAiAct.join(', ') || '—'],
    ['NIST AI RMF', n.control.references.nistAiRmf.join(', ') || '—'],
    ['Owner', `${n.control.owner.accountable} (accountable), ${n.control.owner.responsible} (responsible)`],
    ['Alert', n.alertId],
    ['Evaluation', n.evaluationId],
  ]
  const links = [
    n.control.runbook ? link(n.control.runbook, 'Runbook') : '',
    n.links?.alert ? link(n.links.alert, 'Alert') : '',
    n.links?.evaluation ? link(n.links.evaluation, 'Evaluation record') : '',
  ].filter(Boolean)
  return [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(`AIMS ${eventLabel(n)}: ${n.control.id} ${n.control.title}`)}</h2>`,
    `<p>${escapeHtml(n.summary)}</p>`,
    // A long unbroken title or segment value wraps instead of widening the message.
    '<table cellpadding="4" style="border-collapse:collapse;word-break:break-word;overflow-wrap:anywhere">',
    ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    links.length ? `<p>${links.join(' · ')}</p>` : '',
    `<p style="color:#666">Sent by AIMS Monitor at ${escapeHtml(n.occurredAt)} (delivery ${escapeHtml(n.deliveryId)}).</p>`,
    '</body></html>',
  ].join('\n')
}

/**
 * Email over SMTP with nodemailer: one connection per message (alerts are rare), STARTTLS when the
 * server offers it unless `secure` (TLS from the first byte). The Message-ID is derived from the
 * delivery id, so a retried message is recognisably the same one; References threads an alert's mail.
 */
export function createEmailNotifier(name: string, config: EmailConfig, env: NodeJS.ProcessEnv): NotifierInstance {
  const { userEnv, passwordEnv } = config.smtp
  if ((userEnv === undefined) !== (passwordEnv === undefined)) {
    throw new NotifierConfigError([{ notifier: name, message: `notifier "${name}" (email): smtp.userEnv and smtp.passwordEnv go together (SMTP AUTH needs both)` }])
  }
  const auth = userEnv !== undefined && passwordEnv !== undefined
    ? { user: requireEnv(env, name, config.type, userEnv, 'smtp.userEnv'), pass: requireEnv(env, name, config.type, passwordEnv, 'smtp.passwordEnv') }
    : undefined
  const transport = createTransport({
    host: config.smtp.host,
    port: config.smtp.port,
    secure: config.smtp.secure ?? false,
    ...(auth ? { auth } : {}),
    // The dispatcher's signal bounds each attempt; these only stop a socket outliving it.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  })
  return {
    name,
    type: 'email',
    async send(n, signal) {
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: emailSubject(n),
          text: emailText(n),
          html: emailHtml(n),
          messageId: `<${n.deliveryId}@aims-monitor.invalid>`,
          references: `<${n.alertId}@aims-monitor.invalid>`,
          headers: { 'X-AIMS-Alert-Id': n.alertId, 'X-AIMS-Delivery': n.deliveryId, 'X-AIMS-Control': n.control.id },
          signal,
        })
        const code = /^(\d{3})\b/.exec(info.response)?.[1]
        const refused = refusedRecipients(info)
        if (refused !== undefined) {
          // nodemailer sends when any recipient is accepted. A refused one (the governance mailbox, say)
          // must not hide behind "delivered"; not retried, as the accepted ones already have the message.
          throw new DeliveryError(`SMTP ${config.smtp.host}: sent to ${info.accepted.map(String).join(', ')}, refused for ${refused}`, { retryable: false, ...(code === undefined ? {} : { status: Number(code) }) })
        }
        return code === undefined ? {} : { status: Number(code) }
      } catch (error) {
        if (error instanceof DeliveryError) throw error
        throw smtpDeliveryError(error, config.smtp.host, signal)
      }
    },
    async close() {
      transport.close()
    },
  }
}

/** Permanent SMTP replies (5xx but 503) and configuration failures are not retried; connection trouble and 4xx are. */
/** "x@example.org (550 5.1.1 …)" for each recipient the server refused, or undefined when none was. */
function refusedRecipients(info: { rejected: Array<string | { address: string }>; rejectedErrors?: Array<{ recipient?: string; response?: string }> }): string | undefined {
  if (info.rejected.length === 0) return undefined
  return info.rejected.map((r) => {
    const address = typeof r === 'string' ? r : r.address
    const why = info.rejectedErrors?.find((e) => e.recipient === address)?.response
    return why ? `${address} (${why})` : address
  }).join(', ')
}

function smtpDeliveryError(error: unknown, host: string, signal: AbortSignal): DeliveryError {
  const e = (error ?? {}) as NodemailerError
  const status = e.responseCode
  if (signal.aborted) {
    const reason: unknown = signal.reason
    const what = reason instanceof Error && reason.name === 'TimeoutError' ? 'timed out' : 'aborted'
    return new DeliveryError(`SMTP ${host}: ${what}`, { retryable: true, cause: error })
  }
  const permanent = e.permanent === true || e.code === 'ENOAUTH' || e.code === 'ECONFIG' || (e.code === 'EAUTH' && status === undefined)
  const message = e.response ?? e.originalCode ?? e.code ?? (error instanceof Error ? error.message : String(error))
  return new DeliveryError(`SMTP ${host}: ${message}`, { retryable: !permanent, ...(status === undefined ? {} : { status }), cause: error })
}
