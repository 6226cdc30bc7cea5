import path from 'node:path'
import { userInfo } from 'node:os'
import type { FrameworkName } from '@aims-monitor/controls'
import type { CoverageMatrix, ModelRegister, Nonconformity, NonconformityAgeing, NonconformityStatus, NonconformityUpdate } from '@aims-monitor/evaluator'
import { CliError } from './cli-error.js'
import { callCollector } from './collector-client.js'
import { liveCollectorUrl } from './key-manager.js'

export interface GovernanceOptions {
  data: string
  url?: string
  apiKey?: string
  /** The policy file, for direct access to the store (the running collector has its own). */
  policy?: string
  /** Direct access only: the project (through a collector, the key's). */
  project?: string
}

export type AgedNonconformity = Nonconformity & { ageing: NonconformityAgeing }

export interface ManualRequest { controlId?: string | undefined; description: string; owner: string; dueDate?: string | undefined; by?: string | undefined }

/** The register, the coverage matrix and nonconformities: the same whether through a collector or on the store. */
export interface GovernanceClient {
  /** Where the answers come from, for messages: a collector's URL or the data directory. */
  readonly source: string
  register(): Promise<ModelRegister>
  coverage(query: { from?: number | undefined; to?: number | undefined; framework?: FrameworkName | undefined }): Promise<CoverageMatrix>
  listNonconformities(status?: NonconformityStatus): Promise<AgedNonconformity[]>
  showNonconformity(id: string): Promise<{ nonconformity: AgedNonconformity; history: Nonconformity[] }>
  updateNonconformity(id: string, changes: NonconformityUpdate, by?: string): Promise<Nonconformity>
  closeNonconformity(id: string, request: { note: string; review?: string | undefined; by?: string | undefined }): Promise<Nonconformity>
  openNonconformity(request: ManualRequest): Promise<Nonconformity>
  close(): Promise<void>
}

const COVERAGE_DAYS = 30
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Through the collector holding the data directory (or --url), with AIMS_API_KEY or --api-key;
 * otherwise directly on the store (embedded ClickHouse allows one process per data directory), with
 * the policy from --policy or AIMS_POLICY_FILE.
 */
export async function openGovernanceClient(options: GovernanceOptions): Promise<GovernanceClient> {
  const dataDir = path.resolve(options.data)
  const url = options.url ?? (process.env.AIMS_CLICKHOUSE_URL ? undefined : liveCollectorUrl(dataDir))
  return url ? httpClient(url, options.apiKey ?? process.env.AIMS_API_KEY) : storeClient(dataDir, options)
}

function httpClient(url: string, apiKey: string | undefined): GovernanceClient {
  const call = <T>(method: string, route: string, body?: unknown) => callCollector<T>(url, apiKey, method, route, body === undefined ? undefined : { json: body })
  const checkId = (id: string) => {
    if (!UUID.test(id)) throw new CliError(`${id} is not a nonconformity id (a UUID, as \`aims nonconformities list\` shows it)`)
    return encodeURIComponent(id)
  }
  return {
    source: url,
    register: () => call<ModelRegister>('GET', '/v1/register'),
    coverage: (query) => {
      const search = new URLSearchParams()
      if (query.from !== undefined) search.set('from', String(query.from))
      if (query.to !== undefined) search.set('to', String(query.to))
      if (query.framework !== undefined) search.set('framework', query.framework)
      return call<CoverageMatrix>('GET', `/v1/coverage${search.size ? `?${search}` : ''}`)
    },
    listNonconformities: async (status) => (await call<{ nonconformities: AgedNonconformity[] }>('GET', `/v1/nonconformities${status ? `?status=${status}` : ''}`)).nonconformities,
    showNonconformity: (id) => call('GET', `/v1/nonconformities/${checkId(id)}`),
    updateNonconformity: async (id, changes, by) => (await call<{ nonconformity: Nonconformity }>('POST', `/v1/nonconformities/${checkId(id)}`, { ...changes, ...(by ? { by } : {}) })).nonconformity,
    closeNonconformity: async (id, request) => (await call<{ nonconformity: Nonconformity }>('POST', `/v1/nonconformities/${checkId(id)}/close`, request)).nonconformity,
    openNonconformity: async (request) => (await call<{ nonconformity: Nonconformity }>('POST', '/v1/nonconformities', request)).nonconformity,
    close: async () => {},
  }
}

async function storeClient(dataDir: string, options: GovernanceOptions): Promise<GovernanceClient> {
  const { formatProblems, loadPolicyFile } = await import('@aims-monitor/controls')
  const evaluator = await import('@aims-monitor/evaluator')
  const { AuditLog, openStore, storeConfigFromEnv } = await import('@aims-monitor/store')
  const policyFile = options.policy ?? process.env.AIMS_POLICY_FILE
  let loaded: Awaited<ReturnType<typeof loadPolicyFile>> | undefined
  if (policyFile) {
    loaded = await loadPolicyFile(policyFile)
    if (!loaded.ok) throw new CliError(`the control policy is invalid:\n${formatProblems(loaded.problems, loaded.source)}`, 2)
  }
  const policy = loaded?.ok ? loaded : null
  const project = options.project ?? 'default'
  const store = await openStore(storeConfigFromEnv(process.env, { dataDir }))
  const repository = new evaluator.NonconformityRepository(store)
  const audit = new AuditLog(store)
  const actor = `cli:${userInfo().username}`
  const require = async (id: string) => {
    if (!UUID.test(id)) throw new CliError(`${id} is not a nonconformity id (a UUID, as \`aims nonconformities list\` shows it)`)
    const record = await repository.get(id)
    if (!record || record.project !== project) throw new CliError(`no nonconformity ${id} in project ${project}`)
    return record
  }
  /** The repository's state errors (closed, nothing to close with) are the person's to fix: no stack. */
  const stateError = (error: unknown): never => {
    if (error instanceof evaluator.NonconformityStateError) throw new CliError(error.message)
    throw error
  }
  return {
    source: dataDir,
    register: () => evaluator.buildModelRegister(store, policy, project),
    coverage: (query) => {
      const to = query.to ?? Date.now()
      const from = query.from ?? to - COVERAGE_DAYS * 86_400_000
      if (from >= to) throw new CliError('--to must be after --from')
      return evaluator.buildCoverage(store, policy, { project, from, to, frameworks: query.framework ? [query.framework] : undefined })
    },
    listNonconformities: async (status) => (await repository.list({ project, status })).map((record) => evaluator.withAgeing(record)),
    showNonconformity: async (id) => {
      const record = await require(id)
      return { nonconformity: evaluator.withAgeing(record), history: await repository.history(id) }
    },
    updateNonconformity: async (id, changes, by) => {
      await require(id)
      const updated = await repository.update(id, changes, by ?? actor).catch(stateError)
      await audit.append({ project, actor, action: 'nonconformity.updated', target: id, details: { changes, status: updated.status } })
      return updated
    },
    closeNonconformity: async (id, request) => {
      await require(id)
      const closed = await repository.close(id, request.by ?? actor, request.note, Date.now(), request.review).catch(stateError)
      await audit.append({ project, actor, action: 'nonconformity.closed', target: id, details: { note: request.note } })
      return closed
    },
    openNonconformity: async (request) => {
      if (request.controlId !== undefined) {
        if (!policy) throw new CliError('--control needs the policy: pass --policy <file> (or set AIMS_POLICY_FILE)')
        const known = policy.policy.controls.filter((c) => c.scope.project === project).map((c) => c.id)
        if (!known.includes(request.controlId)) throw new CliError(`no control ${request.controlId} in the policy for project ${project} (known: ${known.join(', ') || 'none'})`)
      }
      const record = await repository.openManual({ project, controlId: request.controlId, description: request.description, owner: request.owner, dueDate: request.dueDate, by: request.by ?? actor })
      await audit.append({ project, actor, action: 'nonconformity.opened', target: record.id, details: { control: record.controlId || null, owner: record.owner, dueDate: record.dueDate } })
      return record
    },
    close: () => store.close(),
  }
}
