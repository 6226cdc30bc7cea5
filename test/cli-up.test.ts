import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { getModels, killAllChildren, postEvents, predictionEvent, runCli, spawnCollector } from './support/spawn-collector.js'

// `aims up` as people run it: a child process per collector, each on its own data directory.
const KEY = 'cli-up-test-key-0001'
const root = mkdtempSync(path.join(os.tmpdir(), 'aims-cli-up-'))
let n = 0
const freshDir = () => path.join(root, `data-${++n}`)

afterEach(killAllChildren)
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('aims up', () => {
  it('prints its URL, becomes ready, and refuses a second process on the same data directory', async () => {
    const dataDir = freshDir()
    const first = await spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: KEY } })
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const ready = await fetch(`${first.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ready' })

    // Bounded by the timeout: a second process that waited on the lock would be killed and fail here.
    const second = await runCli(['up', '--port', '0', '--data', dataDir], { env: { AIMS_INIT_API_KEY: KEY }, timeoutMs: 20_000 })
    expect(second.signal).toBeNull()
    expect(second.code).not.toBe(0)
    expect(second.stderr).toContain(path.resolve(dataDir))
    expect(second.stderr).toContain(`pid ${first.pid}`)
    expect(second.stdout).not.toContain('listening on')
    // The first one is untouched by the attempt.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200)
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null })
  })

  it('of two started at the same moment on one data directory, exactly one serves', async () => {
    const dataDir = freshDir()
    const settled = await Promise.allSettled([spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: KEY } }), spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: KEY } })])
    const winners = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    const losers = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []))
    expect(winners).toHaveLength(1)
    expect(losers).toHaveLength(1)
    expect(losers[0]).toContain(`pid ${winners[0]!.pid}`)
    expect(await winners[0]!.stop('SIGTERM')).toEqual({ code: 0, signal: null })
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`on ${signal} flushes what it acknowledged and exits 0`, async () => {
      const dataDir = freshDir()
      // Segments would stay open for a minute: only the shutdown path can have written them.
      const env = { AIMS_INIT_API_KEY: KEY, AIMS_SEAL_AFTER_MS: '60000' }
      const collector = await spawnCollector({ dataDir, env })
      const events = Array.from({ length: 50 }, (_, i) => predictionEvent(`${signal}-${i}`, 'flush-model'))
      const posted = await postEvents(collector.url, KEY, events)
      expect(posted.status).toBe(200)
      expect(await collector.stop(signal)).toEqual({ code: 0, signal: null })
      expect(collector.stdout()).toContain('stopped')
      // Flushed into the store, not merely left in the spool for the next start.
      expect(readdirSync(path.join(dataDir, 'spool'))).toEqual([])
      expect(existsSync(path.join(dataDir, 'aims.lock'))).toBe(false)

      const restarted = await spawnCollector({ dataDir, env })
      const models = await getModels(restarted.url, KEY)
      expect(models.pendingEvents).toBe(0)
      expect(models.models).toEqual([expect.objectContaining({ id: 'flush-model', predictionCount: 50 })])
      expect(await restarted.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    })
  }

  it('handles a SIGTERM sent the moment it prints its URL (exits 0, not killed)', async () => {
    const collector = await spawnCollector({ dataDir: freshDir(), env: { AIMS_INIT_API_KEY: KEY } })
    expect(await collector.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    expect(collector.stdout()).toContain('stopped')
  })

  it('after kill -9 a new process takes over the stale lock and keeps what was acknowledged', async () => {
    const dataDir = freshDir()
    const env = { AIMS_INIT_API_KEY: KEY, AIMS_SEAL_AFTER_MS: '60000' }
    const killed = await spawnCollector({ dataDir, env })
    const posted = await postEvents(killed.url, KEY, Array.from({ length: 20 }, (_, i) => predictionEvent(`k-${i}`, 'kill-model')))
    expect(posted.status).toBe(200)
    expect(await killed.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' })
    // The lock file still names the dead process: that is the stale lock to take over.
    expect(JSON.parse(readFileSync(path.join(dataDir, 'aims.lock'), 'utf8'))).toMatchObject({ pid: killed.pid })

    const next = await spawnCollector({ dataDir, env })
    expect(JSON.parse(readFileSync(path.join(dataDir, 'aims.lock'), 'utf8'))).toMatchObject({ pid: next.pid, url: next.url })
    expect((await fetch(`${next.url}/readyz`)).status).toBe(200)
    const models = await getModels(next.url, KEY)
    expect(models.models).toEqual([expect.objectContaining({ id: 'kill-model', predictionCount: 20 })])
    expect(await next.stop('SIGINT')).toEqual({ code: 0, signal: null })
  })

  it('rejects a bad --port with a clear message and a non-zero exit', async () => {
    const dataDir = freshDir()
    for (const port of ['abc', '70000']) {
      const result = await runCli(['up', '--port', port, '--data', dataDir], { timeoutMs: 20_000 })
      expect(result.signal).toBeNull()
      expect(result.code).not.toBe(0)
      expect(result.stderr).toMatch(/port/i)
      expect(result.stdout).not.toContain('listening on')
    }
    // Flags are checked before anything touches the disk.
    expect(existsSync(dataDir)).toBe(false)
  })

  it('rejects an unknown flag', async () => {
    const result = await runCli(['up', '--prot', '1234', '--data', freshDir()], { timeoutMs: 20_000 })
    expect(result.signal).toBeNull()
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('--prot')
  })
})
