import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { childEnv, REPO_ROOT } from './support/spawn-collector.js'

// `pnpm demo` as a user (or CI) runs it: built JS, a child process that starts its own `aims up`,
// replays real data and prints what happens. --until-breach ends it as soon as a control breached
// and a signed alert reached its webhook receiver (about 30 s here), --exit-after 90 is the
// deadline. Requires `pnpm build`.
const DEMO = fileURLToPath(new URL('../examples/demo/dist/main.js', import.meta.url))

describe('pnpm demo', () => {
  it('breaches controls, delivers signed alerts to its webhook receiver, exits 0 and cleans up', async () => {
    const child = spawn(process.execPath, [DEMO, '--exit-after', '90', '--until-breach'], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d))
    // 90 s of demo, plus start-up and shutdown: killed (and failed) well before vitest's own timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), 140_000)
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    clearTimeout(timer)

    expect(code, output).toBe(0)
    expect(output).toMatch(/Dashboard: +http:\/\/127\.0\.0\.1:\d+\/ +sign in with the API key +aims-demo-[0-9a-f]{32}/)
    // Each alert the receiver printed had a valid HMAC signature (it refuses the others).
    expect(output).toMatch(/^ALERT opened · breach · \w+ · \S+ breach: .* · signature verified$/m)
    expect(output).not.toMatch(/webhook receiver refused/)
    const result = /^Result after \d+ s \(.*\): (\d+) controls? breached \(([^)]+)\); (\d+) alerts? delivered to the webhook receiver, every signature verified\.$/m.exec(output)
    expect(result, output).not.toBeNull()
    expect(Number(result![1])).toBeGreaterThanOrEqual(1)
    expect(Number(result![3])).toBeGreaterThanOrEqual(1)
    expect(result![2]).toMatch(/bike-demand\.drift\.weather|credit\.fairness\.sex-impact-ratio/)
    // No control failed to evaluate, and the SDK lost nothing on the way.
    expect(output).not.toMatch(/evaluation failed/)
    expect(output).toMatch(/SDK: bike \d+ records delivered, credit \d+ \(failed 0, dropped 0\)/)
    // The temporary store is gone, and so is the collector that held it.
    const store = /store in (\S+)/.exec(output)![1]!
    expect(existsSync(store)).toBe(false)
    expect(output).toMatch(/stopped; the temporary store was deleted/)
  }, 150_000)
})
