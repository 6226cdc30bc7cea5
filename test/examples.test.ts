import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'
import { childEnv, REPO_ROOT } from './support/spawn-collector.js'

// The examples run as users run them: built JS, as child processes, against a real collector.
// Requires `pnpm build` (examples/*/dist).
const QUICKSTART = fileURLToPath(new URL('../examples/quickstart/dist/main.js', import.meta.url))
const CREDIT_MODEL = fileURLToPath(new URL('../examples/credit-model/dist/main.js', import.meta.url))

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `node script args` to completion (killed after `timeoutMs`), with no AIMS_* from this shell. */
function runNode(script: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The JSON summary an example prints as its last line. */
function summaryOf(run: Run): any {
  const last = run.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(last)
  } catch (error) {
    throw new Error(`no JSON summary line (${(error as Error).message}); exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`)
  }
}

const noLoss = { dropped: 0, failed: 0, extractorErrors: 0, truncated: 0 }

describe('examples against a running collector', () => {
  let c: CollectorFixture

  beforeAll(async () => {
    c = await startCollectorFixture()
  })
  afterAll(async () => {
    await c?.close()
  })

  it('quickstart: its prediction and outcome are stored', async () => {
    const run = await runNode(QUICKSTART, [], { AIMS_ENDPOINT: c.url, AIMS_API_KEY: c.initKey }, 60_000)
    expect(run.code, run.stderr).toBe(0)
    const summary = summaryOf(run)
    expect(summary).toMatchObject({ name: 'quickstart', monitorEnabled: true, predictions: 1, outcomes: 1, stats: { recorded: 2, exported: 2, ...noLoss } })
    const model = (await c.getModels()).models.find((m) => m.id === summary.modelId)
    expect(model).toMatchObject({ predictionCount: summary.predictions, outcomeCount: summary.outcomes })
  })

  it('credit-model: trains to ≥ 0.8 accuracy, and every decision and delayed outcome it sent (two processes) is stored', async () => {
    const run = await runNode(CREDIT_MODEL, ['--endpoint', c.url, '--api-key', c.initKey, '--rows', '2000', '--pause-ms', '100'], {}, 170_000)
    expect(run.code, run.stderr).toBe(0)
    const summary = summaryOf(run)
    expect(summary.testAccuracy).toBeGreaterThanOrEqual(0.8)
    expect(summary).toMatchObject({ monitorEnabled: true, predictions: 2000, outcomes: 1200 })
    expect(summary.outcomesInProcess + summary.outcomesFromOtherProcess).toBe(summary.outcomes)
    expect(summary.outcomesFromOtherProcess).toBeGreaterThan(0)
    expect(summary.stats).toMatchObject({ recorded: summary.predictions + summary.outcomesInProcess, exported: summary.predictions + summary.outcomesInProcess, ...noLoss })
    expect(summary.otherProcessStats).toMatchObject({ recorded: summary.outcomesFromOtherProcess, exported: summary.outcomesFromOtherProcess, ...noLoss })

    const model = (await c.getModels()).models.find((m) => m.id === summary.model.id)
    expect(model).toMatchObject({ predictionCount: summary.predictions, outcomeCount: summary.outcomes })
    expect(model?.versions.map((v) => v.version)).toEqual([summary.model.version])

    // What was stored: raw applicant fields as features, sex and race only as attributes, the
    // decision as output, and outcomes (from both processes) joined to those predictions.
    const store = c.collector.store
    const [registered] = await (
      await store.client.query({
        query: `SELECT any(predictions_table) AS t FROM ${store.table('models')} FINAL WHERE model_id = {m:String}`,
        query_params: { m: summary.model.id },
        format: 'JSONEachRow',
      })
    ).json<{ t: string }>()
    const table = store.table(registered!.t)
    const [sample] = await (await store.client.query({ query: `SELECT * FROM ${table} FINAL LIMIT 1`, format: 'JSONEachRow' })).json<Record<string, unknown>>()
    const columns = Object.keys(sample!)
    expect(columns).toEqual(expect.arrayContaining(['f:age:num', 'f:education:str', 'f:hours_per_week:num', 'a:sex', 'a:race']))
    expect(columns.filter((name) => /^f:(sex|race):/.test(name))).toEqual([])
    const [counts] = await (
      await store.client.query({
        query: `SELECT count() AS n, countIf(output_label IN ('approve', 'deny') AND isFinite(output_score)) AS decided,
                  countIf(\`a:sex\` IN ('Female', 'Male')) AS withSex, countIf(\`a:race\` != '') AS withRace,
                  countIf(isFinite(\`f:age:num\`)) AS withAge
                FROM ${table} FINAL`,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      })
    ).json<Record<string, number>>()
    expect(counts).toEqual({ n: 2000, decided: 2000, withSex: 2000, withRace: 2000, withAge: 2000 })
    const [joined] = await (
      await store.client.query({
        query: `SELECT count() AS n, countIf(label IN ('approve', 'deny')) AS labelled
                FROM ${store.table('outcomes')} FINAL
                WHERE model_id = {m:String} AND prediction_id IN (SELECT id FROM ${table})`,
        query_params: { m: summary.model.id },
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      })
    ).json<Record<string, number>>()
    expect(joined).toEqual({ n: 1200, labelled: 1200 })
  }, 180_000)
})
