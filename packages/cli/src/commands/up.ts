import type { Command } from 'commander'
import { CliError } from '../cli-error.js'

/**
 * `aims up`: the collector on the embedded store (or the server in AIMS_CLICKHOUSE_URL), until
 * SIGINT or SIGTERM, when it flushes the spool and exits 0.
 */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start the collector (OTLP/HTTP and native JSON ingest, query API) on the embedded store')
    // No commander defaults for these two: a default would always override AIMS_PORT and AIMS_HOST.
    .option('-p, --port <port>', 'port to listen on (default: AIMS_PORT, else 4318, the OTLP/HTTP port; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (default: AIMS_HOST, else 127.0.0.1)')
    .option('-d, --data <dir>', 'data directory of the embedded store and the spool', '.aims')
    .option('--policy <file>', 'control policy (YAML) to evaluate on schedule (default: AIMS_POLICY_FILE)')
    .option('--no-schedule', 'load the policy but evaluate only on demand (POST /v1/controls/evaluate, aims evaluate)')
    .action(async (options: { port?: string; host?: string; data: string; policy?: string; schedule: boolean }) => {
      // Loaded here, not at the top: every other command starts without the collector and the engine.
      const { collectorConfigFromEnv, startCollector, tuneGarbageCollectionForIngest } = await import('@aims-monitor/collector')
      // Before the ingest workers start: V8's flags are process-wide (gc-tuning.ts says why).
      tuneGarbageCollectionForIngest()
      const { API_KEY_SCOPES, DataDirLockedError } = await import('@aims-monitor/store')
      const config = collectorConfigFromEnv(process.env, {
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.host !== undefined ? { host: options.host } : {}),
        store: { dataDir: options.data },
        ...(options.policy ? { policyFile: options.policy } : {}),
        ...(options.schedule ? {} : { evaluatorSchedule: false }),
      })
      // Handlers go in before anything starts: a supervisor may signal at any moment (even as soon
      // as it reads the URL), and a signal with no handler would kill the process without a flush.
      // A signal during start-up lets the start finish, then stops.
      const signalled = new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.stdout.write(`\n${signal}: flushing the spool and closing the store…\n`)
          resolve()
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      let collector
      try {
        collector = await startCollector(config)
      } catch (error) {
        if (error instanceof DataDirLockedError) throw new CliError(error.message, 2)
        throw error
      }
      process.stdout.write(`AIMS Monitor collector listening on ${collector.url}\n`)
      process.stdout.write(`  store: ${collector.store.mode === 'embedded' ? `embedded ClickHouse in ${config.store.dataDir}` : config.store.url}\n`)
      process.stdout.write(`  OTLP/HTTP logs: ${collector.url}/v1/logs   native JSON: ${collector.url}/v1/events\n`)
      if (collector.evaluator) {
        const { policy, sha256 } = collector.evaluator.policy
        process.stdout.write(`  policy: ${policy.metadata.name} v${policy.metadata.version} (${policy.controls.length} controls, sha256 ${sha256.slice(0, 12)}…)${config.evaluatorSchedule ? '' : ', evaluated on demand only'}\n`)
      }
      if (collector.keys.list().length === 0) {
        // First start with no key and no AIMS_INIT_API_KEY: without a key nothing can be sent or read,
        // so make one for the operator at this terminal (the collector listens on loopback by default).
        const { key, record } = await collector.keys.create({ project: 'default', name: 'first start', scopes: [...API_KEY_SCOPES] })
        await collector.audit.append({ project: 'default', actor: `cli:${process.env.USER ?? 'unknown'} (first start)`, action: 'api_key.created', target: record.id, details: { name: record.name, scopes: record.scopes } })
        process.stdout.write(`  first start: created an API key with every scope on project default:\n\n    ${key}\n\n  Store it now: it is not shown again (\`pnpm aims keys\` manages keys).\n`)
      }
      await signalled
      await collector.close()
      process.stdout.write('stopped\n')
    })
}
