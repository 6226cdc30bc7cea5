import { createServer } from 'node:net'
import type { Notifier } from '@aims-monitor/controls'
import { afterEach, describe, expect, it } from 'vitest'
import { NotificationDispatcher, type DispatcherOptions } from './dispatcher.js'
import { NotifierConfigError } from './errors.js'
import type { DeliveryAttempt } from './notification.js'
import { json, startHttpReceiver, type HttpReceiver, type Responder } from './test-support/http-receiver.js'
import { memoryLogger, recordingDispatcher } from './test-support/recording-dispatcher.js'
import { sampleNotification } from './test-support/sample-notification.js'

const env = { HOOK_SECRET: 'dispatcher-test-secret' }
const receivers: HttpReceiver[] = []
const dispatchers: NotificationDispatcher[] = []
afterEach(async () => {
  await Promise.all(dispatchers.splice(0).map((d) => d.close()))
  await Promise.all(receivers.splice(0).map((r) => r.close()))
})

async function receiver(respond?: Responder): Promise<HttpReceiver> {
  const r = await startHttpReceiver(respond)
  receivers.push(r)
  return r
}

const webhook = (r: HttpReceiver): Notifier => ({ type: 'webhook', url: `${r.url}/hook`, secretEnv: 'HOOK_SECRET' })

function dispatcher(notifiers: Record<string, Notifier>, options: Partial<DispatcherOptions> = {}) {
  // Tiny backoff: the tests check behaviour, not the default pacing.
  const recorded = recordingDispatcher(notifiers, { env, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options })
  dispatchers.push(recorded.d)
  return recorded
}

describe('NotificationDispatcher', () => {
  it('retries a receiver that fails twice with 503: three attempts reported, delivered once', async () => {
    const r = await receiver((_req, res, i) => (i < 2 ? res.writeHead(503).end('busy') : res.writeHead(200).end()))
    const { d, attempts } = dispatcher({ hook: webhook(r) })
    const n = sampleNotification()
    d.enqueue(n, ['hook'])
    await d.drain(20_000)

    expect(attempts.map((a) => [a.attempt, a.ok, a.status, a.willRetry])).toEqual([[1, false, 503, true], [2, false, 503, true], [3, true, 200, false]])
    expect(attempts.every((a) => a.notifier === 'hook' && a.type === 'webhook' && a.alertId === n.alertId && a.deliveryId === n.deliveryId)).toBe(true)
    expect(attempts[0]!.error).toContain('HTTP 503: busy')
    // Every attempt carries the same delivery id: the receiver's idempotency key.
    expect(new Set(r.requests.map((q) => q.headers['x-aims-delivery']))).toEqual(new Set([n.deliveryId]))
    expect(d.stats()).toEqual({ queued: 0, delivered: 1, failed: 0, dropped: 0, retries: 2 })
  })

  it('does not retry a 400: one attempt, failed', async () => {
    const r = await receiver((_req, res) => json(res, 400, { error: 'bad payload' }))
    const { d, attempts, logs } = dispatcher({ hook: webhook(r) })
    d.enqueue(sampleNotification(), ['hook'])
    await d.drain(20_000)
    expect(attempts).toHaveLength(1)
    expect(attempts[0]).toMatchObject({ ok: false, status: 400, willRetry: false, error: expect.stringContaining('bad payload') })
    expect(d.stats()).toMatchObject({ delivered: 0, failed: 1, retries: 0 })
    expect(logs.some((l) => l.msg === 'notification not delivered')).toBe(true)
  })

  it('honours Retry-After, and gives up when it points past the deadline', async () => {
    const r = await receiver((_req, res, i) => (i === 0 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(204).end()))
    const { d, attempts } = dispatcher({ hook: webhook(r) })
    d.enqueue(sampleNotification(), ['hook'])
    await d.drain(20_000)
    expect(attempts.map((a) => [a.status, a.willRetry])).toEqual([[429, true], [204, false]])
    // With a 1-5 ms backoff, only Retry-After explains a second attempt a second later (a lower bound: load cannot break it).
    const gap = Date.parse(attempts[1]!.startedAt) - Date.parse(attempts[0]!.startedAt)
    expect(gap).toBeGreaterThanOrEqual(1000 - 5)

    const late = await receiver((_req, res) => res.writeHead(503, { 'retry-after': '3600' }).end())
    const second = dispatcher({ hook: webhook(late) }, { retry: { baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 60_000 } })
    second.d.enqueue(sampleNotification(), ['hook'])
    await second.d.drain(20_000)
    expect(second.attempts).toHaveLength(1)
    expect(second.attempts[0]).toMatchObject({ status: 503, willRetry: false })
  })

  it('retries network failures until maxAttempts', async () => {
    // A port that was free a moment ago: connections are refused.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const { d, attempts } = dispatcher({ hook: { type: 'webhook', url: `http://127.0.0.1:${port}/`, secretEnv: 'HOOK_SECRET' } }, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } })
    d.enqueue(sampleNotification(), ['hook'])
    await d.drain(20_000)
    expect(attempts.map((a) => [a.attempt, a.ok, a.willRetry])).toEqual([[1, false, true], [2, false, true], [3, false, false]])
    expect(attempts[0]!.error).toMatch(/ECONNREFUSED/)
    expect(d.stats()).toMatchObject({ failed: 1, retries: 2 })
  })

  it('times out a hanging receiver without delaying another notifier', async () => {
    const hanging = await receiver(() => { /* never answers */ })
    const healthy = await receiver()
    const { d, attempts } = dispatcher({ slow: webhook(hanging), fast: webhook(healthy) }, { timeoutMs: 2000, retry: { maxAttempts: 1 } })
    d.enqueue(sampleNotification(), ['slow', 'fast'])
    await d.drain(20_000)

    // The healthy notifier's attempt is over (and reported) before the hanging one's times out.
    expect(attempts.map((a) => [a.notifier, a.ok])).toEqual([['fast', true], ['slow', false]])
    expect(attempts[1]).toMatchObject({ error: 'timed out after 2000 ms', willRetry: false })
    expect(hanging.requests).toHaveLength(1)
    expect(d.stats()).toMatchObject({ delivered: 1, failed: 1 })
  })

  it('bounds the queue: beyond maxQueued deliveries are dropped, counted and reported', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const r = await receiver((_req, res) => { void gate.then(() => res.writeHead(204).end()) })
    const { d, attempts, dropped, logs } = dispatcher({ hook: webhook(r) }, { maxQueued: 3 })
    const notifications = Array.from({ length: 5 }, () => sampleNotification())
    for (const n of notifications) d.enqueue(n, ['hook'])

    expect(d.stats()).toMatchObject({ queued: 3, dropped: 2 })
    expect(dropped.map((x) => [x.notification.alertId, x.notifier, x.reason])).toEqual(notifications.slice(3).map((n) => [n.alertId, 'hook', 'queue_full']))
    expect(logs.filter((l) => l.msg?.startsWith('notification dropped'))).toHaveLength(1)
    await r.waitFor(3)
    release()
    await d.drain(20_000)
    expect(attempts.filter((a) => a.ok)).toHaveLength(3)
    expect(d.stats()).toEqual({ queued: 0, delivered: 3, failed: 0, dropped: 2, retries: 0 })
  })

  it('never throws from enqueue: an unknown notifier is a failed attempt, a throwing onAttempt is logged', async () => {
    const r = await receiver()
    const { lines, logger } = memoryLogger()
    const attempts: DeliveryAttempt[] = []
    const d = new NotificationDispatcher({
      notifiers: { hook: webhook(r) },
      env,
      logger,
      onAttempt: (a) => {
        attempts.push(a)
        throw new Error('evidence store down')
      },
    })
    dispatchers.push(d)
    const n = sampleNotification()
    expect(() => d.enqueue(n, ['nope', 'hook', 'hook'])).not.toThrow()
    // Nothing has happened yet: enqueue only queued the work.
    expect(attempts).toHaveLength(0)
    await d.drain(20_000)

    const unknown = attempts.find((a) => a.notifier === 'nope')
    expect(unknown).toMatchObject({ type: 'unknown', ok: false, attempt: 1, willRetry: false, alertId: n.alertId, error: 'unknown notifier "nope"; configured: hook' })
    // 'hook' was named twice but is delivered once.
    expect(attempts.filter((a) => a.notifier === 'hook')).toEqual([expect.objectContaining({ ok: true })])
    expect(r.requests).toHaveLength(1)
    expect(lines.filter((l) => l.msg?.startsWith('onAttempt failed'))).toHaveLength(2)
    expect(d.stats()).toMatchObject({ delivered: 1, failed: 1 })
  })

  it('fails at construction with every missing secret named', () => {
    const create = () => new NotificationDispatcher({
      notifiers: {
        hook: { type: 'webhook', url: 'http://127.0.0.1:9/', secretEnv: 'MISSING_HOOK_SECRET' },
        oncall: { type: 'pagerduty', routingKeyEnv: 'MISSING_PD_KEY', url: 'http://127.0.0.1:9/' },
        am: { type: 'alertmanager', url: 'http://127.0.0.1:9/' },
      },
      env: {},
      onAttempt: () => {},
    })
    expect(create).toThrow(NotifierConfigError)
    try {
      create()
    } catch (error) {
      expect((error as NotifierConfigError).problems.map((p) => [p.notifier, p.variable])).toEqual([['hook', 'MISSING_HOOK_SECRET'], ['oncall', 'MISSING_PD_KEY']])
    }
  })

  it('close() abandons deliveries waiting to retry (reported as dropped) and refuses new ones', async () => {
    const r = await receiver((_req, res) => res.writeHead(503, { 'retry-after': '60' }).end())
    const { d, attempts, dropped } = dispatcher({ hook: webhook(r) })
    const n = sampleNotification()
    d.enqueue(n, ['hook'])
    await r.waitFor(1)
    // Wait until the attempt is reported (and the retry scheduled), bounded.
    for (let i = 0; i < 200 && attempts.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(attempts).toEqual([expect.objectContaining({ status: 503, willRetry: true })])
    await d.close()
    d.enqueue(sampleNotification(), ['hook'])
    expect(dropped.map((x) => x.reason)).toEqual(['closed', 'closed'])
    expect(d.stats()).toMatchObject({ queued: 0, dropped: 2, delivered: 0 })
  })
})
