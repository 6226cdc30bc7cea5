import type { Command } from 'commander'
import type { FrameworkName } from '@aims-monitor/controls'
import type { CoverageMatrix, CoverageStatus } from '@aims-monitor/evaluator'
import { CliError } from '../cli-error.js'
import { openGovernanceClient, type GovernanceOptions } from '../governance-client.js'
import { textTable } from '../text-table.js'
import { parseTimeOption } from '../time-option.js'

const FRAMEWORKS: readonly FrameworkName[] = ['iso42001', 'euAiAct', 'nistAiRmf']
const STATUSES: readonly CoverageStatus[] = ['covered', 'excluded', 'not_covered']

/**
 * `aims coverage`: the Statement-of-Applicability coverage matrix: per framework reference, the
 * controls that serve it, their evaluations in the period (total and breaches), and whether it is
 * covered, excluded (with the policy's justification) or not covered.
 */
export function registerCoverageCommand(program: Command): void {
  program
    .command('coverage')
    .description('Statement-of-Applicability coverage: framework reference → controls → evidence count')
    .option('-d, --data <dir>', 'data directory of the embedded store', '.aims')
    .option('--policy <file>', 'control policy, when working on the store directly (default: AIMS_POLICY_FILE)')
    .option('--project <project>', 'project, when working on the store directly (default: default)')
    .option('--from <time>', 'period start, ISO 8601 or epoch ms (default: 30 days before --to)')
    .option('--to <time>', 'period end, exclusive (default: now)')
    .option('--framework <name>', `only ${FRAMEWORKS.join(', ')}`)
    .option('--status <status>', `only rows ${STATUSES.join(', ')}`)
    .option('--url <url>', 'a running collector (default: the one holding --data, if any)')
    .option('--api-key <key>', 'read key for the collector (default: AIMS_API_KEY)')
    .option('--json', 'print JSON')
    .action(async (options: GovernanceOptions & { from?: string; to?: string; framework?: string; status?: string; json?: boolean }) => {
      if (options.framework !== undefined && !FRAMEWORKS.includes(options.framework as FrameworkName)) throw new CliError(`--framework ${options.framework}: expected one of ${FRAMEWORKS.join(', ')}`)
      if (options.status !== undefined && !STATUSES.includes(options.status as CoverageStatus)) throw new CliError(`--status ${options.status}: expected one of ${STATUSES.join(', ')}`)
      const query = {
        from: options.from === undefined ? undefined : parseTimeOption(options.from, '--from'),
        to: options.to === undefined ? undefined : parseTimeOption(options.to, '--to'),
        framework: options.framework as FrameworkName | undefined,
      }
      const client = await openGovernanceClient(options)
      let matrix: CoverageMatrix
      try {
        matrix = await client.coverage(query)
      } finally {
        await client.close()
      }
      if (options.json) return void process.stdout.write(JSON.stringify(matrix) + '\n')
      if (matrix.policy === null) process.stderr.write('aims: no policy loaded: nothing is covered (pass --policy <file>)\n')
      process.stdout.write(`coverage of ${matrix.policy ? `policy ${matrix.policy.name} version ${matrix.policy.version}` : 'no policy'}, evidence from ${matrix.period.from} to ${matrix.period.to}\n`)
      for (const framework of matrix.frameworks) {
        const s = framework.summary
        process.stdout.write(`\n${framework.label} (${framework.edition}): ${s.covered} covered, ${s.excluded} excluded, ${s.notCovered} not covered of ${s.references}\n`)
        const rows = framework.rows.filter((row) => options.status === undefined || row.status === options.status)
        process.stdout.write(textTable([
          ['reference', 'status', 'evaluations', 'breaches', 'controls', 'title / justification'],
          ...rows.map((row) => [
            row.reference, row.status.replace('_', ' '), String(row.evidence.total), String(row.evidence.breach),
            row.controls.map((c) => (c.status === 'active' ? c.id : `${c.id} (${c.status})`)).join(', ') || '-',
            row.justification ?? row.title,
          ]),
        ], 70))
      }
    })
}
