import { afterAll, describe, expect, it } from 'vitest'
import { createLogger, createNativeBatchProcessor, type NativeBatchResult } from '@aims-monitor/collector'

// The worker threads must give exactly what the request thread gives: same acceptance, same
// rejections, same bytes in the same layouts.
const inThread = createNativeBatchProcessor({ workers: 0, maxColumnsPerModel: 1000, logger: createLogger('silent') })
const pool = createNativeBatchProcessor({ workers: 2, maxColumnsPerModel: 1000, logger: createLogger('silent') })
afterAll(async () => {
  await inThread.close()
  await pool.close()
})

function body(events: unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ events }))
}

const now = Date.now()
const batches = Array.from({ length: 6 }, (_, b) =>
  Array.from({ length: 50 }, (_, i) => ({
    type: 'prediction',
    id: `b${b}-e${i}`,
    timestamp: now - 1000 * i,
    model: { id: i % 2 ? 'credit-risk' : 'churn', version: '1.0' },
    features: { age: 20 + i, region: ['n', 's'][i % 2]!, ...(b > 2 ? { added: true } : {}) },
    attributes: { sex: i % 3 ? 'female' : 'male' },
    output: { label: 'approve', score: i / 50 },
  })),
)

function comparable(result: NativeBatchResult) {
  if (!result.ok) return result
  return { ...result, chunks: result.chunks.map((c) => ({ ...c, bytes: Buffer.from(c.bytes).toString('base64') })) }
}

describe('ingest worker threads', () => {
  it('produce the same results as the request thread, batch by batch', async () => {
    for (const events of batches) {
      // Each side stamps its own receive time into the rows, so the bytes may differ there:
      // compare acceptance, rejections, layouts, row counts and encoded sizes.
      const [a, b] = await Promise.all([inThread.process('p', body(events)), pool.process('p', body(events))])
      expect(a.ok && b.ok).toBe(true)
      if (!a.ok || !b.ok) return
      expect(b.events).toBe(a.events)
      expect(b.predictions).toBe(a.predictions)
      expect(b.rejected).toEqual(a.rejected)
      expect(b.chunks.map((c) => [c.target, c.signature, c.rows, c.bytes.length])).toEqual(a.chunks.map((c) => [c.target, c.signature, c.rows, c.bytes.length]))
    }
  })

  it('report bad bodies and bad events as the request thread does', async () => {
    const cases = [
      Buffer.from('{"events": [ nope'),
      Buffer.from(''),
      Buffer.from('[]'),
      body([{ type: 'prediction', id: 'x' }, { type: 'outcome', predictionId: 'b0-e1', timestamp: now, model: { id: 'churn' }, label: 'y' }]),
    ]
    for (const c of cases) {
      const [a, b] = await Promise.all([inThread.process('p', Buffer.from(c)), pool.process('p', Buffer.from(c))])
      const strip = (r: NativeBatchResult) => (r.ok ? { ...comparable(r), chunks: r.chunks.map((x) => [x.target, x.rows]) } : r)
      expect(strip(b)).toEqual(strip(a))
    }
  })

  it('take many requests at once and answer each one', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => pool.process('p', body(batches[i % batches.length]!))))
    expect(results.every((r) => r.ok && r.predictions === 50)).toBe(true)
  })
})
