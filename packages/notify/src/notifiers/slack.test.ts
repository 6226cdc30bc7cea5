import { afterEach, describe, expect, it } from 'vitest'
import { createNotifier } from '../create-notifier.js'
import { DeliveryError, NotifierConfigError } from '../errors.js'
import { startHttpReceiver, type HttpReceiver } from '../test-support/http-receiver.js'
import { sampleNotification } from '../test-support/sample-notification.js'

let receiver: HttpReceiver | undefined
afterEach(async () => { await receiver?.close(); receiver = undefined })

type Block = { type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ type: string; url?: string; text?: unknown }> }

describe('slack notifier', () => {
  it('posts text and Block Kit blocks with the facts and a runbook button', async () => {
    // Slack answers 200 "ok" to an accepted incoming-webhook message.
    receiver = await startHttpReceiver((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'))
    const notifier = createNotifier('gov-slack', { type: 'slack', urlEnv: 'SLACK_URL' }, { SLACK_URL: `${receiver.url}/services/T000/B000/XXXX` })
    const notification = sampleNotification({ segment: 'channel=web', summary: 'FAIR-002 breach: fpr diff 0.27 > 0.10 <race> & more' })
    expect(await notifier.send(notification, AbortSignal.timeout(5000))).toEqual({ status: 200 })

    const [request] = receiver.requests
    expect(request!.path).toBe('/services/T000/B000/XXXX')
    const message = JSON.parse(request!.body) as { text: string; blocks: Block[] }
    expect(message.text).toContain('FAIR-002 breach')
    const [header, summary, facts, actions] = message.blocks
    expect(header!.type).toBe('header')
    expect(header!.text!.text).toContain('AIMS breach: FAIR-002 False positive rate parity across race')
    expect(summary!.text!.text).toBe('FAIR-002 breach: fpr diff 0.27 &gt; 0.10 &lt;race&gt; &amp; more')
    const fields = facts!.fields!.map((f) => f.text)
    expect(fields).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\*Control\*\nFAIR-002 v3: False positive rate parity/),
      expect.stringMatching(/^\*Outcome\*\nbreach \(opened, severity high\)/),
      '*Value vs threshold*\nfalse_positive_rate_difference 0.27 (breach ≥ 0.1, warn ≥ 0.05)',
      '*Model*\ndefault/compas-recidivism@2.1.0 · channel=web',
      '*Window*\n2026-01-01T00:00:00.000Z → 2026-01-08T00:00:00.000Z',
      '*ISO/IEC 42001*\nA.6.2.6, 9.1',
    ]))
    expect(actions!.type).toBe('actions')
    expect(actions!.elements![0]).toMatchObject({ type: 'button', url: 'https://runbooks.example.org/fair-002' })
  })

  it('has no actions block without a runbook or link, and reports Slack errors as not retryable', async () => {
    receiver = await startHttpReceiver((_req, res) => res.writeHead(400).end('invalid_payload'))
    const notifier = createNotifier('gov-slack', { type: 'slack', url: `${receiver.url}/hook` })
    const notification = sampleNotification({ control: { ...sampleNotification().control, runbook: undefined }, links: undefined })
    const error = await notifier.send(notification, AbortSignal.timeout(5000)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeliveryError)
    expect(error).toMatchObject({ retryable: false, status: 400, message: expect.stringContaining('invalid_payload') })
    const blocks = (JSON.parse(receiver.requests[0]!.body) as { blocks: Block[] }).blocks
    expect(blocks.some((b) => b.type === 'actions')).toBe(false)
  })

  it('names the variable when the secret URL is missing or not a URL, without quoting its value', () => {
    expect(() => createNotifier('gov-slack', { type: 'slack', urlEnv: 'SLACK_URL' }, {})).toThrow(/notifier "gov-slack" \(slack\): environment variable SLACK_URL \(urlEnv\) is not set/)
    const bad = () => createNotifier('gov-slack', { type: 'slack', urlEnv: 'SLACK_URL' }, { SLACK_URL: 'xoxb-secret-token' })
    expect(bad).toThrow(NotifierConfigError)
    expect(bad).toThrow(/SLACK_URL \(urlEnv\) is not an http\(s\) URL/)
    expect(bad).not.toThrow(/xoxb/)
  })
})
