// Claims on evaluations, on both ledgers: the `evaluation_claims` table (what collectors sharing a
// ClickHouse server use; here on the real engine) and the in-process ledger of an embedded store.
// The same rules on both: one holder per attempt, the holder reclaims at once, a lapsed lease is
// taken over by the next attempt, a stale view of the ledger only makes an insert lose.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, storeConfigFromEnv, type Store } from '@aims-monitor/store'
import { ClickHouseClaimLedger, claimLedgerFor, InProcessClaimLedger, type ClaimLedger } from './claim-ledger.js'
import { EvaluationClaims } from './evaluation-claims.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-claims-'))
let store: Store
let keys = 0
const LEASE = 60_000
const T0 = Date.parse('2026-11-27T00:00:00Z')

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
})

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

const ledgers: [string, () => ClaimLedger][] = [
  ['evaluation_claims table', () => new ClickHouseClaimLedger(store)],
  ['in-process ledger', () => new InProcessClaimLedger()],
]

describe.each(ledgers)('EvaluationClaims on the %s', (_name, makeLedger) => {
  const pair = () => {
    const ledger = makeLedger()
    return [new EvaluationClaims(store, 'evaluator-a', LEASE, ledger), new EvaluationClaims(store, 'evaluator-b', LEASE, ledger)] as const
  }
  const key = () => `default/C-${++keys}/v1/2026-11-26T00:00:00.000Z/2026-11-27T00:00:00.000Z`

  it('gives a key to the first claimant only, and the holder reclaims it', async () => {
    const [a, b] = pair()
    const k = key()
    expect(await a.claim(k, T0)).toBe(true)
    expect(await b.claim(k, T0 + 1)).toBe(false)
    expect(await a.claim(k, T0 + 2)).toBe(true)
    expect((await a.latestAttempts([k])).get(k)).toEqual({ attempt: 0, claimant: 'evaluator-a', claimedAt: T0 })
  })

  it('lets the next attempt take a key over once the lease has lapsed', async () => {
    const [a, b] = pair()
    const k = key()
    expect(await a.claim(k, T0)).toBe(true)
    expect(await b.claim(k, T0 + LEASE - 1)).toBe(false)
    expect(await b.claim(k, T0 + LEASE)).toBe(true)
    expect((await a.latestAttempts([k])).get(k)).toMatchObject({ attempt: 1, claimant: 'evaluator-b' })
    expect(await a.claim(k, T0 + LEASE + 1)).toBe(false)
  })

  it('settles two claimants that both saw no claim: one holds, the other reads that back', async () => {
    const [a, b] = pair()
    const k = key()
    // Both pass the view they read before either inserted (a batch's view, a moment old): none.
    expect(await a.claim(k, T0, null)).toBe(true)
    expect(await b.claim(k, T0, null)).toBe(false)
  })

  it('claims a batch of keys at once and reports each', async () => {
    const [a, b] = pair()
    const [k1, k2, k3] = [key(), key(), key()]
    expect(await b.claim(k2, T0)).toBe(true)
    const known = await a.latestAttempts([k1, k2, k3])
    expect([...(await a.claimAll([k1, k2, k3], known, T0 + 1))]).toEqual([[k2, false], [k1, true], [k3, true]])
    expect([...(await b.claimAll([k1, k3], await b.latestAttempts([k1, k3]), T0 + 2))]).toEqual([[k1, false], [k3, false]])
  })
})

it('shares one in-process ledger among the evaluators of an embedded store', () => {
  expect(store.mode).toBe('embedded')
  const ledger = claimLedgerFor(store)
  expect(ledger).toBeInstanceOf(InProcessClaimLedger)
  expect(claimLedgerFor(store)).toBe(ledger)
})
