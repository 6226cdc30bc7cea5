// `pnpm demo`: AIMS Monitor end to end in about a minute. It starts `aims up` on a fresh embedded
// store with examples/demo/policy.yaml, imports January 2011 bike-sharing hours as a reference data
// set, instruments two models with the SDK (the UCI Adult credit model of examples/credit-model and
// a bike-demand regression) and replays real data in compressed time. Controls breach, and signed
// alerts reach a webhook receiver the demo runs, which prints them. See README.md.
//   node examples/demo/dist/main.js [--exit-after S [--until-breach]] [--data DIR] [--port P]
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createMonitor } from '@aims-monitor/sdk'
import { MODEL as CREDIT_MODEL, readAdult, seededRandom, trainCreditModel } from '@aims-monitor/example-credit-model'
import { parseDemoArgs, USAGE, UsageError, type DemoArgs } from './args.js'
import { BIKE_FEATURES, monthOf, readBikeHours, writeReferenceCsv } from './bike-data.js'
import { trainBikeModel } from './bike-model.js'
import { BIKE_MODEL, BikeStream } from './bike-stream.js'
import { CollectorApi } from './collector-api.js'
import { startCollectorProcess, type CollectorProcess } from './collector-process.js'
import { CreditStream } from './credit-stream.js'
import { policyFileFor, POLICY_WEBHOOK, WEBHOOK_SECRET_ENV } from './demo-policy.js'
import { Output } from './output.js'
import { isPortFree } from './ports.js'
import { summaryLines } from './summary.js'
import { alertLine, startWebhookReceiver, type WebhookAlert, type WebhookReceiver } from './webhook-receiver.js'

const DATA = fileURLToPath(new URL('../../../data/', import.meta.url))
const REFERENCE_ID = 'bike-demand-jan-2011'
/** Credit decisions per second at speed 1: about 1,200 in a 30-second window. */
const CREDIT_PER_SECOND = 40
/** "Weeks until repayment" and "the end of the day", compressed. */
const OUTCOME_DELAY_MS = 5000
const POLL_MS = 5000
const SUMMARY_EVERY_POLLS = 3

async function run(args: DemoArgs): Promise<number> {
  const started = Date.now()
  const elapsed = () => Math.round((Date.now() - started) / 1000)
  const out = new Output()
  out.line('AIMS Monitor demo: two models under six controls, real data replayed in compressed time.')
  out.startLoading()

  const workDir = await mkdtemp(path.join(tmpdir(), 'aims-demo-work-'))
  const dataDir = args.dataDir ? path.resolve(args.dataDir) : await mkdtemp(path.join(tmpdir(), 'aims-demo-store-'))
  if (args.dataDir) await mkdir(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('hex')
  const apiKey = `aims-demo-${randomBytes(16).toString('hex')}`

  // 1. The webhook receiver, standing for the governance system. It verifies every signature.
  const alerts: WebhookAlert[] = []
  let onAlertHook = () => {}
  const receiverOptions = {
    path: POLICY_WEBHOOK.path,
    secret,
    onAlert: (alert: WebhookAlert) => {
      alerts.push(alert)
      out.line(alertLine(alert))
      onAlertHook()
    },
    onRefused: (reason: string) => out.line(`webhook receiver refused a request: ${reason}`),
  }
  const receiver: WebhookReceiver = (await isPortFree(POLICY_WEBHOOK.port))
    ? await startWebhookReceiver({ ...receiverOptions, port: POLICY_WEBHOOK.port })
    : await startWebhookReceiver({ ...receiverOptions, port: 0 })
  out.stepDone('webhook receiver', receiver.url)

  // 2. `aims up` with the demo policy, as a child process; meanwhile, read the data and train.
  const policyFile = await policyFileFor(receiver.url, workDir)
  const port = args.port ?? ((await isPortFree(4318)) ? 4318 : 0)
  // Settled into a value: it is awaited only after training, and a failure meanwhile must not be an unhandled rejection.
  const collectorStarting = startCollectorProcess({
    port, dataDir, policyFile,
    env: { AIMS_INIT_API_KEY: apiKey, [WEBHOOK_SECRET_ENV]: secret },
    onLog: (line) => out.line(`[collector] ${collectorLogText(line)}`),
  }).then((process) => ({ process }), (error: unknown) => ({ error }))
  const hours = await readBikeHours(path.join(DATA, 'bike-sharing/hour.csv'))
  const january = monthOf(hours, '2011-01')
  const february = monthOf(hours, '2011-02')
  const referenceCsv = path.join(workDir, 'bike-january-2011.csv')
  await writeReferenceCsv(referenceCsv, january)
  const [train, test] = await Promise.all([readAdult(path.join(DATA, 'adult'), 'train'), readAdult(path.join(DATA, 'adult'), 'test')])
  const credit = trainCreditModel(train)
  const threshold = 0.5
  out.stepDone('credit model trained', `logistic regression on ${train.length} UCI Adult applicants, test accuracy ${credit.accuracy(test, threshold).toFixed(3)}`)
  const bike = trainBikeModel(january)
  out.stepDone('bike model trained', `hour-of-day + temperature regression on ${january.length} January 2011 hours, MAE ${bike.mae(january).toFixed(1)} rentals/h`)

  const launch = await collectorStarting
  if ('error' in launch) {
    out.stopLoading()
    await receiver.close()
    await cleanUp(workDir, args.dataDir ? undefined : dataDir)
    throw launch.error
  }
  const collector: CollectorProcess = launch.process
  out.stepDone('collector (aims up)', `${collector.url}, store in ${dataDir}`)
  const api = new CollectorApi(collector.url, apiKey)
  let reference
  try {
    reference = await api.importReference(BIKE_MODEL.id, REFERENCE_ID, referenceCsv, BIKE_FEATURES)
  } catch (error) {
    out.stopLoading()
    await collector.stop()
    await receiver.close()
    await cleanUp(workDir, args.dataDir ? undefined : dataDir)
    throw error
  }
  out.stepDone('bike reference data', `${reference.id}: ${reference.rowCount} January hours, sha256 ${reference.sha256.slice(0, 12)}…`)

  // 3. The two models, instrumented, replaying real data: February 2011 for the bike model (warmer
  //    than January: drift), UCI Adult test applicants for the credit model (with delayed outcomes).
  const monitorOptions = { endpoint: collector.url, apiKey, environment: 'demo' }
  const bikeMonitor = createMonitor({ ...monitorOptions, model: BIKE_MODEL })
  const creditMonitor = createMonitor({ ...monitorOptions, model: CREDIT_MODEL })
  let firstPassDone = false
  const creditStream = new CreditStream(credit, creditMonitor, test, {
    perSecond: CREDIT_PER_SECOND * args.speed, threshold, outcomeFraction: 0.6, outcomeDelayMs: OUTCOME_DELAY_MS, random: seededRandom(42),
  }, () => {})
  const bikeStream = new BikeStream(bike, bikeMonitor, february, 24 * args.speed, OUTCOME_DELAY_MS, (p) => {
    if (firstPassDone) return
    out.replayProgress(Math.min(p.served, february.length), `· credit decisions ${creditStream.progress.served} · outcomes ${p.outcomes + creditStream.progress.outcomes}`)
    if (p.passes > 0) {
      firstPassDone = true
      out.stopLoading()
      out.line(`February 2011 replayed once (${february.length} hours, ${creditStream.progress.served} credit decisions); the replay loops until the demo stops.`)
    }
  })
  out.startReplay(february.length)
  bikeStream.start()
  creditStream.start()
  const instructions = [
    '',
    `  Dashboard:  ${collector.url}/      sign in with the API key  ${apiKey}`,
    `  API:        curl -s ${collector.url}/v1/controls -H 'Authorization: Bearer ${apiKey}'`,
    `  Alerts:     signed webhooks to ${receiver.url}, printed below as they arrive`,
    `  Replay:     ${february.length} February 2011 bike hours at ${24 * args.speed}/s, ${CREDIT_PER_SECOND * args.speed} credit decisions/s, outcomes ${OUTCOME_DELAY_MS / 1000} s later`,
    args.exitAfterSeconds === undefined ? '  Ctrl-C stops the demo.' : `  Stops after ${args.exitAfterSeconds} s${args.untilBreach ? ', or as soon as a control breached and an alert was delivered' : ''}.`,
    '',
  ]
  for (const line of instructions) out.line(line)
  if (!out.tty) out.line(`replaying February 2011 (${february.length} hours) and UCI Adult test applicants…`)

  // 4. Watch: the control board every 15 s; stop on Ctrl-C, at the deadline, or once it all happened.
  const breached = new Set<string>()
  let finishing: Promise<number> | undefined
  let resolveDone!: (code: number) => void
  const done = new Promise<number>((resolve) => (resolveDone = resolve))
  const timers: NodeJS.Timeout[] = []
  const conditionsMet = () => breached.size > 0 && alerts.length > 0
  const verdict = (): { code: number; text: string } => {
    const breachedText = breached.size ? `${breached.size} control${breached.size === 1 ? '' : 's'} breached (${[...breached].join(', ')})` : 'no control breached'
    const alertText = `${alerts.length} alert${alerts.length === 1 ? '' : 's'} delivered to the webhook receiver${alerts.length ? ', every signature verified' : ''}`
    return { code: conditionsMet() ? 0 : 1, text: `${breachedText}; ${alertText}` }
  }
  const finish = (why: string, exitCode?: number): Promise<number> => {
    finishing ??= (async () => {
      for (const timer of timers) clearTimeout(timer)
      out.stopLoading()
      const result = verdict()
      const code = exitCode ?? result.code
      out.line(`\nResult after ${elapsed()} s (${why}): ${result.text}.`)
      if (code !== 0 && exitCode === undefined) {
        out.line(`demo failed: ${breached.size === 0 ? 'no control breached' : 'no alert reached the webhook receiver'} within ${elapsed()} s`)
      }
      out.line('Stopping: delivering what the SDK holds, then stopping the collector…')
      bikeStream.stop()
      creditStream.stop()
      await Promise.all([bikeMonitor.shutdown(), creditMonitor.shutdown()])
      const stats = { bike: bikeMonitor.stats(), credit: creditMonitor.stats() }
      out.line(`  SDK: bike ${stats.bike.exported} records delivered, credit ${stats.credit.exported} (failed ${stats.bike.failed + stats.credit.failed}, dropped ${stats.bike.dropped + stats.credit.dropped})`)
      await collector.stop()
      await receiver.close()
      await cleanUp(workDir, args.dataDir ? undefined : dataDir)
      out.line(args.dataDir ? `  stopped; the store is kept in ${dataDir} (pnpm aims up --data ${dataDir} reopens it)` : '  stopped; the temporary store was deleted (--data DIR keeps it)')
      resolveDone(code)
      return code
    })()
    return finishing
  }

  void collector.exited.then((status) => {
    if (!finishing) {
      out.line(`the collector stopped unexpectedly (${status.signal ?? `exit code ${status.code}`})`)
      void finish('collector stopped', 1)
    }
  })
  const onSignal = (signal: NodeJS.Signals) => {
    if (finishing) {
      out.line(`${signal} again: stopping now`)
      process.exit(130) // the exit hook kills the collector
    }
    void finish(signal, args.exitAfterSeconds === undefined ? 0 : 130)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  onAlertHook = () => {
    if (args.untilBreach && conditionsMet()) void finish('a control breached and an alert was delivered')
  }

  let polls = 0
  const poll = async () => {
    if (finishing) return
    try {
      const controls = await api.controls()
      // Only this run's evaluations: a store kept with --data remembers the breaches of earlier runs.
      for (const c of controls) if (c.latest?.outcome === 'breach' && Date.parse(c.latest.evaluatedAt) >= started) breached.add(c.id)
      if (++polls % SUMMARY_EVERY_POLLS === 0) {
        const served = `served: ${bikeStream.progress.served} bike hours, ${creditStream.progress.served} credit decisions · alerts delivered: ${alerts.length}`
        for (const line of summaryLines(controls, elapsed(), served)) out.line(line)
      }
    } catch (error) {
      out.line(`could not read the controls: ${(error as Error).message}`)
    }
    if (args.untilBreach && conditionsMet()) return void finish('a control breached and an alert was delivered')
    if (!finishing) timers.push(setTimeout(() => void poll(), POLL_MS))
  }
  timers.push(setTimeout(() => void poll(), POLL_MS))
  if (args.exitAfterSeconds !== undefined) {
    timers.push(setTimeout(() => void finish(`--exit-after ${args.exitAfterSeconds}`), Math.max(0, args.exitAfterSeconds * 1000 - (Date.now() - started))))
  }
  return done
}

async function cleanUp(workDir: string, storeDir: string | undefined): Promise<void> {
  await rm(workDir, { recursive: true, force: true })
  if (storeDir) await rm(storeDir, { recursive: true, force: true })
}

/** The collector logs JSON (pino) on stderr: its message is what a person needs here. */
function collectorLogText(line: string): string {
  try {
    const record = JSON.parse(line) as { level?: number; msg?: string }
    const level = record.level === undefined ? '' : record.level >= 50 ? 'error: ' : record.level >= 40 ? 'warning: ' : ''
    return `${level}${record.msg ?? line}`
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
    return line // not JSON: printed as it is
  }
}

try {
  process.exitCode = await run(parseDemoArgs(process.argv.slice(2)))
} catch (error) {
  if (error instanceof UsageError) {
    if (error.message) console.error(error.message)
    ;(error.message ? console.error : console.log)(USAGE)
    process.exitCode = error.message ? 2 : 0
  } else {
    console.error(`demo failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
    process.exitCode = 1
  }
}
