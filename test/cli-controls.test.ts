import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { killAllChildren, REPO_ROOT, runCli } from './support/spawn-collector.js'

// `aims controls validate` as users run it: the built CLI in a child process, from the repository root.
afterEach(killAllChildren)

const INVALID = 'examples/policies/invalid.yaml'
const VALID = 'examples/policies/credit-risk.yaml'

describe('aims controls validate', () => {
  it("names the issue's four mistakes with their line numbers and exits 2", async () => {
    const run = await runCli(['controls', 'validate', INVALID])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines).toEqual([
      `${INVALID}:24:25: controls[0].references.iso42001[1]: unknown ISO/IEC 42001 reference "A.7.7": Annex A.7 has A.7.2-A.7.6`,
      expect.stringMatching(new RegExp(`^${INVALID}:32:5: controls\\[0\\]\\.thresholds\\.rationale: missing required key "rationale": `)),
      `${INVALID}:56:15: controls[1].thresholds.breach: expected a number, got "high"`,
      `${INVALID}:63:38: controls[1].response.notify.breach[1]: unknown notifier "risk-pager"; declared: governance-webhook`,
      `aims: 4 problems in ${INVALID}`,
    ])
    // The lines are those the file marks as mistakes.
    const source = readFileSync(path.join(REPO_ROOT, INVALID), 'utf8').split('\n')
    for (const [n, line] of [[1, 24], [2, 32], [3, 56], [4, 63]] as const) expect(source[line - 1]).toContain(`MISTAKE ${n}:`)
  })

  it('prints the policy, its controls and the sha256 of the file on a valid one, and exits 0', async () => {
    const run = await runCli(['controls', 'validate', VALID])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const sha256 = createHash('sha256').update(readFileSync(path.join(REPO_ROOT, VALID))).digest('hex')
    expect(run.stdout).toBe(
      `${VALID}: valid\npolicy credit-risk-controls version 3: 14 controls (13 active, 1 draft), 5 notifiers\nsha256 ${sha256}\n`,
    )
  })

  it('gives JSON with --json, problems included', async () => {
    const run = await runCli(['controls', 'validate', '--json', INVALID])
    expect(run.code).toBe(2)
    const json = JSON.parse(run.stdout) as { ok: boolean; problems: Array<{ path: string; line: number; column: number; message: string }> }
    expect(json.ok).toBe(false)
    expect(json.problems.map((p) => p.line)).toEqual([24, 32, 56, 63])
  })

  it('says clearly that a file is missing, and exits 1', async () => {
    const run = await runCli(['controls', 'validate', 'examples/policies/no-such-policy.yaml'])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('aims: cannot read policy file examples/policies/no-such-policy.yaml: no such file\n')
  })
})
