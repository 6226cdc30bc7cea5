import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import type { ReportData } from '@aims-monitor/evaluator'
import { CliError } from '../cli-error.js'
import { callCollector } from '../collector-client.js'
import { liveCollectorUrl } from '../key-manager.js'
import { parseTimeOption } from '../time-option.js'

type Format = 'html' | 'pdf' | 'md'
const FORMATS: Readonly<Record<string, Format>> = { '.html': 'html', '.htm': 'html', '.pdf': 'pdf', '.md': 'md' }

interface ReportOptions {
  from: string
  to: string
  model?: string
  out: string
  data: string
  policy?: string
  project?: string
  url?: string
  apiKey?: string
}

/**
 * `aims report --from <date> --to <date> [--model <id>] --out <file.html|file.pdf|file.md>`: the
 * evidence report for a period. Through the collector holding --data (or --url) the report's data
 * comes from `GET /v1/reports/evidence` and is rendered here; otherwise it is built on the store
 * with --policy. Progress goes to stderr, the written path to stdout. Exit 2 on bad arguments.
 */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('the evidence report for a period, as HTML, PDF or Markdown (by the --out extension)')
    .requiredOption('--from <date>', 'period start, ISO 8601 or epoch ms (evaluation windows ending at or after it)')
    .requiredOption('--to <date>', 'period end, exclusive')
    .option('--model <id>', 'only this model\'s controls and evaluations')
    .requiredOption('--out <file>', 'output file: .html, .pdf or .md')
    .option('-d, --data <dir>', 'data directory of the embedded store', '.aims')
    .option('--policy <file>', 'control policy, when working on the store directly (default: AIMS_POLICY_FILE)')
    .option('--project <project>', 'project, when working on the store directly (default: default)')
    .option('--url <url>', 'a running collector (default: the one holding --data, if any)')
    .option('--api-key <key>', 'read key for the collector (default: AIMS_API_KEY)')
    .action(async (options: ReportOptions) => {
      const from = parseTimeOption(options.from, '--from', { exitCode: 2 })
      const to = parseTimeOption(options.to, '--to', { exitCode: 2 })
      if (from >= to) throw new CliError(`--to ${options.to}: must be after --from ${options.from}`, 2)
      const format = FORMATS[path.extname(options.out).toLowerCase()]
      if (!format) throw new CliError(`--out ${options.out}: expected a file ending in .html, .pdf or .md`, 2)
      const progress = (step: string, done: number, total: number) => {
        const width = 20
        const filled = Math.round((done / total) * width)
        process.stderr.write(`aims report [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${step}\n`)
      }
      const report = await buildReport(options, from, to, progress)
      const evaluator = await import('@aims-monitor/evaluator')
      process.stderr.write(`aims report: rendering ${format}\n`)
      const content = format === 'md' ? evaluator.renderMarkdown(report) : format === 'html' ? evaluator.renderHtml(report) : await evaluator.renderPdf(report)
      await writeFile(options.out, content)
      process.stdout.write(`${path.resolve(options.out)} sha256:${report.contentHash}\n`)
    })
}

async function buildReport(options: ReportOptions, from: number, to: number, progress: (step: string, done: number, total: number) => void): Promise<ReportData> {
  const dataDir = path.resolve(options.data)
  const url = options.url ?? (process.env.AIMS_CLICKHOUSE_URL ? undefined : liveCollectorUrl(dataDir))
  if (url) {
    process.stderr.write(`aims report: fetching the report data from ${url}\n`)
    const search = new URLSearchParams({ from: String(from), to: String(to), format: 'json' })
    if (options.model) search.set('model', options.model)
    const report = await callCollector<ReportData>(url, options.apiKey ?? process.env.AIMS_API_KEY, 'GET', `/v1/reports/evidence?${search}`)
    const { reportContentHash } = await import('@aims-monitor/evaluator')
    if (reportContentHash(report) !== report.contentHash) throw new CliError(`the report from ${url} does not match its content hash`)
    return report
  }
  const { formatProblems, loadPolicyFile } = await import('@aims-monitor/controls')
  const { buildEvidenceReport } = await import('@aims-monitor/evaluator')
  const { openStore, storeConfigFromEnv } = await import('@aims-monitor/store')
  const policyFile = options.policy ?? process.env.AIMS_POLICY_FILE
  if (!policyFile) throw new CliError('the report needs the control policy: pass --policy <file> (or set AIMS_POLICY_FILE), or run it through a collector', 2)
  const loaded = await loadPolicyFile(policyFile)
  if (!loaded.ok) throw new CliError(`the control policy is invalid:\n${formatProblems(loaded.problems, loaded.source)}`, 2)
  const store = await openStore(storeConfigFromEnv(process.env, { dataDir }))
  try {
    return await buildEvidenceReport(store, { project: options.project ?? 'default', from, to, model: options.model, policy: loaded, onProgress: progress })
  } finally {
    await store.close()
  }
}
