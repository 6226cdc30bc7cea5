import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** Debian's package installs the binary here (`apt-get install prometheus-alertmanager`). */
const DEBIAN_BINARY = '/usr/bin/prometheus-alertmanager'
export const ALERTMANAGER_INSTALL_HINT = 'apt-get update && apt-get install -y prometheus-alertmanager'

/** Every alert goes to a receiver that does nothing: the test reads alerts back through the API. */
const CONFIG = `route:
  receiver: blackhole
receivers:
  - name: blackhole
`

export interface RunningAlertmanager {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string
  readonly pid: number
  /** What the process logged (it logs to stderr). */
  output(): string
  stop(): Promise<void>
}

/** The binary: Debian's path, else `prometheus-alertmanager` or `alertmanager` on PATH. Throws how to install it. */
export function findAlertmanagerBinary(): string {
  const candidates = [DEBIAN_BINARY, ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).flatMap((dir) => [path.join(dir, 'prometheus-alertmanager'), path.join(dir, 'alertmanager')])]
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'ENOTDIR') throw error
    }
  }
  throw new Error(`Prometheus Alertmanager is not installed (looked for ${DEBIAN_BINARY} and alertmanager on PATH). The Alertmanager notifier is tested against the real one: install it with \`${ALERTMANAGER_INSTALL_HINT}\` (.ci/run does this).`)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/**
 * Starts the real Alertmanager on a free 127.0.0.1 port with a minimal configuration in a temporary
 * directory, clustering disabled, and resolves once `/-/ready` answers 200.
 *
 * @example
 *   const am = await startAlertmanager()
 *   // POST `${am.url}/api/v2/alerts` …
 *   await am.stop()
 */
export async function startAlertmanager(readyTimeoutMs = 30_000): Promise<RunningAlertmanager> {
  const binary = findAlertmanagerBinary()
  const dir = mkdtempSync(path.join(tmpdir(), 'aims-alertmanager-'))
  const configFile = path.join(dir, 'alertmanager.yml')
  writeFileSync(configFile, CONFIG)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(binary, [
    `--config.file=${configFile}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Empty: no gossip cluster, so nothing listens beyond the web port.
    '--cluster.listen-address=',
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d))
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  let exitedEarly = false
  void exited.then(() => { exitedEarly = true })

  const stop = async () => {
    await terminate(child, exited)
    rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + readyTimeoutMs
  for (;;) {
    if (exitedEarly) {
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`Alertmanager exited before it was ready (exit code ${child.exitCode}):\n${output}`)
    }
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`Alertmanager not ready on ${url} within ${readyTimeoutMs} ms:\n${output}`)
    }
    await sleep(100)
  }
  return { url, pid: child.pid!, output: () => output, stop }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
