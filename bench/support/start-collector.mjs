// `aims up` as a user runs it (a child process of the built CLI), for the benchmarks that measure
// a running collector: resolves with the process and its URL once it prints "listening on …",
// rejects if it exits first.
import { spawn } from 'node:child_process'
import { join } from 'node:path'

/**
 * @param {{ root: string, key: string, args: string[], nodeArgs?: string[] }} options
 *   root: the repository; key: AIMS_INIT_API_KEY; args: after `up` (--port, --data, …);
 *   nodeArgs: before the CLI (e.g. --cpu-prof).
 * @returns {Promise<{ collector: import('node:child_process').ChildProcess, url: string }>}
 */
export async function startCollector({ root, key, args, nodeArgs = [] }) {
  const collector = spawn(process.execPath, [...nodeArgs, join(root, 'packages/cli/dist/main.js'), 'up', ...args], {
    env: { ...process.env, AIMS_INIT_API_KEY: key, AIMS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise((resolve, reject) => {
    let out = ''
    collector.stdout.on('data', (chunk) => {
      out += chunk
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) resolve(match[1])
    })
    collector.once('exit', (code) => reject(new Error(`collector exited with ${code}`)))
  })
  return { collector, url }
}
