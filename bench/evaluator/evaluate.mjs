// bench/evaluator, the timed part: opens the filled store, evaluates the policy once with
// `new Evaluator({ store, policy }).evaluate({ at })`, prints the time, the process's peak RSS and
// each control's record (value, outcome, durationMs) as one JSON line.
// Usage: evaluate.mjs STORE_DIR AT_MS [final|no-final]
import { loadPolicy } from '@aims-monitor/controls'
import { Evaluator } from '@aims-monitor/evaluator'
import { openStore, storeConfigFromEnv } from '@aims-monitor/store'
import { policyYaml } from './policy.mjs'

const [dataDir, atText, finalText = 'final'] = process.argv.slice(2)
const loaded = loadPolicy(policyYaml(), 'bench-evaluator.yaml')
if (!loaded.ok) throw new Error(`policy rejected: ${JSON.stringify(loaded.problems)}`)
const store = await openStore(storeConfigFromEnv({}, { dataDir }))
const evaluator = new Evaluator({ store, policy: loaded, exactDedup: finalText !== 'no-final' })
const started = performance.now()
const results = await evaluator.evaluate({ at: Number(atText) })
const seconds = (performance.now() - started) / 1000
const peakRssMb = process.resourceUsage().maxRSS / 1024
const records = Object.fromEntries(results.map((r) => {
  if (r.evaluation === null) throw new Error(`${r.controlId} was claimed elsewhere: the store is not fresh`)
  const { value, outcome, durationMs, reason, samples, excludedGroups } = r.evaluation.record
  return [r.controlId, { value, outcome, durationMs, reason, samples, excludedGroups }]
}))
await evaluator.stop()
await store.close()
process.stdout.write(JSON.stringify({ seconds, peakRssMb, records }) + '\n')
