import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadPolicy, loadPolicyFile, type PolicyLoadResult } from './load-policy.js'
import { formatProblems, type PolicyProblem } from './policy-problem.js'

// Adversarial policy files: each must end quickly with a policy or with problems that each name a
// line and column and say what was expected. Never a thrown exception, never a hang. (Durations
// are not asserted, as the machine is shared; a regression to quadratic time shows as a timeout.)

const VALID = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata:
  name: adversarial
  version: 1
notifiers:
  hook: { type: webhook, url: "http://127.0.0.1:9/hook", secretEnv: AIMS_HOOK_SECRET }
controls:
  - id: drift-age
    version: 1
    title: Drift of age
    status: active
    approval: { by: Committee, at: 2026-01-15, reference: RC-1 }
    references:
      iso42001: [A.6.2.6, 9.1]
    owner: { accountable: Head of risk, responsible: ML team }
    scope: { model: credit-risk }
    metric: { kind: drift, name: psi }
    selector: { features: [age] }
    window:
      current: { type: tumbling, size: 1d }
      reference: { dataset: train-2026 }
    thresholds:
      warn: 0.1
      breach: 0.25
      rationale: PSI bands, a rule of thumb
    schedule: { every: 1h }
    severity: medium
    response:
      notify:
        breach: [hook]
`

function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`${JSON.stringify(from)} not in the policy`)
  return text.replace(from, to)
}

/** The load's result, checked to be well formed whichever way it went. */
function load(text: string): PolicyLoadResult {
  const result = loadPolicy(text, 'adv.yaml')
  if (!result.ok) {
    expect(result.problems.length).toBeGreaterThan(0)
    for (const p of result.problems) {
      expect(Number.isInteger(p.line) && p.line >= 1 && Number.isInteger(p.column) && p.column >= 1, JSON.stringify(p)).toBe(true)
      expect(p.message.length, JSON.stringify(p)).toBeGreaterThan(0)
    }
  }
  return result
}

function refused(text: string): readonly PolicyProblem[] {
  const result = load(text)
  if (result.ok) throw new Error('expected the policy to be refused')
  return result.problems
}

function accepted(text: string) {
  const result = load(text)
  if (!result.ok) throw new Error(formatProblems(result.problems, 'adv.yaml'))
  return result
}

describe('policy resource attacks', () => {
  it('refuses a billion-laughs alias bomb instead of expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i)
      const name = String.fromCharCode(97 + i)
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`)
    }
    expect(refused(`${levels.join('\n')}\n`)).toEqual([{ path: '', line: 1, column: 1, message: expect.stringMatching(/alias count/i) }])
  })

  it('refuses 10,000 nested levels (flow and block) saying the nesting is too deep', () => {
    const flow = `x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`
    const block = `${Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1\n`
    for (const text of [flow, block]) {
      expect(refused(text)).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/nests too deeply/) }))
    }
  })

  it('loads a 20 MB file that is mostly a comment', () => {
    const result = accepted(`${VALID}# ${'x'.repeat(20 * 1024 * 1024)}\n`)
    expect(result.policy.controls.map((c) => c.id)).toEqual(['drift-age'])
  })

  it('lists 50,000 unknown top-level keys, each on its own line, in linear time', () => {
    const extra = Array.from({ length: 50_000 }, (_, i) => `k${i}: y`).join('\n')
    const problems = refused(`${VALID}${extra}\n`)
    expect(problems).toHaveLength(50_000)
    const first = VALID.split('\n').length
    expect(problems[0]).toMatchObject({ path: 'k0', line: first, column: 1, message: expect.stringMatching(/^unknown key "k0": expected one of apiVersion/) })
    expect(problems[49_999]).toMatchObject({ path: 'k49999', line: first + 49_999, column: 1 })
  }, 30_000) // Linear: a few seconds. Locating each problem by scanning its mapping took minutes.

  it('refuses a reference of a million characters quickly, with a short message', () => {
    const long = `A.${'1.'.repeat(500_000)}1`
    const problems = refused(swap(VALID, '[A.6.2.6, 9.1]', `[A.6.2.6, "${long}"]`))
    expect(problems).toEqual([{
      path: 'controls[0].references.iso42001[1]', line: 15, column: 27,
      message: expect.stringMatching(/^unknown ISO\/IEC 42001 reference "A\.1\.1.{30,40}\.\.\." \(1000003 characters\): expected a short identifier such as A\.6\.2\.6/),
    }])
    expect(problems[0]!.message.length).toBeLessThan(200)
  }, 30_000) // The "did you mean" analysis of such a reference took time quadratic in its length (minutes).
})

describe('keys that plain data cannot hold', () => {
  it('refuses a notifier named __proto__ at its key, instead of dropping it', () => {
    const problems = refused(swap(VALID, '  hook: {', '  __proto__: {').replace('breach: [hook]', 'breach: [__proto__]'))
    expect(problems).toContainEqual({ path: 'notifiers.__proto__', line: 7, column: 3, message: 'the key "__proto__" is not allowed: choose another name' })
  })

  it('refuses half a surrogate pair written as an escape, at its value (no record citing it could be hashed)', () => {
    const problems = refused(swap(VALID, 'title: Drift of age', 'title: "Drift \\ud800 of age"'))
    expect(problems).toEqual([expect.objectContaining({ path: 'controls[0].title', line: 11, column: 12, message: expect.stringMatching(/half of a UTF-16 surrogate pair/) })])
    expect(accepted(swap(VALID, 'title: Drift of age', 'title: "Drift \\ud83d\\ude80 of age"')).policy.controls[0]!.title).toBe('Drift 🚀 of age')
  })

  it('refuses __proto__ anywhere in a control', () => {
    const problems = refused(swap(VALID, '      warn: 0.1\n', '      warn: 0.1\n      __proto__: { breach: 9 }\n'))
    expect(problems).toEqual([{ path: 'controls[0].thresholds.__proto__', line: 25, column: 7, message: 'the key "__proto__" is not allowed: choose another name' }])
  })
})

describe('policy encodings and layout', () => {
  it('reads a UTF-8 byte-order mark and CRLF line endings as the same policy', () => {
    const plain = accepted(VALID)
    const crlf = accepted(`\uFEFF${VALID.replace(/\n/g, '\r\n')}`)
    expect(crlf.policy).toEqual(plain.policy)
    expect(crlf.controlHashes).toEqual(plain.controlHashes)
  })

  it('reports CRLF files on the right line', () => {
    const problems = refused(swap(VALID, 'breach: 0.25', 'breach: high').replace(/\n/g, '\r\n'))
    expect(problems).toEqual([expect.objectContaining({ path: 'controls[0].thresholds.breach', line: 25, column: 15 })])
  })

  it('refuses a tab used as indentation on its line', () => {
    const problems = refused(swap(VALID, '    title: Drift of age', '\ttitle: Drift of age'))
    expect(problems[0]).toMatchObject({ line: 11, message: expect.stringMatching(/Tabs are not allowed as indentation/) })
  })

  it('refuses a file with bytes that are not UTF-8 at the first bad byte', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-policy-adv-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))
    const file = path.join(dir, 'bad.yaml')
    // Invalid bytes inside the title (line 11), after a valid two-byte character: the place is counted in characters.
    const [head, tail] = VALID.split('Drift of age') as [string, string]
    writeFileSync(file, Buffer.concat([Buffer.from(`${head}Dérive `), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from(`de l'âge${tail}`)]))
    const result = await loadPolicyFile(file)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problems).toEqual([{ path: '', line: 11, column: 19, message: 'the file is not valid UTF-8 text' }])
    // A character cut short at the very end of the file.
    writeFileSync(file, Buffer.concat([Buffer.from(`${VALID}# x`), Buffer.from([0xe2, 0x82])]))
    const cut = await loadPolicyFile(file)
    if (!cut.ok) expect(cut.problems).toEqual([{ path: '', line: VALID.split('\n').length, column: 4, message: 'the file is not valid UTF-8 text' }])
    else throw new Error('expected the cut character to be refused')
  })

  it('refuses empty, blank and comment-only files', () => {
    for (const text of ['', '\n\n  \n', '# nothing here\n', '\uFEFF']) {
      expect(refused(text)).toEqual([{ path: '', line: 1, column: 1, message: expect.stringMatching(/^empty policy: expected a mapping/) }])
    }
  })

  it('refuses a list or a scalar instead of a mapping', () => {
    expect(refused('- a\n- b\n')).toEqual([{ path: '', line: 1, column: 1, message: 'expected a mapping, got a list of 2' }])
    expect(refused('hello\n')).toEqual([{ path: '', line: 1, column: 1, message: 'expected a mapping, got "hello"' }])
    expect(refused('42')).toEqual([{ path: '', line: 1, column: 1, message: 'expected a mapping, got 42' }])
  })

  it('refuses several YAML documents at the second one', () => {
    const line = VALID.split('\n').length
    expect(refused(`${VALID}---\n${VALID}`)).toEqual([{ path: '', line, column: 1, message: expect.stringMatching(/holds one YAML document/) }])
  })
})

describe('policy values', () => {
  it('refuses duplicate keys at the second, naming the first', () => {
    expect(refused(swap(VALID, '    severity: medium', '    severity: medium\n    severity: high'))).toEqual([
      { path: 'controls[0].severity', line: 29, column: 5, message: 'duplicate key "severity" (first at line 28): each key may appear once in a mapping' },
    ])
  })

  it('refuses a repeated control id on the repeat', () => {
    const control = VALID.slice(VALID.indexOf('  - id: drift-age'))
    const problems = refused(`${VALID}${control}`)
    expect(problems).toEqual([{ path: 'controls[1].id', line: 32, column: 9, message: 'duplicate control id drift-age (first at controls[0])' }])
  })

  it('refuses a number given as a string', () => {
    expect(refused(swap(VALID, 'breach: 0.25', 'breach: "0.25"'))).toEqual([
      { path: 'controls[0].thresholds.breach', line: 25, column: 15, message: 'expected a number, got "0.25"' },
    ])
  })

  it.each([
    ['.nan', 'NaN'], ['.inf', 'Infinity'], ['-.inf', '-Infinity'], ['1e400', 'Infinity'],
  ])('refuses the threshold %s on its value', (written, got) => {
    expect(refused(swap(VALID, 'breach: 0.25', `breach: ${written}`))).toEqual([
      { path: 'controls[0].thresholds.breach', line: 25, column: 15, message: `expected a number, got ${got}` },
    ])
  })

  it('refuses a non-finite whole number (minSample: .inf)', () => {
    expect(refused(swap(VALID, '    severity: medium', '    guard: { minSample: .inf }\n    severity: medium'))).toEqual([
      expect.objectContaining({ path: 'controls[0].guard.minSample', line: 28, column: 25 }),
    ])
  })

  it('refuses a lowercase reference, suggesting the registry spelling', () => {
    expect(refused(swap(VALID, '[A.6.2.6, 9.1]', '[a.6.2.6, 9.1]'))).toEqual([{
      path: 'controls[0].references.iso42001[0]', line: 15, column: 18,
      message: expect.stringMatching(/^unknown ISO\/IEC 42001 reference "a\.6\.2\.6": .*did you mean A\.6\.2\.6\?$/),
    }])
  })
})
