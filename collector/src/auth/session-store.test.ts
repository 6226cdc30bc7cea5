import type { Request } from 'express'
import { describe, expect, it } from 'vitest'
import type { ApiKeyRecord } from '@aims-monitor/store'
import { requestIsHttps, sessionSetCookie } from './session-cookie.js'
import { SessionStore, type KeyLookup } from './session-store.js'

const HOUR = 3_600_000

function key(id: string, revokedAt: string | null = null): ApiKeyRecord {
  return { id, project: 'default', name: `key ${id}`, keyPrefix: 'aims_abcd', scopes: ['read'], createdAt: '2026-11-01T00:00:00.000Z', revokedAt }
}

/** The keys as ApiKeyRepository.list returns them: the current records, revoked ones included. */
function keyList(records: ApiKeyRecord[]): KeyLookup & { records: ApiKeyRecord[] } {
  return { records, list: (project?: string) => records.filter((k) => project === undefined || k.project === project) }
}

describe('SessionStore', () => {
  it('gives 256-bit random ids that resolve to the key, and forgets them on delete', () => {
    const sessions = new SessionStore(keyList([key('k1')]))
    const id = sessions.create(key('k1'))
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(sessions.create(key('k1'))).not.toBe(id)
    expect(sessions.resolve(id)?.id).toBe('k1')
    expect(sessions.delete(id)).toBe(true)
    expect(sessions.resolve(id)).toBeUndefined()
    expect(sessions.resolve('not-a-session')).toBeUndefined()
  })

  it('ends a session after 12 hours idle, and each use restarts the clock', () => {
    let now = 0
    const sessions = new SessionStore(keyList([key('k1')]), { now: () => now })
    const id = sessions.create(key('k1'))
    now = 11 * HOUR
    expect(sessions.resolve(id)).toBeDefined()
    now = 22 * HOUR // 11 hours after the last use
    expect(sessions.resolve(id)).toBeDefined()
    now = 34 * HOUR
    expect(sessions.resolve(id)).toBeUndefined()
    expect(sessions.size).toBe(0)
  })

  it('ends a session when its key is revoked', () => {
    const keys = keyList([key('k1')])
    const sessions = new SessionStore(keys)
    const id = sessions.create(key('k1'))
    keys.records[0] = key('k1', '2026-11-02T00:00:00.000Z')
    expect(sessions.resolve(id)).toBeUndefined()
    keys.records[0] = key('k1')
    expect(sessions.resolve(id)).toBeUndefined() // gone for good
  })

  it('stays bounded, dropping the least recently used session', () => {
    const sessions = new SessionStore(keyList([key('k1')]), { maxSessions: 2 })
    const a = sessions.create(key('k1'))
    const b = sessions.create(key('k1'))
    sessions.resolve(a) // b is now the least recently used
    const c = sessions.create(key('k1'))
    expect(sessions.size).toBe(2)
    expect(sessions.resolve(b)).toBeUndefined()
    expect(sessions.resolve(a)).toBeDefined()
    expect(sessions.resolve(c)).toBeDefined()
  })
})

describe('session cookie', () => {
  const request = (secure: boolean, forwardedProto?: string) => ({ secure, headers: forwardedProto ? { 'x-forwarded-proto': forwardedProto } : {} }) as unknown as Request

  it('is HttpOnly, SameSite=Strict, Path=/, and Secure only over HTTPS', () => {
    expect(sessionSetCookie('abc', false)).toBe('aims_session=abc; Path=/; HttpOnly; SameSite=Strict')
    expect(sessionSetCookie('abc', true)).toBe('aims_session=abc; Path=/; HttpOnly; Secure; SameSite=Strict')
    expect(sessionSetCookie(undefined, false)).toMatch(/^aims_session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/)
  })

  it('believes X-Forwarded-Proto only when the proxy is trusted', () => {
    expect(requestIsHttps(request(true), false)).toBe(true)
    expect(requestIsHttps(request(false, 'https'), false)).toBe(false)
    expect(requestIsHttps(request(false, 'https'), true)).toBe(true)
    expect(requestIsHttps(request(false, 'https, http'), true)).toBe(true)
    expect(requestIsHttps(request(false, 'http'), true)).toBe(false)
  })
})
