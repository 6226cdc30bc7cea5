import path from 'node:path'
import type { Command } from 'commander'
import { evaluationTimeBounds } from '@aims-monitor/collector/strict-time'
import { CliError } from '../cli-error.js'
import { callCollector } from '../collector-client.js'
import { liveCollectorUrl } from '../key-manager.js'
import { parseTimeOption } from '../time-option.js'

interface EvaluateOptions {
  data: string
  policy?: string
  control?: string[]
  at?: string
  url?: string
  apiKey?: string
  json?: boolean
}

interface ResultView {
  control: string
  status: string
  outcome: string | null
  evaluation: { seq: number; value: number | null; reason: string; window: { from: string; to: string } } | null
}

/**
 * `aims evaluate`: evaluate controls now (or as of --at). Through the running collector when one
 * holds the data directory (or with --url), else directly on the store with --policy.
 * Exits 0 when every evaluated control passed, 3 when one warned or breached, 4 when one could not
 * be judged (insufficient data or error): scripts and CI can gate on it.
 */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate the policy\'s controls now and record the evaluations as evidence')
    .option('-d, --data <dir>', 'data directory of the embedded store', '.aims')
    .option('--policy <file>', 'control policy (YAML); needed when no collector is running (default: AIMS_POLICY_FILE)')
    .option('-c, --control <id...>', 'only these controls (default: every active control)')
    .option('--at <time>', 'evaluation time, ISO 8601 (2026-11-01T12:00:00Z) or epoch ms, from 2000-01-01 to a day from now (default: now)')
    .option('--url <url>', 'a running collector to evaluate through')
    .option('--api-key <key>', 'admin key for the collector (default: AIMS_API_KEY)')
    .option('--json', 'print JSON')
    .action(async (options: EvaluateOptions) => {
      // Read as the collector reads `at` (2000-01-01 to a day from now): "1.5" is not 5 January 2001.
      const at = options.at === undefined ? undefined : parseTimeOption(options.at, '--at', { bounds: evaluationTimeBounds() })
      const dataDir = path.resolve(options.data)
      const url = options.url ?? (process.env.AIMS_CLICKHOUSE_URL ? undefined : liveCollectorUrl(dataDir))
      const results = url
        ? (await callCollector<{ results: ResultView[] }>(url, options.apiKey ?? process.env.AIMS_API_KEY, 'POST', '/v1/controls/evaluate', { json: { ...(options.control ? { controls: options.control } : {}), ...(at !== undefined ? { at } : {}) } })).results
        : await evaluateDirectly(dataDir, options, at)
      if (options.json) process.stdout.write(JSON.stringify(results) + '\n')
      else for (const r of results) {
        const e = r.evaluation
        process.stdout.write(`${r.control.padEnd(20)} ${(r.outcome ?? r.status).padEnd(18)} ${e ? `#${e.seq} ${e.window.from} → ${e.window.to}: ${e.reason}` : r.status}\n`)
      }
      const outcomes = results.map((r) => r.outcome)
      process.exitCode = outcomes.some((o) => o === 'warn' || o === 'breach') ? 3 : outcomes.some((o) => o === 'insufficient_data' || o === 'error') ? 4 : 0
    })
}

async function evaluateDirectly(dataDir: string, options: EvaluateOptions, at: number | undefined): Promise<ResultView[]> {
  const { formatProblems, loadPolicyFile } = await import('@aims-monitor/controls')
  const { Evaluator, PolicyHistory } = await import('@aims-monitor/evaluator')
  const { openStore, storeConfigFromEnv } = await import('@aims-monitor/store')
  const policyFile = options.policy ?? process.env.AIMS_POLICY_FILE
  if (!policyFile) throw new CliError('no collector is running on this data directory: pass --policy <file> to evaluate directly on the store')
  const loaded = await loadPolicyFile(policyFile)
  if (!loaded.ok) throw new CliError(`the control policy is invalid:\n${formatProblems(loaded.problems, loaded.source)}`, 2)
  const store = await openStore(storeConfigFromEnv(process.env, { dataDir }))
  await new PolicyHistory(store).recordLoad(loaded, `cli:${process.env.USER ?? 'unknown'}`)
  const evaluator = new Evaluator({ store, policy: loaded })
  try {
    const results = await evaluator.evaluate({ controls: options.control, at })
    await evaluator.drainNotifications()
    return results.map((r) => ({
      control: r.controlId,
      status: r.status,
      outcome: r.outcome,
      evaluation: r.evaluation ? { seq: r.evaluation.seq, value: r.evaluation.record.value, reason: r.evaluation.record.reason, window: r.evaluation.record.window } : null,
    }))
  } finally {
    await evaluator.stop()
    await store.close()
  }
}
