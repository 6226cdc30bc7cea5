import { describe, expect, it } from 'vitest'
import { verifyWebhookSignature, webhookSignature } from './webhook-signature.js'

const secret = 'shh-its-a-secret'
const body = JSON.stringify({ type: 'aims.alert', specVersion: 1, alertId: 'a1', summary: 'FAIR-002 breach' })
const now = 1_767_225_600

function signed(payload = body, key = secret, timestamp = now) {
  return { 'x-aims-timestamp': String(timestamp), 'x-aims-signature': webhookSignature(payload, key, timestamp) }
}

describe('verifyWebhookSignature', () => {
  it('accepts a message signed with the secret, from Node headers or fetch Headers, string or bytes', () => {
    expect(verifyWebhookSignature(body, signed(), secret, 300, now)).toBe(true)
    expect(verifyWebhookSignature(Buffer.from(body), new Headers(signed()), secret, 300, now + 299)).toBe(true)
    expect(verifyWebhookSignature(body, { 'X-AIMS-Timestamp': String(now), 'X-AIMS-Signature': signed()['x-aims-signature'] }, secret, 300, now)).toBe(true)
  })

  it('rejects a tampered body', () => {
    const tampered = body.replace('breach', 'pass  ')
    expect(verifyWebhookSignature(tampered, signed(), secret, 300, now)).toBe(false)
  })

  it('rejects a signature made with another secret', () => {
    expect(verifyWebhookSignature(body, signed(body, 'wrong-secret'), secret, 300, now)).toBe(false)
  })

  it('rejects a stale (or future) timestamp even with a valid signature: no replays', () => {
    expect(verifyWebhookSignature(body, signed(body, secret, now - 301), secret, 300, now)).toBe(false)
    expect(verifyWebhookSignature(body, signed(body, secret, now + 301), secret, 300, now)).toBe(false)
  })

  it('rejects a timestamp changed after signing, and missing or malformed headers', () => {
    const headers = signed()
    expect(verifyWebhookSignature(body, { ...headers, 'x-aims-timestamp': String(now + 1) }, secret, 300, now)).toBe(false)
    expect(verifyWebhookSignature(body, { 'x-aims-timestamp': String(now) }, secret, 300, now)).toBe(false)
    expect(verifyWebhookSignature(body, { 'x-aims-signature': headers['x-aims-signature'] }, secret, 300, now)).toBe(false)
    expect(verifyWebhookSignature(body, { ...headers, 'x-aims-signature': 'sha256=abc' }, secret, 300, now)).toBe(false)
    expect(verifyWebhookSignature(body, { ...headers, 'x-aims-timestamp': '1e9' }, secret, 300, now)).toBe(false)
  })
})
