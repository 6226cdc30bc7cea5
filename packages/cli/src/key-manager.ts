import path from 'node:path'
import { z } from 'zod'
import type { ApiKeyRecord, ApiKeyScope } from '@aims-monitor/store'
// The lock file only: the store itself (and the embedded engine) loads when a command needs it.
import { readLockOwner } from '@aims-monitor/store/data-dir-lock'
import { CliError } from './cli-error.js'

export interface KeyManagerOptions {
  data: string
  url?: string
  apiKey?: string
}

/** Key operations, the same whether they go to the store or to a running collector. */
export interface KeyManager {
  create(params: { project: string; name: string; scopes: ApiKeyScope[] }): Promise<{ key: string; record: ApiKeyRecord }>
  list(project?: string): Promise<ApiKeyRecord[]>
  revoke(id: string): Promise<ApiKeyRecord | undefined>
  close(): Promise<void>
}

/**
 * Embedded ClickHouse allows one process per data directory, so while a collector runs on it the
 * keys are managed through its admin API; otherwise the store is opened directly.
 */
export async function openKeyManager(options: KeyManagerOptions): Promise<KeyManager> {
  const dataDir = path.resolve(options.data)
  const url = options.url ?? (process.env.AIMS_CLICKHOUSE_URL ? undefined : liveCollectorUrl(dataDir))
  if (url) return httpKeyManager(url, options.apiKey ?? process.env.AIMS_API_KEY)
  const { ApiKeyRepository, AuditLog, openStore, storeConfigFromEnv } = await import('@aims-monitor/store')
  const store = await openStore(storeConfigFromEnv(process.env, { dataDir }))
  const repository = new ApiKeyRepository(store)
  const audit = new AuditLog(store)
  const actor = `cli:${process.env.USER ?? 'unknown'}`
  await repository.load()
  return {
    async create(params) {
      const created = await repository.create(params)
      await audit.append({ project: params.project, actor, action: 'api_key.created', target: created.record.id, details: { name: params.name, scopes: params.scopes } })
      return created
    },
    list: async (project) => repository.list(project),
    async revoke(id) {
      const revoked = await repository.revoke(id)
      if (revoked) await audit.append({ project: revoked.project, actor, action: 'api_key.revoked', target: id, details: { name: revoked.name } })
      return revoked
    },
    close: () => store.close(),
  }
}

/** The URL of the collector holding `dataDir`, if one is running. */
export function liveCollectorUrl(dataDir: string): string | undefined {
  const owner = readLockOwner(dataDir)
  if (!owner) return undefined
  try {
    process.kill(owner.pid, 0)
  } catch {
    return undefined // stale lock: its process is gone, the store can be opened
  }
  if (!owner.url) throw new CliError(`a collector (pid ${owner.pid}) holds ${dataDir} but is not listening yet; try again in a moment`)
  return owner.url
}

const errorBody = z.object({ error: z.object({ message: z.string() }) })

function httpKeyManager(url: string, apiKey: string | undefined): KeyManager {
  if (!apiKey) throw new CliError(`a collector at ${url} holds the data directory: pass an admin key with --api-key or AIMS_API_KEY to manage keys through it`)
  const call = async <T>(method: string, route: string, body?: unknown): Promise<{ status: number; json: T }> => {
    let response: Response
    try {
      response = await fetch(new URL(route, url), {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : null,
      })
    } catch (error) {
      throw new CliError(`cannot reach the collector at ${url}: ${(error as Error).message}`)
    }
    const json = (await response.json().catch(() => ({}))) as T
    if (!response.ok && response.status !== 404) {
      const parsed = errorBody.safeParse(json)
      throw new CliError(`the collector answered ${response.status}: ${parsed.success ? parsed.data.error.message : 'no details'}`)
    }
    return { status: response.status, json }
  }
  return {
    async create(params) {
      return (await call<{ key: string; record: ApiKeyRecord }>('POST', '/v1/keys', params)).json
    },
    async list(project) {
      const all = (await call<{ keys: ApiKeyRecord[] }>('GET', '/v1/keys?all=true')).json.keys
      return project ? all.filter((k) => k.project === project) : all
    },
    async revoke(id) {
      const { status, json } = await call<{ record: ApiKeyRecord }>('DELETE', `/v1/keys/${encodeURIComponent(id)}`)
      return status === 404 ? undefined : json.record
    },
    close: async () => undefined,
  }
}
