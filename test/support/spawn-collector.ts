import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Repository root: the CLI and the workspace packages resolve from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CLI_MAIN = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url))

export interface ExitStatus {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface SpawnedCollector {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string
  readonly pid: number
  readonly child: ChildProcess
  /** Everything the child wrote so far. */
  stdout(): string
  stderr(): string
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitStatus>
  /** Waits for the exit; rejects after `timeoutMs`. */
  waitExit(timeoutMs?: number): Promise<ExitStatus>
}

/** Children still running, so a failed test never leaves a collector (and its chDB) behind. */
const live = new Set<ChildProcess>()

/**
 * The environment a child gets: this process's, minus every AIMS_* setting (so the developer's own
 * shell never changes a test), plus `env`.
 */
export function childEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AIMS_')))
  const merged: NodeJS.ProcessEnv = { ...base, AIMS_LOG_LEVEL: 'warn' }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k]
    else merged[k] = v
  }
  return merged
}

function track(child: ChildProcess) {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  live.add(child)
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      live.delete(child)
      resolve({ code, signal })
    })
  })
  const waitExit = (timeoutMs = 30_000) =>
    new Promise<ExitStatus>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`pid ${child.pid} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`)),
        timeoutMs,
      )
      void exited.then((status) => {
        clearTimeout(timer)
        resolve(status)
      })
    })
  return { stdout: () => stdout, stderr: () => stderr, waitExit, exited }
}

/**
 * Starts `aims up --port 0 --data <dataDir>` as a child process and resolves once it prints its
 * URL. Rejects with its output when it exits first or does not listen within `timeoutMs`.
 *
 * @example
 * const c = await spawnCollector({ dataDir, env: { AIMS_INIT_API_KEY: 'test-key-0001' } })
 * await fetch(`${c.url}/readyz`)
 * expect(await c.stop('SIGTERM')).toEqual({ code: 0, signal: null })
 */
export async function spawnCollector(options: {
  dataDir: string
  env?: Record<string, string | undefined>
  extraArgs?: string[]
  timeoutMs?: number
}): Promise<SpawnedCollector> {
  const child = spawn(process.execPath, [CLI_MAIN, 'up', '--port', '0', '--data', options.dataDir, ...(options.extraArgs ?? [])], {
    cwd: REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const t = track(child)
  const timeoutMs = options.timeoutMs ?? 60_000
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`aims up did not print its URL within ${timeoutMs} ms\nstdout:\n${t.stdout()}\nstderr:\n${t.stderr()}`))
    }, timeoutMs)
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(t.stdout())
      if (!match) return
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      resolve(match[1]!)
    }
    child.stdout?.on('data', onData)
    void t.exited.then((status) => {
      clearTimeout(timer)
      reject(new Error(`aims up exited (${JSON.stringify(status)}) before listening\nstdout:\n${t.stdout()}\nstderr:\n${t.stderr()}`))
    })
  })
  return {
    url,
    pid: child.pid!,
    child,
    stdout: t.stdout,
    stderr: t.stderr,
    waitExit: t.waitExit,
    async stop(signal = 'SIGTERM', timeoutMs = 60_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return t.waitExit(timeoutMs)
    },
  }
}

export interface CliResult extends ExitStatus {
  stdout: string
  stderr: string
}

/** Runs `aims <args>` to completion (killed after `timeoutMs`) and returns its exit status and output. */
export async function runCli(args: string[], options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: REPO_ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] })
  const t = track(child)
  const timeoutMs = options.timeoutMs ?? 60_000
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const status = await t.exited
  clearTimeout(timer)
  return { ...status, stdout: t.stdout(), stderr: t.stderr() }
}

/**
 * Runs queries against the embedded store in `dataDir` from one short-lived child process, and
 * returns each one's JSONEachRow rows. A child, because chDB opens one data directory per process and
 * a test process that closed one cannot open another. No collector may hold `dataDir` meanwhile.
 */
export async function queryStoreInChild(dataDir: string, queries: Array<{ query: string; params?: Record<string, unknown> }>): Promise<unknown[][]> {
  const script = `
    const { openStore, storeConfigFromEnv } = await import('@aims-monitor/store')
    const store = await openStore(storeConfigFromEnv({}, { dataDir: process.env.Q_DATA }))
    try {
      const results = []
      for (const q of JSON.parse(process.env.Q_QUERIES)) {
        const result = await store.client.query({ query: q.query, query_params: q.params ?? {}, format: 'JSONEachRow' })
        results.push(await result.json())
      }
      process.stdout.write(JSON.stringify(results))
    } finally {
      await store.close()
    }
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: childEnv({ Q_DATA: dataDir, Q_QUERIES: JSON.stringify(queries) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const t = track(child)
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
  const status = await t.exited
  clearTimeout(timer)
  if (status.code !== 0) throw new Error(`store query failed (${JSON.stringify(status)}): ${t.stderr()}`)
  return JSON.parse(t.stdout()) as unknown[][]
}

/** Kills (SIGKILL) every child this module started that is still running; for afterEach/afterAll. */
export async function killAllChildren(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  )
  await Promise.all(waits)
}

/** A prediction event as the wire format takes it, for tests that only need valid, distinct events. */
export function predictionEvent(id: string, modelId: string, features: Record<string, number | string | boolean> = { x: 1 }) {
  return {
    type: 'prediction' as const,
    id,
    timestamp: Date.now(),
    model: { id: modelId, version: '1.0.0' },
    features,
    attributes: { segment: 'a' },
    output: { label: 'yes', score: 0.5 },
  }
}

export function outcomeEvent(predictionId: string, modelId: string) {
  return { type: 'outcome' as const, predictionId, timestamp: Date.now(), model: { id: modelId }, label: 'yes' }
}

/** POST /v1/events; returns the status and parsed body. */
export async function postEvents(url: string, apiKey: string, events: unknown[], signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
    signal: signal ?? null,
  })
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error // a non-JSON body is kept as text for the assertion message
  }
  return { status: response.status, body }
}

export interface ModelsResponse {
  project: string
  pendingEvents: number
  models: Array<{ id: string; predictionCount: number; outcomeCount: number }>
}

/** GET /v1/models, waiting up to `waitMs` for the spool to reach the store. */
export async function getModels(url: string, apiKey: string, waitMs = 30_000): Promise<ModelsResponse> {
  const response = await fetch(`${url}/v1/models?wait=${waitMs}`, { headers: { authorization: `Bearer ${apiKey}` } })
  if (response.status !== 200) throw new Error(`GET /v1/models answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as ModelsResponse
}
