// A separate process that only reports outcomes: in production, the loan-book system that learns,
// weeks later, whether each approved or denied applicant would have repaid. It knows nothing of the
// model or of the serving process, only prediction ids and the ground truth.
//   AIMS_ENDPOINT=… AIMS_API_KEY=… node examples/credit-model/dist/log-outcomes.js <file>
import { createMonitor } from '@aims-monitor/sdk'
import { MODEL } from './model-identity.js'
import { readOutcomeFile } from './outcome-file.js'

const file = process.argv[2]
if (!file) {
  process.stderr.write('usage: node log-outcomes.js <file of {"predictionId","label"} JSON lines>\n')
  process.exit(2)
}
const outcomes = await readOutcomeFile(file)
// Same model id as the serving process: outcomes are joined to predictions by (model, prediction id).
const monitor = createMonitor({ model: MODEL })
for (const o of outcomes) monitor.logOutcome(o.predictionId, o.label)
await monitor.shutdown()
const stats = monitor.stats()
process.stdout.write(JSON.stringify({ name: 'credit-model-outcomes', logged: outcomes.length, stats }) + '\n')
if (monitor.enabled && (stats.failed > 0 || stats.dropped > 0)) process.exitCode = 1
