// bench/validation: per-event validation cost of the ingest path (validateEventBatch: the fast
// acceptor, zod for the rest) against the baseline of parsing every event with the zod schema.
// Options: --rounds N (default 200 rounds of 500 events).
import os from 'node:os'
import { parseArgs } from 'node:util'
import { validateEventBatch, wireEventSchema } from '@aims-monitor/schema'
import { eventId, loadAdultRows, mulberry32, predictionFor } from '../ingest/workload.mjs'

const { values: opts } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } })
const ROUNDS = Number(opts.rounds)
const rows = loadAdultRows()
const random = mulberry32(11)
const now = Date.now()
// As the collector sees them: fresh objects from JSON.parse.
const events = JSON.parse(JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ ...predictionFor(rows, i, now, random), id: eventId(i + 1) }))))

function microsPerEvent(run) {
  for (let i = 0; i < 20; i++) run() // warm-up: let the JIT settle
  const started = performance.now()
  for (let i = 0; i < ROUNDS; i++) run()
  return ((performance.now() - started) * 1000) / (ROUNDS * events.length)
}
const zod = microsPerEvent(() => {
  for (const e of events) if (!wireEventSchema.safeParse(e).success) throw new Error('baseline rejected a valid event')
})
const fast = microsPerEvent(() => {
  if (validateEventBatch(events).accepted.length !== events.length) throw new Error('ingest path rejected a valid event')
})
process.stderr.write(`zod safeParse: ${zod.toFixed(2)} µs/event; validateEventBatch: ${fast.toFixed(2)} µs/event\n`)
process.stdout.write(JSON.stringify({
  name: 'validation',
  zodMicrosPerEvent: Number(zod.toFixed(3)),
  ingestMicrosPerEvent: Number(fast.toFixed(3)),
  speedup: Number((zod / fast).toFixed(2)),
  machine: `${os.cpus().length}x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
}) + '\n')
