import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_POLICY_FILE_BYTES, loadPolicy, loadPolicyFile, PolicyFileError, type PolicyLoadResult } from './load-policy.js'
import { formatProblems, type PolicyProblem } from './policy-problem.js'

// A small valid policy; each test breaks one thing in it and checks the problem is reported on the
// line of the broken text (found with lineOf, so the expectations say which text is wrong).
const VALID = `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata:
  name: test-policy
  version: 1
notifiers:
  hook:
    type: webhook
    url: http://127.0.0.1:9/hook
    secretEnv: AIMS_HOOK_SECRET
  chat:
    type: slack
    urlEnv: SLACK_URL
controls:
  - id: drift-age
    version: 1
    title: Drift of age
    status: active
    approval: { by: Committee, at: 2026-01-15, reference: RC-1 }
    references:
      iso42001: [A.6.2.6, 9.1]
      euAiAct: [Art. 72]
      nistAiRmf: [MEASURE 2.4]
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
        breach: [hook, chat]
  - id: fairness-sex
    version: 1
    title: Impact ratio across sex
    status: active
    approval: { by: Committee, at: 2026-01-15, reference: RC-1 }
    references:
      iso42001: [A.5.4]
    owner: { accountable: Head of risk, responsible: ML team }
    scope: { model: credit-risk }
    metric: { kind: fairness, name: four_fifths }
    selector: { attribute: sex }
    window:
      current: { type: tumbling, size: 7d }
    thresholds:
      warn: 0.9
      breach: 0.8
      rationale: four-fifths rule, 29 CFR 1607.4(D)
    schedule: { cron: "0 6 * * 1", timezone: Europe/Paris }
    severity: high
    response:
      notify:
        breach: [hook]
`

/** 1-based line of the `occurrence`-th line containing `needle` in `text`. */
function lineOf(text: string, needle: string, occurrence = 1): number {
  let seen = 0
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.includes(needle) && ++seen === occurrence) return i + 1
  }
  throw new Error(`${JSON.stringify(needle)} not in the policy`)
}

function replace(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`${JSON.stringify(from)} not in the policy`)
  return text.replace(from, to)
}

function problemsOf(result: PolicyLoadResult): readonly PolicyProblem[] {
  if (result.ok) throw new Error('expected the policy to be refused')
  return result.problems
}

function refused(text: string): readonly PolicyProblem[] {
  return problemsOf(loadPolicy(text, 'test.yaml'))
}

describe('loadPolicy on a valid policy', () => {
  it('parses it, normalises durations and defaults, and hashes the bytes and each control', () => {
    const result = loadPolicy(VALID, 'test.yaml')
    if (!result.ok) throw new Error(formatProblems(result.problems, 'test.yaml'))
    expect(result.sha256).toBe(createHash('sha256').update(Buffer.from(VALID, 'utf8')).digest('hex'))
    const [drift, fairness] = result.policy.controls
    expect(drift!.window.current).toEqual({ type: 'tumbling', size: 86_400_000 })
    expect(drift!.schedule).toEqual({ every: 3_600_000 })
    expect(drift!.references).toEqual({ iso42001: ['A.6.2.6', '9.1'], euAiAct: ['Art. 72'], nistAiRmf: ['MEASURE 2.4'] })
    expect(drift!.guard).toEqual({ minSample: 100, minPerGroup: 30, multipleComparisons: 'holm' })
    expect(fairness!.response).toMatchObject({ clearAfterPasses: 2, nonconformity: true, notify: { warn: [], breach: ['hook'], insufficient_data: [] } })
    expect(fairness!.schedule).toEqual({ cron: '0 6 * * 1', timezone: 'Europe/Paris' })
    expect(Object.keys(result.controlHashes)).toEqual(['drift-age', 'fairness-sex'])
    for (const hash of Object.values(result.controlHashes)) expect(hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('keeps a control hash through reformatting and changes it with the meaning', () => {
    const base = loadPolicy(VALID)
    // Same meaning: block style instead of flow style, keys reordered, 24h instead of 1d, a comment.
    const reformatted = loadPolicy(replace(VALID, '      current: { type: tumbling, size: 1d }', '      current:\n        size: 24h # one day\n        type: tumbling'))
    const changed = loadPolicy(replace(VALID, 'breach: 0.25', 'breach: 0.3'))
    if (!base.ok || !reformatted.ok || !changed.ok) throw new Error('expected all three to load')
    expect(reformatted.sha256).not.toBe(base.sha256)
    expect(reformatted.controlHashes['drift-age']).toBe(base.controlHashes['drift-age'])
    expect(changed.controlHashes['drift-age']).not.toBe(base.controlHashes['drift-age'])
    expect(changed.controlHashes['fairness-sex']).toBe(base.controlHashes['fairness-sex'])
  })

  it('reads anchors, aliases and merge keys', () => {
    const text = replace(
      replace(VALID, '    owner: { accountable: Head of risk, responsible: ML team }', '    owner: &owner { accountable: Head of risk, responsible: ML team }'),
      '    approval: { by: Committee, at: 2026-01-15, reference: RC-1 }\n    references:\n      iso42001: [A.5.4]\n    owner: { accountable: Head of risk, responsible: ML team }',
      '    approval: { by: Committee, at: 2026-01-15, reference: RC-1 }\n    references:\n      iso42001: [A.5.4]\n    owner:\n      <<: *owner\n      responsible: Fair lending team',
    )
    const result = loadPolicy(text)
    if (!result.ok) throw new Error(formatProblems(result.problems, 'test.yaml'))
    expect(result.policy.controls[1]!.owner).toEqual({ accountable: 'Head of risk', responsible: 'Fair lending team' })
  })
})

describe('loadPolicy problems', () => {
  it("names the issue's four mistakes with their lines, sorted by line", () => {
    let text = replace(VALID, 'iso42001: [A.6.2.6, 9.1]', 'iso42001: [A.6.2.6, A.7.7]')
    text = replace(text, '      rationale: PSI bands, a rule of thumb\n', '')
    text = replace(text, 'breach: 0.8', 'breach: "high"')
    text = replace(text, 'breach: [hook]', 'breach: [hook, pager]')
    const problems = refused(text)
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [lineOf(text, 'A.7.7'), 'controls[0].references.iso42001[1]'],
      [lineOf(text, 'thresholds:', 1), 'controls[0].thresholds.rationale'],
      [lineOf(text, 'breach: "high"'), 'controls[1].thresholds.breach'],
      [lineOf(text, 'breach: [hook, pager]'), 'controls[1].response.notify.breach[1]'],
    ])
    expect(problems[0]!.message).toBe('unknown ISO/IEC 42001 reference "A.7.7": Annex A.7 has A.7.2-A.7.6')
    expect(problems[0]!.column).toBe(lineText(text, 'A.7.7').indexOf('A.7.7') + 1)
    expect(problems[1]!.message).toMatch(/^missing required key "rationale": every threshold needs a rationale/)
    expect(problems[2]!.message).toBe('expected a number, got "high"')
    expect(problems[3]!.message).toBe('unknown notifier "pager"; declared: hook, chat')
  })

  it('refuses an unknown metric name, listing the names of its kind', () => {
    const text = replace(VALID, 'name: four_fifths', 'name: four_fiths')
    expect(refused(text)).toEqual([expect.objectContaining({
      path: 'controls[1].metric.name',
      line: lineOf(text, 'four_fiths'),
      message: expect.stringMatching(/^unknown fairness metric "four_fiths"; expected one of .*four_fifths/),
    })])
  })

  it('refuses warn beyond breach, in either direction', () => {
    const above = replace(VALID, 'warn: 0.1', 'warn: 0.3')
    expect(refused(above)).toEqual([expect.objectContaining({ path: 'controls[0].thresholds.warn', line: lineOf(above, 'warn: 0.3'), message: expect.stringContaining('with direction above (larger is worse), warn (0.3) must come before breach (0.25)') })])
    const below = replace(VALID, 'warn: 0.9', 'warn: 0.7')
    expect(refused(below)).toEqual([expect.objectContaining({ path: 'controls[1].thresholds.warn', line: lineOf(below, 'warn: 0.7'), message: expect.stringContaining('expected warn ≥ breach') })])
  })

  it('refuses duplicate control ids on the second one', () => {
    const text = replace(VALID, 'id: fairness-sex', 'id: drift-age')
    expect(refused(text)).toEqual([expect.objectContaining({ path: 'controls[1].id', line: lineOf(text, 'id: drift-age', 2), message: 'duplicate control id drift-age (first at controls[0])' })])
  })

  it('refuses duplicate YAML keys, naming the first', () => {
    const text = replace(VALID, '    title: Drift of age\n', '    title: Drift of age\n    title: Age drift\n')
    expect(refused(text)).toEqual([{ path: 'controls[0].title', line: lineOf(text, 'title: Age drift'), column: 5, message: `duplicate key "title" (first at line ${lineOf(text, 'title: Drift of age')}): each key may appear once in a mapping` }])
  })

  it('reports a YAML syntax error with its line, and nothing the broken structure would invent', () => {
    const text = replace(VALID, 'selector: { features: [age] }', 'selector: { features: [age }')
    const problems = refused(text)
    expect(problems.length).toBeGreaterThan(0)
    for (const p of problems) expect(p.message).toMatch(/^YAML syntax error: /)
    expect(problems[0]!.line).toBe(lineOf(text, 'features: [age }'))
  })

  it('refuses a bad duration on its value, saying which forms are accepted', () => {
    const text = replace(VALID, 'size: 7d', 'size: 1mo')
    expect(refused(text)).toEqual([{
      path: 'controls[1].window.current.size',
      line: lineOf(text, 'size: 1mo'),
      column: lineText(text, 'size: 1mo').indexOf('1mo') + 1,
      message: 'expected a duration such as 30s, 15m, 1h, 7d or 2w, got "1mo"',
    }])
  })

  it('refuses Art. 61 and other references outside the registry', () => {
    const text = replace(replace(VALID, 'euAiAct: [Art. 72]', 'euAiAct: [Art. 61]'), 'nistAiRmf: [MEASURE 2.4]', 'nistAiRmf: [GOVERN 1.1]')
    const problems = refused(text)
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['controls[0].references.euAiAct[0]', lineOf(text, 'Art. 61')],
      ['controls[0].references.nistAiRmf[0]', lineOf(text, 'GOVERN 1.1')],
    ])
    expect(problems[0]!.message).toContain('the adopted Regulation has it as Art. 72')
  })

  it('keeps clause numbers as written: 9.10 is not clause 9.1', () => {
    const text = replace(VALID, '[A.6.2.6, 9.1]', '[A.6.2.6, 9.10]')
    expect(refused(text)).toEqual([expect.objectContaining({ path: 'controls[0].references.iso42001[1]', message: expect.stringContaining('"9.10": clause 9 has 9.1-9.3') })])
  })

  it('refuses an unknown top-level key, with the keys allowed and a close one', () => {
    const text = `notifers: {}\n${VALID}`
    expect(refused(text)).toEqual([{ path: 'notifers', line: 1, column: 1, message: 'unknown key "notifers" (did you mean notifiers?): expected one of apiVersion, kind, metadata, notifiers, controls, models, applicability' }])
  })

  it('refuses unknown keys inside controls, each on its own line', () => {
    const text = replace(replace(VALID, '    severity: high\n', '    severity: high\n    priority: 1\n'), '      warn: 0.1\n', '      warn: 0.1\n      critical: 0.5\n')
    expect(refused(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ['controls[0].thresholds.critical', lineOf(text, 'critical: 0.5'), 'unknown key "critical": expected one of direction, warn, breach, rationale'],
      ['controls[1].priority', lineOf(text, 'priority: 1'), expect.stringMatching(/^unknown key "priority": expected one of id, version, title, .*, response$/)],
    ])
  })

  it('explains a schedule by the form the author meant', () => {
    const every = replace(VALID, 'schedule: { every: 1h }', 'schedule: { every: hourly }')
    expect(refused(every)).toEqual([expect.objectContaining({ path: 'controls[0].schedule.every', message: 'expected a duration such as 30s, 15m, 1h, 7d or 2w, got "hourly"' })])
    const both = replace(VALID, 'schedule: { every: 1h }', 'schedule: { every: 1h, cron: "0 * * * *" }')
    expect(refused(both)).toEqual([expect.objectContaining({ path: 'controls[0].schedule', message: 'expected { every: <duration> } or { cron: <expression> }, got a mapping' })])
  })

  it('refuses a cron expression croner cannot run, and an unknown time zone', () => {
    const text = replace(VALID, 'cron: "0 6 * * 1", timezone: Europe/Paris', 'cron: "0 25 * * 1", timezone: Europe/Pariss')
    const problems = refused(text)
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['controls[1].schedule.cron', lineOf(text, '0 25 * * 1')],
      ['controls[1].schedule.timezone', lineOf(text, '0 25 * * 1')],
    ])
    expect(problems[0]!.message).toContain('invalid cron expression "0 25 * * 1"')
    expect(problems[1]!.message).toContain('unknown time zone "Europe/Pariss"')
    const never = replace(VALID, 'cron: "0 6 * * 1"', 'cron: "0 6 31 2 *"')
    expect(refused(never)[0]!.message).toBe('cron expression "0 6 31 2 *" never fires (no such date)')
  })

  it('refuses custom tags, keeps plain core tags', () => {
    const text = replace(VALID, 'title: Drift of age', 'title: !secret Drift of age')
    expect(refused(text)).toEqual([expect.objectContaining({ path: 'controls[0].title', line: lineOf(text, '!secret'), message: expect.stringMatching(/^custom tag !secret is not allowed/) })])
    expect(loadPolicy(replace(VALID, 'title: Drift of age', 'title: !!str Drift of age')).ok).toBe(true)
  })

  it('refuses an alias without an anchor', () => {
    const text = replace(VALID, 'owner: { accountable: Head of risk, responsible: ML team }', 'owner: *nobody')
    expect(refused(text)).toEqual([expect.objectContaining({ path: 'controls[0].owner', line: lineOf(text, '*nobody'), message: 'alias *nobody has no anchor &nobody before it' })])
  })

  it('points a missing key at the mapping that lacks it', () => {
    const text = replace(VALID, '    severity: medium\n', '')
    expect(refused(text)).toEqual([{ path: 'controls[0].severity', line: lineOf(text, 'id: drift-age'), column: 5, message: 'missing required key "severity": expected one of low, medium, high, critical' }])
  })

  it('checks what each metric needs and what escalation and ranges need', () => {
    let text = replace(VALID, 'selector: { attribute: sex }', 'selector: { minGroupShare: 0.02 }')
    text = replace(text, '        breach: [hook]\n', '        breach: [hook]\n      escalation: { notify: [chat] }\n')
    text = replace(text, 'metric: { kind: drift, name: psi }', 'metric: { kind: data_quality, name: out_of_range_rate }')
    text = replace(text, '      reference: { dataset: train-2026 }\n', '')
    expect(refused(text).map((p) => [p.path, p.message.slice(0, 40)])).toEqual([
      ['controls[0].window.reference', 'out_of_range_rate needs a range: expecte'],
      ['controls[1].selector.attribute', 'four_fifths needs selector.attribute (th'],
      ['controls[1].response.escalation', 'an escalation needs unacknowledgedAfter,'],
    ])
  })

  it('lists every problem of a file at once, sorted by line', () => {
    let text = replace(VALID, 'apiVersion: aims-monitor/v1', 'apiVersion: aims-monitor/v2')
    text = replace(text, '    type: slack\n    urlEnv: SLACK_URL', '    type: slack')
    text = replace(text, 'version: 1\n    title: Drift', 'version: 1.5\n    title: Drift')
    text = replace(text, 'status: active', 'status: enabled')
    text = replace(text, 'name: four_fifths', 'name: nope')
    text = replace(text, 'at: 2026-01-15', 'at: yesterday')
    const problems = refused(text)
    expect(problems.map((p) => p.path)).toEqual([
      'apiVersion',
      'notifiers.chat.urlEnv',
      'controls[0].version',
      'controls[0].status',
      'controls[0].approval.at',
      'controls[1].metric.name',
    ])
    expect(problems.map((p) => p.line)).toEqual([...problems.map((p) => p.line)].sort((a, b) => a - b))
    expect(problems.find((p) => p.path === 'controls[0].version')!.message).toBe('expected a whole number of at least 1, got 1.5')
    expect(problems.find((p) => p.path === 'controls[0].status')!.message).toBe('expected one of active, draft, retired, got "enabled"')
  })

  it('refuses an empty file and a document that is not a mapping', () => {
    expect(refused('')).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/^empty policy/) })])
    expect(refused('- a\n')).toEqual([expect.objectContaining({ line: 1, message: 'expected a mapping, got a list of 1' })])
    expect(refused(`${VALID}---\nmore: 1\n`)[0]!.message).toMatch(/one YAML document/)
  })
})

describe('loadPolicyFile', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aims-policy-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('hashes the bytes on disk, byte-order mark included', async () => {
    const file = path.join(dir, 'bom.yaml')
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(VALID, 'utf8')])
    writeFileSync(file, bytes)
    const result = await loadPolicyFile(file)
    if (!result.ok) throw new Error(formatProblems(result.problems, file))
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(result.source).toBe(file)
  })

  it('refuses a file that is not UTF-8 and throws PolicyFileError for one that cannot be read', async () => {
    const file = path.join(dir, 'latin1.yaml')
    writeFileSync(file, Buffer.from(VALID.replace('Drift of age', 'Dérive de l\u2019âge'), 'latin1'))
    expect(problemsOf(await loadPolicyFile(file))).toEqual([expect.objectContaining({ message: 'the file is not valid UTF-8 text' })])
    await expect(loadPolicyFile(path.join(dir, 'missing.yaml'))).rejects.toThrow(PolicyFileError)
    await expect(loadPolicyFile(path.join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read policy file .*missing\.yaml: no such file/)
    await expect(loadPolicyFile(dir)).rejects.toThrow(/cannot read policy file .*: it is a directory/)
  })

  it('refuses a file past 4 MiB without reading it whole, a device that never ends included; takes one just under', async () => {
    const big = path.join(dir, 'big.yaml')
    // A valid policy padded with a comment to exactly the limit: read and loaded.
    const padding = MAX_POLICY_FILE_BYTES - Buffer.byteLength(VALID) - 3
    writeFileSync(big, `${VALID}# ${'x'.repeat(padding)}\n`)
    expect((await loadPolicyFile(big)).ok).toBe(true)
    writeFileSync(big, `${VALID}# ${'x'.repeat(padding + 1)}\n`)
    const tooBig = [{ path: '', line: 1, column: 1, message: `the file is larger than ${MAX_POLICY_FILE_BYTES} bytes (4 MiB), the most a policy file may hold; is it the right file?` }]
    expect(problemsOf(await loadPolicyFile(big))).toEqual(tooBig)
    expect(problemsOf(await loadPolicyFile('/dev/zero'))).toEqual(tooBig)
  })
})

describe('formatProblems', () => {
  it('prints file:line:column: path: message lines', () => {
    expect(formatProblems([
      { path: 'controls[0].thresholds.breach', line: 14, column: 15, message: 'expected a number, got "high"' },
      { path: '', line: 3, column: 1, message: 'YAML syntax error: x' },
    ], 'policy.yaml')).toBe('policy.yaml:14:15: controls[0].thresholds.breach: expected a number, got "high"\npolicy.yaml:3:1: YAML syntax error: x')
  })
})

function lineText(text: string, needle: string): string {
  return text.split('\n')[lineOf(text, needle) - 1]!
}
