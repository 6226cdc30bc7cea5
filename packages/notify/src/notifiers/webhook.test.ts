import { afterEach, describe, expect, it } from 'vitest'
import { createNotifier } from '../create-notifier.js'
import { NotifierConfigError } from '../errors.js'
import { startHttpReceiver, type HttpReceiver } from '../test-support/http-receiver.js'
import { sampleNotification } from '../test-support/sample-notification.js'
import { verifyWebhookSignature } from '../webhook-signature.js'

const env = { AIMS_HOOK_SECRET: 'webhook-secret' }
let receiver: HttpReceiver | undefined
afterEach(async () => { await receiver?.close(); receiver = undefined })

describe('webhook notifier', () => {
  it('POSTs the notification as signed JSON that a receiver can verify', async () => {
    receiver = await startHttpReceiver()
    const notifier = createNotifier('governance', { type: 'webhook', url: `${receiver.url}/hooks/aims`, secretEnv: 'AIMS_HOOK_SECRET', headers: { 'X-Tenant': 'acme', 'X-AIMS-Signature': 'forged' } }, env)
    const notification = sampleNotification()
    expect(await notifier.send(notification, AbortSignal.timeout(5000))).toEqual({ status: 204 })

    const [request] = receiver.requests
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/aims' })
    expect(request!.headers['content-type']).toBe('application/json')
    expect(request!.headers['x-tenant']).toBe('acme')
    expect(request!.headers['x-aims-delivery']).toBe(notification.deliveryId)
    expect(request!.headers['x-aims-signature']).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(Math.abs(Number(request!.headers['x-aims-timestamp']) - Date.now() / 1000)).toBeLessThan(300)
    expect(verifyWebhookSignature(request!.body, request!.headers, 'webhook-secret')).toBe(true)
    expect(verifyWebhookSignature(request!.body, request!.headers, 'another-secret')).toBe(false)
    expect(JSON.parse(request!.body)).toEqual({ type: 'aims.alert', specVersion: 1, ...notification })
  })

  it('fails at creation, naming the notifier and the variable, when the secret is not set', () => {
    const create = () => createNotifier('governance', { type: 'webhook', url: 'http://127.0.0.1:9/', secretEnv: 'AIMS_HOOK_SECRET' }, {})
    expect(create).toThrow(NotifierConfigError)
    expect(create).toThrow(/notifier "governance" \(webhook\): environment variable AIMS_HOOK_SECRET \(secretEnv\) is not set/)
  })
})
