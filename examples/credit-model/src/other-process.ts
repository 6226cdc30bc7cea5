import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MonitorStats } from '@aims-monitor/sdk'
import { writeOutcomeFile, type PendingOutcome } from './outcome-file.js'

/** The outcome process failed, or did not say what it did. */
export class OutcomeProcessError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OutcomeProcessError'
  }
}

export interface OtherProcessReport {
  pid: number
  logged: number
  stats: MonitorStats
}

const SCRIPT = fileURLToPath(new URL('./log-outcomes.js', import.meta.url))

/**
 * Hands `outcomes` to a separate `node log-outcomes.js` process through a file, the way a batch job
 * would receive them, and waits for it (at most `timeoutMs`). The endpoint and key travel in its
 * environment (AIMS_ENDPOINT, AIMS_API_KEY), never on its command line, where `ps` would show the key.
 */
export async function logOutcomesInOtherProcess(
  outcomes: readonly PendingOutcome[],
  connection: { endpoint: string | undefined; apiKey: string | undefined },
  timeoutMs = 120_000,
): Promise<OtherProcessReport> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aims-credit-outcomes-'))
  try {
    const file = path.join(dir, 'outcomes.jsonl')
    await writeOutcomeFile(file, outcomes)
    const env: NodeJS.ProcessEnv = { ...process.env }
    delete env.AIMS_ENDPOINT
    delete env.AIMS_API_KEY
    if (connection.endpoint) env.AIMS_ENDPOINT = connection.endpoint
    if (connection.apiKey) env.AIMS_API_KEY = connection.apiKey
    const child = spawn(process.execPath, [SCRIPT, file], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new OutcomeProcessError(`the outcome process (pid ${child.pid}) did not finish within ${timeoutMs} ms`))
      }, timeoutMs)
      child.once('error', (error) => {
        clearTimeout(timer)
        reject(new OutcomeProcessError(`could not start the outcome process: ${error.message}`))
      })
      child.once('close', (exitCode) => {
        clearTimeout(timer)
        resolve(exitCode)
      })
    })
    // 1: it ran but could not deliver everything; its summary says what, and the caller reports it.
    if (code !== 0 && code !== 1) throw new OutcomeProcessError(`the outcome process exited with ${code}; it printed: ${stdout.trim()}`)
    const last = stdout.trim().split('\n').pop() ?? ''
    let report: { logged: number; stats: MonitorStats }
    try {
      report = JSON.parse(last) as { logged: number; stats: MonitorStats }
    } catch (error) {
      throw new OutcomeProcessError(`the outcome process printed no JSON summary (${(error as Error).message}): ${stdout.trim()}`)
    }
    return { pid: child.pid!, logged: report.logged, stats: report.stats }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
