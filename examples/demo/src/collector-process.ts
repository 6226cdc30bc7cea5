import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** `aims up` did not start, or did not stop. */
export class CollectorProcessError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CollectorProcessError'
  }
}

export interface CollectorProcess {
  /** e.g. http://127.0.0.1:4318 */
  readonly url: string
  readonly pid: number
  /** SIGTERM (the collector flushes its spool and closes the store), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>
  /** Resolves when the process exits, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const CLI_MAIN = fileURLToPath(new URL('../../../packages/cli/dist/main.js', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * Starts `aims up --policy <file>` on `dataDir` as a child process, as a user would in another
 * terminal, and resolves with its URL once it listens. The child gets this process's environment
 * minus every AIMS_* setting (the demo always runs on a fresh embedded store, whatever the shell
 * says), plus `env` (the admin key, the webhook secret).
 *
 * It runs in its own process group: Ctrl-C in the terminal reaches the demo only, which first
 * flushes the SDK into the still running collector, then stops it. If the demo dies on an error,
 * an exit hook still kills it.
 */
export async function startCollectorProcess(options: {
  port: number
  dataDir: string
  policyFile: string
  env: Record<string, string>
  /** Lines the collector writes on stderr (warnings and errors; its log level is warn). */
  onLog: (line: string) => void
  timeoutMs?: number
}): Promise<CollectorProcess> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AIMS_')))
  Object.assign(env, { AIMS_LOG_LEVEL: 'warn' }, options.env)
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI_MAIN, 'up', '--port', String(options.port), '--host', '127.0.0.1', '--data', options.dataDir, '--policy', options.policyFile],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  )
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  let partial = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
    const lines = (partial + d).split('\n')
    partial = lines.pop()!
    for (const line of lines) if (line.trim()) options.onLog(line)
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      process.removeListener('exit', killOnExit)
      resolve({ code, signal })
    })
  })
  const timeoutMs = options.timeoutMs ?? 120_000
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new CollectorProcessError(`aims up did not listen within ${timeoutMs} ms\n${stdout}${stderr}`))
    }, timeoutMs)
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(stdout)
      if (!match) return
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      resolve(match[1]!)
    }
    child.stdout!.on('data', onData)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(new CollectorProcessError(`could not start aims up: ${error.message}`))
    })
    void exited.then((status) => {
      clearTimeout(timer)
      reject(new CollectorProcessError(`aims up exited (${status.signal ?? `code ${status.code}`}) before listening:\n${stdout}${stderr}`))
    })
  })
  return {
    url,
    pid: child.pid!,
    exited,
    async stop(stopTimeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs)
      await exited
      clearTimeout(timer)
    },
  }
}
