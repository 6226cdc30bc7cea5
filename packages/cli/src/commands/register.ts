import type { Command } from 'commander'
import type { ModelRegister, RegisterEntry } from '@aims-monitor/evaluator'
import { openGovernanceClient, type GovernanceOptions } from '../governance-client.js'

/**
 * `aims register`: the model register (ISO/IEC 42001 A.9.4): every AI system the policy registers,
 * the collector has seen or a control names, with owner, intended use, versions with first and last
 * events, and the controls that cover it. Through the running collector, or on the store directly
 * (with --policy for the registered entries and controls).
 */
export function registerRegisterCommand(program: Command): void {
  program
    .command('register')
    .description('the model register: every AI system with owner, intended use, versions and covering controls')
    .option('-d, --data <dir>', 'data directory of the embedded store', '.aims')
    .option('--policy <file>', 'control policy, when working on the store directly (default: AIMS_POLICY_FILE)')
    .option('--project <project>', 'project, when working on the store directly (default: default)')
    .option('--url <url>', 'a running collector (default: the one holding --data, if any)')
    .option('--api-key <key>', 'read key for the collector (default: AIMS_API_KEY)')
    .option('--json', 'print JSON')
    .action(async (options: GovernanceOptions & { json?: boolean }) => {
      const client = await openGovernanceClient(options)
      let register: ModelRegister
      try {
        register = await client.register()
      } finally {
        await client.close()
      }
      if (options.json) return void process.stdout.write(JSON.stringify(register) + '\n')
      if (register.policy === null) process.stderr.write('aims: no policy loaded: registered entries and controls are not shown (pass --policy <file>)\n')
      if (register.models.length === 0) return void process.stdout.write(`no models in project ${register.project}\n`)
      process.stdout.write(register.models.map(describe).join('\n'))
    })
}

function describe(model: RegisterEntry): string {
  const tags = [model.riskClass, model.lifecycle, ...model.flags.map((f) => f.toUpperCase().replace('_', ' '))].filter(Boolean)
  const lines = [`${model.id}${tags.length ? `  [${tags.join(', ')}]` : ''}`]
  if (model.owner) lines.push(`  owner        ${model.owner.accountable} (accountable), ${model.owner.responsible} (responsible)`)
  if (model.intendedUse) lines.push(`  intended use ${model.intendedUse}`)
  if (model.description) lines.push(`  description  ${model.description}`)
  if (model.seen) {
    lines.push(`  events       ${model.predictionCount} predictions, ${model.outcomeCount} outcomes, ${model.firstEventAt} → ${model.lastEventAt}`)
    for (const v of model.versions) lines.push(`  version      ${v.version}: ${v.predictionCount} predictions, ${v.firstEventAt} → ${v.lastEventAt}`)
  }
  if (model.controls.length === 0) lines.push('  controls     none')
  for (const c of model.controls) {
    lines.push(`  control      ${c.id} v${c.version} (${c.status}): ${c.latest ? `${c.latest.outcome} at ${c.latest.evaluatedAt}` : 'not evaluated yet'}`)
  }
  return lines.join('\n') + '\n'
}
