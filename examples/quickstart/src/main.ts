// The AIMS Monitor quick start. Run a collector (`pnpm aims up`), then:
//   AIMS_ENDPOINT=http://127.0.0.1:4318 AIMS_API_KEY=<key> node examples/quickstart/dist/main.js
import { createMonitor } from '@aims-monitor/sdk'

const monitor = createMonitor({ model: { id: 'quickstart', version: '1.0.0' } }) // endpoint and key from AIMS_ENDPOINT, AIMS_API_KEY
const score = (applicant: { age: number; income: number; region: string }) => Math.min(1, applicant.income / 100_000)
const predict = monitor.wrap(score, {
  features: (applicant) => ({ age: applicant.age, income: applicant.income, region: applicant.region }),
  output: (s) => ({ label: s >= 0.5 ? 'approve' : 'deny', score: s }),
})
const s = predict({ age: 34, income: 52_000, region: 'north' }) // same result, same errors, same timing as score()
monitor.logOutcome(monitor.lastPredictionId()!, 'approve') // the ground truth, usually days later
await monitor.shutdown() // delivers what is queued; call it from your SIGTERM handler too

// Not part of the ten lines: what was sent, as one JSON line (test/examples.test.ts reads it).
console.log(JSON.stringify({ name: 'quickstart', modelId: 'quickstart', monitorEnabled: monitor.enabled, score: s, predictions: 1, outcomes: 1, stats: monitor.stats() }))
