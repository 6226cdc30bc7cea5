import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterEach, describe, expect, it } from 'vitest'
import { createNotifier } from '../create-notifier.js'
import { DeliveryError } from '../errors.js'
import { sampleNotification } from '../test-support/sample-notification.js'

interface ReceivedMail { from: string; to: string[]; raw: string; user: string | undefined }

/** A real SMTP server on 127.0.0.1 (smtp-server, Nodemailer's own), without STARTTLS: it has no certificate. */
async function startSmtp(options: { rejectRecipient?: string; auth?: { user: string; pass: string } } = {}) {
  const mails: ReceivedMail[] = []
  const server = new SMTPServer({
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass) callback(null, { user: auth.username })
      else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }))
    },
    onRcptTo(address, _session, callback) {
      if (address.address === options.rejectRecipient) callback(Object.assign(new Error('No such user'), { responseCode: 550 }))
      else callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const envelope = session.envelope
        mails.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          to: envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

let smtp: Awaited<ReturnType<typeof startSmtp>> | undefined
afterEach(async () => { await smtp?.close(); smtp = undefined })

/** Undo quoted-printable soft breaks and escapes so the test can read the bodies. */
function decodeQuotedPrintable(raw: string): string {
  return Buffer.from(raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')
}

describe('email notifier', () => {
  it('sends a plain-text and HTML message with the breach subject over SMTP, authenticated', async () => {
    smtp = await startSmtp({ auth: { user: 'aims', pass: 'mail-secret' } })
    const notifier = createNotifier('governance-mail', {
      type: 'email',
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false, userEnv: 'SMTP_USER', passwordEnv: 'SMTP_PASS' },
      from: 'aims@example.org',
      to: ['risk@example.org', 'ml@example.org'],
    }, { SMTP_USER: 'aims', SMTP_PASS: 'mail-secret' })
    const notification = sampleNotification({ summary: 'FAIR-002 breach: false_positive_rate_difference 0.27 ≥ 0.10 (race) <b>' })
    const result = await notifier.send(notification, AbortSignal.timeout(10_000))
    await notifier.close()
    expect(result).toEqual({ status: 250 })

    expect(smtp.mails).toHaveLength(1)
    const mail = smtp.mails[0]!
    expect(mail).toMatchObject({ from: 'aims@example.org', to: ['risk@example.org', 'ml@example.org'], user: 'aims' })
    expect(mail.raw).toMatch(/^Subject: \[AIMS breach\] FAIR-002 False positive rate parity across race\r?$/m)
    expect(mail.raw).toContain(`Message-ID: <${notification.deliveryId}@aims-monitor.invalid>`)
    // Nodemailer normalises header-name case (X-Aims-Alert-ID): header names are case-insensitive.
    expect(mail.raw).toMatch(new RegExp(`^X-AIMS-Alert-Id: ${notification.alertId}\\r?$`, 'im'))
    expect(mail.raw).toMatch(/Content-Type: multipart\/alternative/)
    const body = decodeQuotedPrintable(mail.raw)
    expect(body).toContain('Content-Type: text/plain')
    expect(body).toContain('Metric: fairness/false_positive_rate_difference = 0.27 (breach ≥ 0.1, warn ≥ 0.05)')
    expect(body).toContain('References: ISO/IEC 42001: A.6.2.6, 9.1; EU AI Act: Art. 72; NIST AI RMF: MEASURE 2.11')
    expect(body).toContain('Runbook: https://runbooks.example.org/fair-002')
    expect(body).toContain('Content-Type: text/html')
    expect(body).toContain('<th align="left">ISO/IEC 42001</th><td>A.6.2.6, 9.1</td>')
    expect(body).toContain('(race) &lt;b&gt;</p>')
  })

  it('reports a permanent SMTP rejection as not retryable with its reply code, and a refused connection as retryable', async () => {
    smtp = await startSmtp({ rejectRecipient: 'nobody@example.org' })
    const config = { type: 'email' as const, smtp: { host: '127.0.0.1', port: smtp.port, secure: false }, from: 'aims@example.org', to: ['nobody@example.org'] }
    const rejected = await createNotifier('mail', config, {}).send(sampleNotification(), AbortSignal.timeout(10_000)).catch((e: unknown) => e)
    expect(rejected).toBeInstanceOf(DeliveryError)
    expect(rejected).toMatchObject({ retryable: false, status: 550 })

    const port = smtp.port
    await smtp.close()
    smtp = undefined
    const refused = await createNotifier('mail', { ...config, smtp: { ...config.smtp, port } }, {}).send(sampleNotification(), AbortSignal.timeout(10_000)).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(DeliveryError)
    expect(refused).toMatchObject({ retryable: true })
  })

  it('fails at creation when a credential variable is not set', () => {
    expect(() => createNotifier('mail', { type: 'email', smtp: { host: '127.0.0.1', port: 25, secure: false, userEnv: 'SMTP_USER', passwordEnv: 'SMTP_PASS' }, from: 'a@example.org', to: ['b@example.org'] }, { SMTP_USER: 'u' }))
      .toThrow(/notifier "mail" \(email\): environment variable SMTP_PASS \(smtp.passwordEnv\) is not set/)
  })
})
