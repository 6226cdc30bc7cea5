import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RowBinaryWriter } from './row-binary-writer.js'

/**
 * The proof of the writer is the engine reading its bytes back: every case writes rows to a file
 * and reads them with `file(path, 'RowBinary', structure)` through the real chDB. One chDB client
 * for this file (one data directory per process).
 */
type ChdbClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection']

let dir: string
let client: ClickHouseClient
let fileNo = 0

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aims-rowbinary-'))
  client = createClient({ connection: createChdbConnection({ path: path.join(dir, 'chdb') }) as unknown as ChdbClientConnection })
})

afterAll(async () => {
  await client?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Writes the writer's bytes to a file and reads `select` from it, ordered by the row index `i`. */
async function readBack<T>(writer: RowBinaryWriter, structure: string, select: string): Promise<T[]> {
  const file = path.join(dir, `rows-${++fileNo}.bin`)
  await writeFile(file, writer.view())
  const result = await client.query({
    query: `SELECT ${select} FROM file({file:String}, 'RowBinary', {structure:String}) ORDER BY i`,
    query_params: { file, structure },
    format: 'JSONEachRow',
  })
  return result.json<T>()
}

describe('RowBinaryWriter, read back by ClickHouse', () => {
  it('UUIDs, in any case, including nil and max', async () => {
    const uuids = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '6f1c0a52-3b7e-4c1d-9d2a-8e5f6a7b8c9d', '01234567-89AB-CDEF-0123-456789ABCDEF']
    for (let i = 0; i < 20; i++) uuids.push(randomUUID())
    const w = new RowBinaryWriter()
    uuids.forEach((u, i) => {
      w.float64(i)
      w.uuid(u)
    })
    const rows = await readBack<{ u: string }>(w, 'i Float64, u UUID', 'toString(u) AS u')
    expect(rows.map((r) => r.u)).toEqual(uuids.map((u) => u.toLowerCase()))
  })

  it('DateTime64(3) before, at and after 2^32 ms, before 1970 and far ahead', async () => {
    const twoTo32 = 2 ** 32
    const values = [
      0,
      1,
      twoTo32 - 1,
      twoTo32,
      twoTo32 + 1,
      2 * twoTo32 + 123,
      Date.UTC(2000, 0, 1),
      1764151200123, // DESIGN.md's example
      Date.now(),
      Date.UTC(2100, 11, 31, 23, 59, 59, 999),
      -1,
      -twoTo32 - 5,
      Date.UTC(1950, 5, 15, 12, 30, 45, 678),
    ]
    const w = new RowBinaryWriter()
    values.forEach((ms, i) => {
      w.float64(i)
      w.datetime64ms(ms)
    })
    const rows = await readBack<{ ms: string; iso: string }>(
      w,
      'i Float64, t DateTime64(3)',
      "toUnixTimestamp64Milli(t) AS ms, formatDateTime(t, '%Y-%m-%dT%H:%i:%S', 'UTC') AS iso",
    )
    expect(rows.map((r) => Number(r.ms))).toEqual(values)
    // The engine's own calendar agrees with JavaScript's, to the second.
    expect(rows.map((r) => r.iso)).toEqual(values.map((ms) => new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().slice(0, 19)))
  })

  it('strings of 0, 1, 127, 128, 300 and 20000 bytes, and multi-byte UTF-8 across the length-byte boundaries', async () => {
    const strings = [
      '',
      'a',
      'b'.repeat(127),
      'c'.repeat(128),
      'd'.repeat(300),
      'e'.repeat(20000),
      'é', // 2 bytes
      '€', // 3 bytes
      '😀', // 4 bytes, a surrogate pair in JavaScript
      'é'.repeat(63) + 'x', // 127 bytes from 64 characters
      'é'.repeat(64), // 128 bytes
      'é'.repeat(63) + '€', // 129 bytes
      '€'.repeat(43), // 129 bytes from 43 characters
      '€'.repeat(20000), // 60000 bytes: a three-byte length
      'naïve Zürich 北京 🚀 \u0000 tab\tnew\nline "quoted" \\ back',
      '\u{10FFFF}',
      'f'.repeat(16383), // the largest two-byte length
      'g'.repeat(16384), // the smallest three-byte length
    ]
    const w = new RowBinaryWriter(16) // small, so every long string also grows the buffer
    strings.forEach((s, i) => {
      w.float64(i)
      w.string(s)
    })
    const rows = await readBack<{ s: string; bytes: string }>(w, 'i Float64, s String', 's, length(s) AS bytes')
    expect(rows).toHaveLength(strings.length)
    rows.forEach((row, i) => {
      expect(Number(row.bytes), `byte length of string ${i}`).toBe(Buffer.byteLength(strings[i]!, 'utf8'))
      expect(row.s, `string ${i}`).toBe(strings[i])
    })
  })

  it('Float64: NaN, ±0, ±Infinity, extremes and ordinary values', async () => {
    const values = [NaN, 0, -0, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, Number.EPSILON, 1 / 3, -2.5, 52000, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e-300, 0.1 + 0.2]
    const w = new RowBinaryWriter()
    values.forEach((v, i) => {
      w.float64(i)
      w.float64(v)
    })
    const rows = await readBack<{ text: string; nan: number; inf: number; negative: number; bits: string }>(
      w,
      'i Float64, f Float64',
      "toString(f) AS text, isNaN(f) AS nan, isInfinite(f) AS inf, (f < 0 OR (f = 0 AND 1 / f < 0)) AS negative, toString(reinterpretAsUInt64(f)) AS bits",
    )
    rows.forEach((row, i) => {
      const v = values[i]!
      const expected = Buffer.alloc(8)
      expected.writeDoubleLE(v)
      expect(row.bits, `bits of ${v}`).toBe(expected.readBigUInt64LE().toString())
      expect(row.nan, `isNaN(${v})`).toBe(Number.isNaN(v) ? 1 : 0)
      expect(row.inf, `isInfinite(${v})`).toBe(v === Infinity || v === -Infinity ? 1 : 0)
      if (!Number.isNaN(v)) expect(row.negative, `sign of ${v}`).toBe(v < 0 || Object.is(v, -0) ? 1 : 0)
      if (Number.isFinite(v)) expect(Number(row.text), `value of ${v}`).toBe(v)
    })
    expect(rows[2]!.text).toBe('-0')
  })

  it('rows mixing every type, as the spool writes them, read back column by column', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({
      id: randomUUID(),
      ts: 1764151200123 + i * 1_000_003,
      label: i % 7 === 0 ? '' : `label-${'x'.repeat(i % 150)}-ü${i}`,
      score: i % 11 === 0 ? NaN : i / 7,
    }))
    const w = new RowBinaryWriter(64)
    rows.forEach((r, i) => {
      w.float64(i)
      w.uuid(r.id)
      w.datetime64ms(r.ts)
      w.string(r.label)
      w.float64(r.score)
    })
    const back = await readBack<{ id: string; ts: string; label: string; finite_score: number; nan: number }>(
      w,
      'i Float64, id UUID, ts DateTime64(3), label String, score Float64',
      'toString(id) AS id, toUnixTimestamp64Milli(ts) AS ts, label, if(isNaN(score), 0, score) AS finite_score, isNaN(score) AS nan',
    )
    expect(back).toHaveLength(rows.length)
    back.forEach((b, i) => {
      const r = rows[i]!
      expect(b.id).toBe(r.id)
      expect(Number(b.ts)).toBe(r.ts)
      expect(b.label).toBe(r.label)
      expect(b.nan).toBe(Number.isNaN(r.score) ? 1 : 0)
      if (!Number.isNaN(r.score)) expect(b.finite_score).toBe(r.score)
    })
  })

  it('reset() starts over in the same buffer', async () => {
    const w = new RowBinaryWriter(8)
    w.float64(0)
    w.string('x'.repeat(1000))
    expect(w.length).toBe(8 + 2 + 1000)
    w.reset()
    expect(w.length).toBe(0)
    w.float64(0)
    w.string('after reset')
    expect(await readBack<{ s: string }>(w, 'i Float64, s String', 's')).toEqual([{ s: 'after reset' }])
  })
})
