// A credit decisioning service on a logistic-regression model trained on UCI Adult, instrumented
// with @aims-monitor/sdk, with outcomes arriving later (some from another process). See README.md.
//   node examples/credit-model/dist/main.js --endpoint http://127.0.0.1:4318 --api-key KEY [--rows N]
import { setTimeout as sleep } from 'node:timers/promises'
import { createMonitor } from '@aims-monitor/sdk'
import { readAdult } from './adult-data.js'
import { parseExampleArgs, USAGE, UsageError, type ExampleArgs } from './args.js'
import { trainCreditModel } from './credit-model.js'
import { createCreditService, type Decision } from './credit-service.js'
import { MODEL } from './model-identity.js'
import { logOutcomesInOtherProcess } from './other-process.js'
import { seededRandom, shuffled } from './random.js'

async function run(args: ExampleArgs): Promise<number> {
  // 1. Train, and measure the model on the held-out test file, before any monitoring.
  const [train, test] = await Promise.all([readAdult(args.dataDir, 'train'), readAdult(args.dataDir, 'test')])
  const trainStart = performance.now()
  const model = trainCreditModel(train)
  const testAccuracy = model.accuracy(test, args.threshold)
  console.log(`1. trained logistic regression on ${train.length} applicants (${model.width} weights) in ${((performance.now() - trainStart) / 1000).toFixed(1)} s`)
  console.log(`   test accuracy ${testAccuracy.toFixed(4)} on ${test.length} held-out applicants (threshold ${args.threshold})`)

  // 2. The monitor: one per model, created once at start-up.
  const monitor = createMonitor({ endpoint: args.endpoint, apiKey: args.apiKey, model: MODEL, environment: 'example' })
  console.log(
    monitor.enabled
      ? `2. monitoring ${MODEL.id}@${MODEL.version} to ${args.endpoint}`
      : '2. no endpoint (--endpoint or AIMS_ENDPOINT): the monitor is a no-op, the service runs unmonitored',
  )

  // 3. Day 0: serve decisions. Each applicant's prediction id is kept with the application.
  const service = createCreditService(model, monitor, args.threshold)
  const random = seededRandom(args.seed)
  const applicants = shuffled(test, random).slice(0, args.rows ?? test.length)
  const served = applicants.map((row) => ({ ...service.decide(row.applicant), truth: (row.highIncome ? 'approve' : 'deny') as Decision, sex: row.applicant.sex }))
  const approved = served.filter((s) => s.decision === 'approve').length
  const servedAccuracy = served.filter((s) => s.decision === s.truth).length / Math.max(served.length, 1)
  console.log(`3. served ${served.length} decisions: ${approved} approve, ${served.length - approved} deny`)
  for (const sex of [...new Set(served.map((s) => s.sex))].sort()) {
    const group = served.filter((s) => s.sex === sex)
    console.log(`   approval rate ${sex}: ${(group.filter((s) => s.decision === 'approve').length / group.length).toFixed(3)} (${group.length} applicants)`)
  }
  await monitor.flush()

  // 4. Time passes: in production, weeks until repayment is known; here a pause.
  console.log(`4. waiting ${args.pauseMs} ms (standing for the weeks until the ground truth is known)`)
  await sleep(args.pauseMs)

  // 5. Outcomes arrive for a share of the decisions, half reported by this process, half by another.
  const arriving = shuffled(served, random).slice(0, Math.round(args.outcomeFraction * served.length))
  const here = arriving.slice(0, Math.ceil(arriving.length / 2))
  const elsewhere = arriving.slice(here.length)
  for (const s of here) monitor.logOutcome(s.predictionId, s.truth)
  console.log(`5. logged ${here.length} outcomes from this process (pid ${process.pid})`)
  const other = await logOutcomesInOtherProcess(
    elsewhere.map((s) => ({ predictionId: s.predictionId, label: s.truth })),
    { endpoint: args.endpoint, apiKey: args.apiKey },
  )
  console.log(`   logged ${other.logged} outcomes from another process (pid ${other.pid}): ${JSON.stringify(other.stats)}`)

  // 6. Shut down: delivers what is still queued (a service does this in its SIGTERM handler).
  await monitor.shutdown()
  const stats = monitor.stats()
  console.log(`6. monitor stats: ${JSON.stringify(stats)}`)
  const undelivered = monitor.enabled && (stats.failed > 0 || stats.dropped > 0 || other.stats.failed > 0 || other.stats.dropped > 0)
  if (undelivered) console.error('   some records were not delivered: is the collector running, and is the key valid for ingest?')
  // Last line, for scripts and test/examples.test.ts: what was sent.
  console.log(
    JSON.stringify({
      name: 'credit-model',
      model: MODEL,
      monitorEnabled: monitor.enabled,
      testAccuracy,
      servedAccuracy,
      predictions: served.length,
      outcomes: here.length + other.logged,
      outcomesInProcess: here.length,
      outcomesFromOtherProcess: other.logged,
      stats,
      otherProcessStats: other.stats,
    }),
  )
  return undelivered ? 1 : 0
}

try {
  process.exitCode = await run(parseExampleArgs(process.argv.slice(2), process.env))
} catch (error) {
  if (error instanceof UsageError) {
    // An empty message is --help: the usage, and success.
    if (error.message) console.error(error.message)
    ;(error.message ? console.error : console.log)(USAGE)
    process.exitCode = error.message ? 2 : 0
  } else {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error))
    process.exitCode = 1
  }
}
