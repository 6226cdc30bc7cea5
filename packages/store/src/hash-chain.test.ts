import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertRows, queryRows } from './bound-rows.js'
import { canonicalJson, chainHash, GENESIS_HASH, HashChain, type ChainLink } from './hash-chain.js'
import { openStore, type Store } from './open-store.js'
import { storeConfigFromEnv } from './config.js'

// The chain's group commit on the real engine: appends queued together land as one block of
// consecutive seqs; two writers (two HashChain objects: what two collectors on one server are)
// appending at the same moment collide on a seq's deduplication token, and the loser retries on top.

const dir = mkdtempSync(path.join(tmpdir(), 'aims-hash-chain-'))
let store: Store
let table = ''
let tables = 0

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: dir }))
})

afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A fresh chained table with a `k` key column, and a finder of records by key (as the evaluations table has). */
async function freshTable(): Promise<void> {
  table = `chain_test_${++tables}`
  await store.client.command({
    query: `CREATE TABLE ${store.table(table)} (seq UInt64, k String, record String, prev_hash FixedString(64), hash FixedString(64))
            ENGINE = MergeTree ORDER BY seq SETTINGS non_replicated_deduplication_window = 1000`,
  })
}

function writer(): HashChain {
  return new HashChain(store, table, 'test', async (keys) => {
    const rows = await queryRows<{ seq: string; k: string; record: string; prev_hash: string; hash: string }>(store, {
      query: `SELECT seq, k, record, prev_hash, hash FROM ${store.table(table)} WHERE k IN (${keys.map((_, i) => `{k${i}:String}`).join(', ')}) ORDER BY seq LIMIT 1 BY k`,
      params: Object.fromEntries(keys.map((key, i) => [`k${i}`, key])),
    })
    return new Map(rows.map((row) => [row.k, { seq: Number(row.seq), record: row.record, prevHash: row.prev_hash, hash: row.hash }]))
  })
}

const recordOf = (name: string) => canonicalJson({ name, note: "quotes ' \" and a\nnewline" })
const append = (chain: HashChain, name: string, key: string | undefined = name) => chain.append(recordOf(name), { k: { type: 'String', value: key ?? '' } }, key)

async function stored(): Promise<{ seq: number; k: string; part: string }[]> {
  const rows = await queryRows<{ seq: string; k: string; part: string }>(store, { query: `SELECT seq, k, _part AS part FROM ${store.table(table)} ORDER BY seq` })
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }))
}

describe('HashChain group commit', () => {
  it('commits appends queued together as one block of consecutive seqs that verifies', async () => {
    await freshTable()
    const chain = writer()
    const links = await Promise.all(Array.from({ length: 30 }, (_, i) => append(chain, `r${i}`)))
    expect(links.map((link) => link.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    // Linked in the order of the calls.
    let previous = GENESIS_HASH
    for (const [i, link] of links.entries()) {
      expect(link.record).toBe(recordOf(`r${i}`))
      expect(link.prevHash).toBe(previous)
      expect(link.hash).toBe(chainHash(previous, link.record))
      previous = link.hash
    }
    const rows = await stored()
    expect(rows.map((row) => row.k)).toEqual(links.map((_, i) => `r${i}`))
    expect(new Set(rows.map((row) => row.part)).size).toBe(1) // one inserted block
    expect(await chain.verify()).toMatchObject({ ok: true, checked: 30, headSeq: 30 })
  })

  it('commits what is queued while a group is written as the next group', async () => {
    await freshTable()
    const chain = writer()
    const first = append(chain, 'a')
    await Promise.resolve() // the first group is taken a microtask after the first append
    await Promise.resolve()
    const rest = ['b', 'c', 'd'].map((name) => append(chain, name))
    const links = await Promise.all([first, ...rest])
    expect(links.map((link) => link.seq)).toEqual([1, 2, 3, 4])
    const parts = (await stored()).map((row) => row.part)
    expect(parts[0]).not.toBe(parts[1])
    expect(new Set(parts.slice(1)).size).toBe(1)
    expect(await chain.verify()).toMatchObject({ ok: true, checked: 4 })
  })

  it('returns the stored link for a key already stored, and one link for a key twice in a group', async () => {
    await freshTable()
    const chain = writer()
    const original = await append(chain, 'same')
    const [again, other, twice1, twice2] = await Promise.all([
      chain.append(recordOf('different record, same key'), { k: { type: 'String', value: 'same' } }, 'same'),
      append(chain, 'other'),
      append(chain, 'twice'),
      chain.append(recordOf('twice, second'), { k: { type: 'String', value: 'twice' } }, 'twice'),
    ])
    expect(again).toEqual(original)
    expect(twice2).toEqual(twice1)
    expect(twice1.record).toBe(recordOf('twice'))
    expect([other.seq, twice1.seq]).toEqual([2, 3])
    expect((await stored()).map((row) => row.k)).toEqual(['same', 'other', 'twice'])
  })

  it('keeps one chain when two writers append at the same moment (the loser of a seq retries on top)', async () => {
    await freshTable()
    const [a, b] = [writer(), writer()]
    const appended: Promise<ChainLink>[] = []
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 4; i++) appended.push(append(a, `a${round}.${i}`), append(b, `b${round}.${i}`))
      // Both writers' trusted heads go stale as the other appends: each round starts on a guess.
      await Promise.all(appended)
    }
    const links = await Promise.all(appended)
    const rows = await stored()
    expect(rows).toHaveLength(40)
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(new Set(rows.map((row) => row.k)).size).toBe(40)
    // Every caller got the link its record landed at.
    for (const link of links) expect(rows[link.seq - 1]!.k).toBe(JSON.parse(link.record).name)
    expect(await a.verify()).toMatchObject({ ok: true, checked: 40 })
  })

  it('appends without keys (the audit log) and never de-duplicates them', async () => {
    await freshTable()
    const chain = new HashChain(store, table, 'test')
    const links = await Promise.all([1, 2, 3].map(() => chain.append(recordOf('same'), { k: { type: 'String', value: '' } })))
    expect(links.map((link) => link.seq)).toEqual([1, 2, 3])
    expect(await chain.verify()).toMatchObject({ ok: true, checked: 3 })
  })
})

describe('insertRows', () => {
  it('refuses rows whose columns or types differ, and no rows', async () => {
    await freshTable()
    const row = { seq: { type: 'UInt64', value: 1 }, k: { type: 'String', value: 'x' } }
    await expect(insertRows(store, table, [])).rejects.toThrow(/no rows/)
    await expect(insertRows(store, table, [row, { k: { type: 'String', value: 'y' }, seq: { type: 'UInt64', value: 2 } }])).rejects.toThrow(/row 1 has columns k String, seq UInt64/)
    await expect(insertRows(store, table, [row, { seq: { type: 'UInt32', value: 2 }, k: { type: 'String', value: 'y' } }])).rejects.toThrow(/row 1/)
    await expect(insertRows(store, table, [{ seq: { type: "Enum8('a' = 1)", value: 1 } }])).rejects.toThrow(/not one values\(\) can declare/)
    expect(await stored()).toEqual([])
  })
})
