import path from 'node:path'
import type { Command } from 'commander'
import type { ChainVerification } from '@aims-monitor/store'
// The subpath, not the package: the store's index loads the engine, which `--url` never needs.
import { anchorsOf, parseChainAnchor, type NamedChainAnchor } from '@aims-monitor/store/chain-anchor'
import { CliError } from '../cli-error.js'
import { callCollector } from '../collector-client.js'
import { liveCollectorUrl } from '../key-manager.js'

/**
 * `aims verify`: recomputes every hash chain the store keeps (evaluation records, audit log) from
 * its first record. Exit 0 when every chain holds; 5 when one is broken, naming the table and the
 * first broken record, so an auditor knows where to look.
 */
export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('check the hash chains of the evaluation records and the audit log; name the first broken record')
    .option('-d, --data <dir>', 'data directory of the embedded store', '.aims')
    .option('--url <url>', 'a running collector to verify through')
    .option('--api-key <key>', 'read key for the collector (default: AIMS_API_KEY)')
    .option('--anchor <table:seq:hash>', 'a head printed by an earlier verification (e.g. evaluations:412:9f86…): the chain must still hold that record with that hash; repeatable', collectAnchor, [])
    .option('--json', 'print JSON')
    .action(async (options: { data: string; url?: string; apiKey?: string; json?: boolean; anchor: NamedChainAnchor[] }) => {
      const dataDir = path.resolve(options.data)
      const url = options.url ?? (process.env.AIMS_CLICKHOUSE_URL ? undefined : liveCollectorUrl(dataDir))
      const query = options.anchor.map((a) => `anchor=${encodeURIComponent(`${a.table}:${a.seq}:${a.hash}`)}`).join('&')
      const chains = url
        ? (await callCollector<{ chains: ChainVerification[] }>(url, options.apiKey ?? process.env.AIMS_API_KEY, 'GET', `/v1/verify${query ? `?${query}` : ''}`)).chains
        : await verifyDirectly(dataDir, options.anchor)
      if (options.json) process.stdout.write(JSON.stringify({ ok: chains.every((c) => c.ok), chains }) + '\n')
      else {
        for (const chain of chains) {
          if (chain.ok) process.stdout.write(`${chain.table}: ok, ${chain.checked} records, head #${chain.headSeq ?? 0} ${chain.headHash}\n`)
          else {
            process.stdout.write(`${chain.table}: BROKEN at record #${chain.firstBroken} (${chain.problemCount} problem${chain.problemCount === 1 ? '' : 's'})\n`)
            for (const p of chain.problems.slice(0, 20)) process.stdout.write(`  #${p.seq}: ${p.problem}\n`)
          }
        }
      }
      process.exitCode = chains.every((c) => c.ok) ? 0 : 5
    })
}

/** Commander's collector of repeated --anchor values, each read (and refused, naming the flag) as it comes. */
function collectAnchor(text: string, anchors: NamedChainAnchor[]): NamedChainAnchor[] {
  try {
    return [...anchors, parseChainAnchor(text)]
  } catch (error) {
    throw new CliError(`--anchor: ${(error as Error).message}`, 2)
  }
}

async function verifyDirectly(dataDir: string, anchors: readonly NamedChainAnchor[]): Promise<ChainVerification[]> {
  const { AuditLog, openStore, storeConfigFromEnv } = await import('@aims-monitor/store')
  const { EvaluationRepository } = await import('@aims-monitor/evaluator')
  const store = await openStore(storeConfigFromEnv(process.env, { dataDir }))
  try {
    return [await new EvaluationRepository(store).verifyChain({ anchors: anchorsOf(anchors, 'evaluations') }), await new AuditLog(store).verify(anchorsOf(anchors, 'audit_log'))]
  } finally {
    await store.close()
  }
}
