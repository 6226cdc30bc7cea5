#!/usr/bin/env node
import { Command, CommanderError } from 'commander'
import { registerControlsCommand } from './commands/controls.js'
import { registerEvaluateCommand } from './commands/evaluate.js'
import { registerReferenceCommand } from './commands/reference.js'
import { registerKeysCommand } from './commands/keys.js'
import { registerUpCommand } from './commands/up.js'
import { registerVerifyCommand } from './commands/verify.js'
import { registerNonconformitiesCommand } from './commands/nonconformities.js'
import { registerRegisterCommand } from './commands/register.js'
import { registerCoverageCommand } from './commands/coverage.js'
import { registerReportCommand } from './commands/report.js'
import { CliError } from './cli-error.js'

/** `aims <command>`: run from the repository root as `pnpm aims <command>`. */
const program = new Command()
  .name('aims')
  .description('AIMS Monitor: runtime monitoring of AI models as ISO/IEC 42001 operational controls')
  .showHelpAfterError()
  .exitOverride()

registerUpCommand(program)
registerKeysCommand(program)
registerVerifyCommand(program)
registerControlsCommand(program)
registerEvaluateCommand(program)
registerReferenceCommand(program)
registerNonconformitiesCommand(program)
registerRegisterCommand(program)
registerCoverageCommand(program)
registerReportCommand(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode)
  const message = error instanceof CliError || error instanceof Error ? error.message : String(error)
  process.stderr.write(`aims: ${message}\n`)
  process.exit(error instanceof CliError ? error.exitCode : 1)
}
