import type { Command } from 'commander'
import type { Nonconformity, NonconformityStatus, NonconformityUpdate } from '@aims-monitor/evaluator'
import { CliError } from '../cli-error.js'
import { openGovernanceClient, type AgedNonconformity, type GovernanceClient, type GovernanceOptions } from '../governance-client.js'
import { textTable } from '../text-table.js'
import { parseDateOption } from '../time-option.js'

const STATUSES: readonly NonconformityStatus[] = ['open', 'action_taken', 'closed']

/**
 * `aims nonconformities list|show|open|update|close`: ISO/IEC 42001 clause 10.2 records, with their
 * ageing. Through the running collector (read key to list and show, admin key to change), or
 * directly on the data directory when none holds it (changes then go to the audit log as cli:<user>).
 */
export function registerNonconformitiesCommand(program: Command): void {
  const command = program.command('nonconformities').description('nonconformities and corrective actions (ISO/IEC 42001 clause 10.2)')
  const common = (sub: Command) => sub
    .option('-d, --data <dir>', 'data directory of the embedded store', '.aims')
    .option('--url <url>', 'a running collector (default: the one holding --data, if any)')
    .option('--api-key <key>', 'key for the collector (default: AIMS_API_KEY)')
    .option('--project <project>', 'project, when working on the store directly (default: default)')
    .option('--json', 'print JSON')

  common(command.command('list'))
    .description('list nonconformities, newest first, with age and due date')
    .option('--status <status>', `only ${STATUSES.join(', ')}`)
    .option('--overdue', 'only those past their due date')
    .action(async (options: GovernanceOptions & { status?: string; overdue?: boolean; json?: boolean }) => {
      if (options.status !== undefined && !STATUSES.includes(options.status as NonconformityStatus)) throw new CliError(`--status ${options.status}: expected one of ${STATUSES.join(', ')}`)
      const list = await withClient(options, (client) => client.listNonconformities(options.status as NonconformityStatus | undefined))
      const shown = options.overdue ? list.filter((nc) => nc.ageing.overdue) : list
      if (options.json) return void process.stdout.write(JSON.stringify(shown) + '\n')
      if (shown.length === 0) return void process.stdout.write('no nonconformities\n')
      process.stdout.write(textTable([
        ['id', 'status', 'age', 'due', 'control', 'owner', 'description'],
        ...shown.map((nc) => [nc.id, nc.status, `${nc.ageing.ageDays}d`, due(nc), nc.controlId || '(manual)', nc.owner, nc.description]),
      ], 50))
    })

  common(command.command('show'))
    .description('one nonconformity with every version of it')
    .argument('<id>', 'nonconformity id')
    .action(async (id: string, options: GovernanceOptions & { json?: boolean }) => {
      const detail = await withClient(options, (client) => client.showNonconformity(id))
      if (options.json) return void process.stdout.write(JSON.stringify(detail) + '\n')
      process.stdout.write(describe(detail.nonconformity, detail.history))
    })

  common(command.command('open'))
    .description('open a nonconformity by hand (an audit finding, a complaint, an incident no control caught)')
    .requiredOption('--description <text>', 'what does not conform')
    .requiredOption('--owner <name>', 'who owns the corrective action')
    .option('--control <id>', 'the control it concerns (its later passing evaluation is then the effectiveness check)')
    .option('--due-date <date>', 'ISO 8601 date (default: 30 days from now)')
    .option('--by <name>', 'who opens it (default: the key\'s name, or cli:<user>)')
    .option('--policy <file>', 'control policy, to check --control when working on the store directly')
    .action(async (options: GovernanceOptions & { description: string; owner: string; control?: string; dueDate?: string; by?: string; json?: boolean }) => {
      if (options.dueDate !== undefined) parseDateOption(options.dueDate, '--due-date')
      const record = await withClient(options, (client) => client.openNonconformity({ controlId: options.control, description: options.description, owner: options.owner, dueDate: options.dueDate, by: options.by }))
      print(options, record, `opened nonconformity ${record.id}, due ${record.dueDate.slice(0, 10)}, owner ${record.owner}`)
    })

  common(command.command('update'))
    .description('record containment, root cause, corrective action, owner or due date (a new version; history kept)')
    .argument('<id>', 'nonconformity id')
    .option('--containment <text>', 'what was done to contain the effects')
    .option('--root-cause <text>', 'why it happened')
    .option('--corrective-action <text>', 'what removes the cause (status becomes action_taken)')
    .option('--owner <name>', 'new owner')
    .option('--due-date <date>', 'new due date (ISO 8601 date)')
    .option('--by <name>', 'who records it (default: the key\'s name, or cli:<user>)')
    .action(async (id: string, options: GovernanceOptions & { containment?: string; rootCause?: string; correctiveAction?: string; owner?: string; dueDate?: string; by?: string; json?: boolean }) => {
      const changes: NonconformityUpdate = Object.fromEntries(Object.entries({
        containment: options.containment, rootCause: options.rootCause, correctiveAction: options.correctiveAction, owner: options.owner, dueDate: options.dueDate,
      }).filter(([, value]) => value !== undefined))
      if (Object.keys(changes).length === 0) throw new CliError('give at least one of --containment, --root-cause, --corrective-action, --owner, --due-date')
      if (changes.dueDate !== undefined) parseDateOption(changes.dueDate, '--due-date')
      const record = await withClient(options, (client) => client.updateNonconformity(id, changes, options.by))
      print(options, record, `nonconformity ${record.id} is now version ${record.version}, ${record.status}`)
    })

  common(command.command('close'))
    .description('close: needs root cause, corrective action and an effectiveness check (a passing evaluation of the control after the action, or --review without a control)')
    .argument('<id>', 'nonconformity id')
    .requiredOption('--note <text>', 'why it can be closed')
    .option('--review <text>', 'effectiveness review, for a nonconformity opened by hand without a control')
    .option('--by <name>', 'who closes it (default: the key\'s name, or cli:<user>)')
    .action(async (id: string, options: GovernanceOptions & { note: string; review?: string; by?: string; json?: boolean }) => {
      const record = await withClient(options, (client) => client.closeNonconformity(id, { note: options.note, review: options.review, by: options.by }))
      print(options, record, `closed nonconformity ${record.id}`)
    })
}

async function withClient<T>(options: GovernanceOptions, work: (client: GovernanceClient) => Promise<T>): Promise<T> {
  const client = await openGovernanceClient(options)
  try {
    return await work(client)
  } finally {
    await client.close()
  }
}

function print(options: { json?: boolean }, record: Nonconformity, message: string): void {
  process.stdout.write(options.json ? JSON.stringify(record) + '\n' : `${message}\n`)
}

function due(nc: AgedNonconformity): string {
  const date = nc.dueDate.slice(0, 10)
  if (nc.status === 'closed') return `${date}${nc.ageing.closedLate ? ' (closed late)' : ''}`
  return nc.ageing.overdue ? `${date} OVERDUE ${-(nc.ageing.dueInDays ?? 0)}d` : `${date} (${nc.ageing.dueInDays}d left)`
}

function describe(nc: AgedNonconformity, history: readonly Nonconformity[]): string {
  const lines = [
    `nonconformity ${nc.id} (version ${nc.version})`,
    `status            ${nc.status}`,
    `control           ${nc.controlId || '(opened by hand, no control)'}`,
    `alert             ${/^0{8}-/.test(nc.alertId) ? '(none)' : nc.alertId}`,
    `description       ${nc.description}`,
    `owner             ${nc.owner}`,
    `opened            ${nc.openedAt} (${nc.ageing.ageDays} days ago${nc.status === 'closed' ? ', until its closure' : ''})`,
    `due               ${due(nc)}`,
    `containment       ${nc.containment ?? '-'}`,
    `root cause        ${nc.rootCause ?? '-'}`,
    `corrective action ${nc.correctiveAction ?? '-'}`,
    `effectiveness     ${nc.effectivenessCheck ? (nc.effectivenessCheck.note ? `review by ${nc.effectivenessCheck.by} at ${nc.effectivenessCheck.at}: ${nc.effectivenessCheck.note}` : `evaluation ${nc.effectivenessCheck.evaluationId} passed at ${nc.effectivenessCheck.at}`) : '-'}`,
    `closed            ${nc.closed ? `${nc.closed.at} by ${nc.closed.by}: ${nc.closed.note}` : '-'}`,
    '',
    'history',
    ...history.map((v) => `  v${v.version} ${v.changedAt} ${v.status.padEnd(12)} by ${v.changedBy}`),
  ]
  return lines.join('\n') + '\n'
}
