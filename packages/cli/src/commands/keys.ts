import type { Command } from 'commander'
import type { ApiKeyRecord, ApiKeyScope } from '@aims-monitor/store'
import { CliError } from '../cli-error.js'
import { openKeyManager, type KeyManagerOptions } from '../key-manager.js'

/**
 * `aims keys create|list|revoke`. Works on the data directory directly when no collector holds it,
 * and through the running collector's admin API (with AIMS_API_KEY or --api-key) when one does.
 */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('manage API keys (scopes: ingest, read, admin)')
  const common = (command: Command) =>
    command
      .option('-d, --data <dir>', 'data directory of the embedded store', '.aims')
      .option('--url <url>', 'a running collector to manage keys through (default: the one holding --data, if any)')
      .option('--api-key <key>', 'admin key for --url (default: AIMS_API_KEY)')

  common(keys.command('create'))
    .description('create a key; its secret is printed once')
    .requiredOption('--name <name>', 'what the key is for, e.g. "credit-risk service"')
    .option('--project <project>', 'project the key belongs to', 'default')
    .option('--scopes <scopes>', 'comma-separated scopes among ingest, read, admin', 'ingest')
    .option('--json', 'print JSON')
    .action(async (options: KeyManagerOptions & { name: string; project: string; scopes: string; json?: boolean }) => {
      const scopes = await parseScopes(options.scopes)
      const manager = await openKeyManager(options)
      try {
        const { key, record } = await manager.create({ project: options.project, name: options.name, scopes })
        if (options.json) process.stdout.write(JSON.stringify({ key, record }) + '\n')
        else process.stdout.write(`${key}\n\ncreated key ${record.id} (${record.name}) on project ${record.project} with scopes ${record.scopes.join(', ')}.\nStore the secret above now: it is not shown again.\n`)
      } finally {
        await manager.close()
      }
    })

  common(keys.command('list'))
    .description('list keys (never their secrets)')
    .option('--project <project>', 'only this project')
    .option('--json', 'print JSON')
    .action(async (options: KeyManagerOptions & { project?: string; json?: boolean }) => {
      const manager = await openKeyManager(options)
      try {
        const list = await manager.list(options.project)
        if (options.json) process.stdout.write(JSON.stringify(list) + '\n')
        else process.stdout.write(formatTable(list))
      } finally {
        await manager.close()
      }
    })

  common(keys.command('revoke'))
    .description('revoke a key by id; requests with it get 401 from then on')
    .argument('<id>', 'key id, as `aims keys list` shows it')
    .action(async (id: string, options: KeyManagerOptions) => {
      const manager = await openKeyManager(options)
      try {
        const revoked = await manager.revoke(id)
        if (!revoked) throw new CliError(`no API key with id ${id}`)
        process.stdout.write(`revoked key ${revoked.id} (${revoked.name}) at ${revoked.revokedAt}\n`)
      } finally {
        await manager.close()
      }
    })
}

async function parseScopes(text: string): Promise<ApiKeyScope[]> {
  const { API_KEY_SCOPES } = await import('@aims-monitor/store')
  const scopes = text.split(',').map((s) => s.trim()).filter(Boolean)
  const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s))
  if (unknown.length > 0) throw new CliError(`unknown scope ${unknown.join(', ')}: choose among ${API_KEY_SCOPES.join(', ')}`)
  if (scopes.length === 0) throw new CliError('give at least one scope')
  return scopes as ApiKeyScope[]
}

function formatTable(keys: ApiKeyRecord[]): string {
  if (keys.length === 0) return 'no API keys\n'
  const rows = keys.map((k) => [k.id, k.project, k.name, `${k.keyPrefix}…`, k.scopes.join(','), k.createdAt, k.revokedAt ? `revoked ${k.revokedAt}` : 'active'])
  const header = ['ID', 'PROJECT', 'NAME', 'PREFIX', 'SCOPES', 'CREATED', 'STATUS']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n'
}
