import type { Command } from 'commander'
import { formatProblems, loadPolicyFile, PolicyFileError, type PolicyLoadResult } from '@aims-monitor/controls'
import { CliError } from '../cli-error.js'

/** Exit status of `aims controls validate` for a policy that does not validate (1 is a file that cannot be read). */
export const INVALID_POLICY_EXIT_CODE = 2

/**
 * `aims controls validate <file>`: checks a policy file the way the evaluator loads it, and lists
 * every problem as `file:line:column: path: message` (the form editors and CI logs link to).
 */
export function registerControlsCommand(program: Command): void {
  const controls = program.command('controls').description('operational controls: the policy file')

  controls
    .command('validate')
    .description(`check a policy file; exit 0 when valid, ${INVALID_POLICY_EXIT_CODE} with every problem on stderr when not`)
    .argument('<file>', 'policy file (YAML), e.g. examples/policies/credit-risk.yaml')
    .option('--json', 'print the result as JSON on stdout (problems included)')
    .action(async (file: string, options: { json?: boolean }) => {
      const result = await load(file)
      if (options.json) process.stdout.write(JSON.stringify(jsonOf(result)) + '\n')
      if (!result.ok) {
        if (!options.json) process.stderr.write(formatProblems(result.problems, file) + '\n')
        const n = result.problems.length
        throw new CliError(`${n} problem${n === 1 ? '' : 's'} in ${file}`, INVALID_POLICY_EXIT_CODE)
      }
      if (options.json) return
      const { policy, sha256 } = result
      const byStatus = countBy(policy.controls.map((c) => c.status))
      const statuses = Object.entries(byStatus).map(([status, n]) => `${n} ${status}`).join(', ')
      const notifiers = Object.keys(policy.notifiers).length
      process.stdout.write(
        `${file}: valid\n` +
          `policy ${policy.metadata.name} version ${policy.metadata.version}: ${policy.controls.length} control${policy.controls.length === 1 ? '' : 's'} (${statuses}), ${notifiers} notifier${notifiers === 1 ? '' : 's'}\n` +
          `sha256 ${sha256}\n`,
      )
    })
}

async function load(file: string): Promise<PolicyLoadResult> {
  try {
    return await loadPolicyFile(file)
  } catch (error) {
    if (error instanceof PolicyFileError) throw new CliError(error.message)
    throw error
  }
}

function jsonOf(result: PolicyLoadResult) {
  if (!result.ok) return { ok: false, problems: result.problems }
  const { policy, sha256, controlHashes } = result
  return { ok: true, name: policy.metadata.name, version: policy.metadata.version, sha256, controls: policy.controls.map((c) => ({ id: c.id, version: c.version, status: c.status, sha256: controlHashes[c.id] })) }
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return counts
}
