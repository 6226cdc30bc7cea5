// Adversarial tests of the evidence's tamper-evidence (docs/evidence.md, "The hash chain"): an
// insider with SQL access to the store edits, deletes, reorders, duplicates and forges evaluation
// records and audit entries, and the verification an auditor runs (EvaluationRepository.verifyChain
// and AuditLog.verify, which GET /v1/verify and `aims verify` call; `aims verify` itself as a child
// process) must find each attack and name the chain and the record. Untouched records with awkward
// content (±∞ and NaN as text, unicode, megabyte strings, RFC 8785 number and escape edge cases)
// must verify, and agree with an auditor's independent recomputation: a false alarm is as bad as a
// miss. Attacks the chain cannot see by design (truncating the tail, rewriting every later link)
// are checked against what the docs promise instead: an anchored head hash reveals them.
//
// One embedded store for the file (chDB opens one data directory per process); each attack gets
// fresh `evaluations` and `audit_log` tables in a database of its own (isolatedChainStore). The CLI
// runs against a second data directory, written and attacked from child processes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadPolicy } from '@aims-monitor/controls'
import { AuditLog, attributeColumn, featureColumn, openStore, PredictionTables, storeConfigFromEnv, type ChainVerification, type Store } from '@aims-monitor/store'
import { EvaluationRepository, Evaluator, type EvaluationRecord } from '@aims-monitor/evaluator'
import { killAllChildren, queryStoreInChild, REPO_ROOT, runCli } from './support/spawn-collector.js'
import {
  auditExport, evaluationRecord, exportChain, independentJcs, insertCopy, isolatedChainStore, linkHash, mutate, plantEvaluationChain,
  rewriteChain, writeEvidenceInChild, ZERO_HASH,
} from './support/evidence-tamper-chain.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'aims-evidence-tamper-'))
let store: Store
let chains = 0

beforeAll(async () => {
  store = await openStore(storeConfigFromEnv({}, { dataDir: path.join(root, 'store') }))
}, 60_000)

afterEach(killAllChildren)

afterAll(async () => {
  await store?.close()
  rmSync(root, { recursive: true, force: true })
})

/** A fresh chain of `n` evaluation records (evaluationRecord(0..n-1): seq 4 is a breach) written by the repository. */
async function evaluationChain(n = 8): Promise<{ s: Store; repo: EvaluationRepository; records: EvaluationRecord[] }> {
  const s = await isolatedChainStore(store, `c${++chains}`)
  const repo = new EvaluationRepository(s)
  const records = Array.from({ length: n }, (_, i) => evaluationRecord(i))
  await Promise.all(records.map((r) => repo.append(r)))
  return { s, repo, records }
}

/** A fresh audit log of `n` administrative actions. */
async function auditChain(n = 5): Promise<{ s: Store; audit: AuditLog }> {
  const s = await isolatedChainStore(store, `a${++chains}`)
  const audit = new AuditLog(s)
  for (let i = 0; i < n; i++) {
    await audit.append({ project: 'default', actor: `ops-${i} (key k${i})`, action: i % 2 ? 'api_key.revoked' : 'api_key.created', target: `key-${i}`, details: { name: `key ${i}` }, at: Date.parse('2026-11-01T00:00:00Z') + i * 60_000 })
  }
  return { s, audit }
}

/** The problems a verification reported, as "#seq: problem" lines (what `aims verify` prints). */
const lines = (v: ChainVerification) => v.problems.map((p) => `#${p.seq}: ${p.problem}`)

/** Expects a broken chain whose every problem is at `seq`, one of them matching `problem`. */
function expectBrokenAt(v: ChainVerification, seq: number, problem: RegExp): void {
  expect(v.ok, lines(v).join('\n')).toBe(false)
  expect(v.firstBroken).toBe(seq)
  expect(v.problems.map((p) => p.seq), lines(v).join('\n')).toEqual(v.problems.map(() => seq))
  expect(lines(v).some((l) => problem.test(l)), `${problem} in\n${lines(v).join('\n')}`).toBe(true)
}

describe('evaluation records: an insider edit of one record is found at that record', () => {
  it('an edit of the value, outcome, timestamp, control id, breakdown, reason or excluded groups inside the record', async () => {
    const { s, repo, records } = await evaluationChain()
    const original = (await exportChain(s, 'evaluations')).find((r) => r.seq === 4)!
    expect(JSON.parse(original.record)).toMatchObject({ outcome: 'breach', value: 0.31, control: { id: 'CTRL-0' } })
    const edits: { what: string; from: string; to: string; columns?: string }[] = [
      { what: 'value', from: '"value":0.31', to: '"value":0.11' },
      // The careful insider changes the filter column too, so no column check gives it away.
      { what: 'outcome', from: '"outcome":"breach"', to: '"outcome":"pass"', columns: "outcome = 'pass'" },
      { what: 'evaluatedAt', from: records[3]!.evaluatedAt, to: '2026-11-02T04:01:00.000Z', columns: "evaluated_at = toDateTime64('2026-11-02 04:01:00', 3, 'UTC')" },
      { what: 'control id', from: '"id":"CTRL-0"', to: '"id":"CTRL-9"', columns: "control_id = 'CTRL-9'" },
      { what: 'breakdown', from: '"rate":0.29', to: '"rate":0.59' },
      { what: 'reason', from: 'difference 0.31 > 0.2', to: 'difference 0.11 ≤ 0.2' },
      { what: 'excluded groups', from: '"size":3}', to: '"size":300}' },
    ]
    for (const edit of edits) {
      expect(original.record, edit.what).toContain(edit.from)
      await mutate(s, `ALTER TABLE ${s.table('evaluations')} UPDATE record = replaceOne(record, {from:String}, {to:String})${edit.columns ? `, ${edit.columns}` : ''} WHERE seq = 4`, { from: edit.from, to: edit.to })
      const v = await repo.verifyChain()
      expectBrokenAt(v, 4, /^#4: hash does not match the stored record \(the record was altered\)$/)
      expect(v.checked, edit.what).toBe(8)
      // Put back as it was: the chain verifies again (the check has no memory of its own).
      await mutate(s, `ALTER TABLE ${s.table('evaluations')} UPDATE record = {record:String}, outcome = 'breach', control_id = 'CTRL-0',
        evaluated_at = fromUnixTimestamp64Milli({at:Int64}) WHERE seq = 4`, { record: original.record, at: Date.parse(records[3]!.evaluatedAt) })
      expect(await repo.verifyChain(), edit.what).toMatchObject({ ok: true, checked: 8, problems: [] })
    }
  })

  it('an edit of a filter column alone (what the lists, reports and dashboards filter on) names the column and both values', async () => {
    const { s, repo } = await evaluationChain()
    const edits: { column: string; set: string; undo: string; problem: RegExp }[] = [
      { column: 'control_id', set: "'CTRL-9'", undo: "'CTRL-0'", problem: /^#4: column control_id \(CTRL-9\) differs from the record \(CTRL-0\)$/ },
      { column: 'control_version', set: '2', undo: '1', problem: /^#4: column control_version \(2\) differs from the record \(1\)$/ },
      { column: 'project', set: "'other'", undo: "'default'", problem: /^#4: column project \(other\) differs from the record \(default\)$/ },
      { column: 'model_id', set: "'other-model'", undo: "'credit-risk'", problem: /^#4: column model_id \(other-model\) differs from the record \(credit-risk\)$/ },
      { column: 'evaluation_key', set: "'forged'", undo: `'${evaluationRecord(3).key}'`, problem: /^#4: column evaluation_key \(forged\) differs from the record \(default\/CTRL-0\/v1\// },
      { column: 'window_to', set: 'window_to + INTERVAL 1 HOUR', undo: 'window_to - INTERVAL 1 HOUR', problem: /^#4: column window_to \(\d+\) differs from the record \(\d+\)$/ },
    ]
    for (const edit of edits) {
      await mutate(s, `ALTER TABLE ${s.table('evaluations')} UPDATE ${edit.column} = ${edit.set} WHERE seq = 4`)
      expectBrokenAt(await repo.verifyChain(), 4, edit.problem)
      await mutate(s, `ALTER TABLE ${s.table('evaluations')} UPDATE ${edit.column} = ${edit.undo} WHERE seq = 4`)
      expect(await repo.verifyChain(), edit.column).toMatchObject({ ok: true, checked: 8 })
    }
  })

  // Was a bug (packages/evaluator/src/evaluation-repository.ts:118-130, verifyChain): the filter columns
  // `id`, `window_from` and `evaluated_at` are never compared with the record, though the product
  // reads them: `id` answers GET /v1/evaluations/:id and an alert's last evaluation (findById), and
  // `evaluated_at` decides whether a pass came after a nonconformity's corrective action
  // (nonconformity-repository.ts passAfterAction), which is what lets the nonconformity be closed.
  // An insider who moves an old pass's evaluated_at past the corrective action closes it, and
  // `aims verify` says the evidence is intact. Fix: add `id, toUnixTimestamp64Milli(window_from) AS
  // window_from_ms, toUnixTimestamp64Milli(evaluated_at) AS evaluated_at_ms` to extraColumns and
  // a columnMismatch for each (against record.id, Date.parse(record.window.from), Date.parse(record.evaluatedAt)).
  it('an edit of the id, window_from or evaluated_at column alone is found too', async () => {
    const { s, repo } = await evaluationChain()
    const missed: string[] = []
    for (const [column, set, undo] of [
      ['id', "toUUID('00000000-0000-4000-8000-000000000001')", `toUUID('${evaluationRecord(3).id}')`],
      ['window_from', 'window_from - INTERVAL 1 DAY', 'window_from + INTERVAL 1 DAY'],
      ['evaluated_at', 'evaluated_at + INTERVAL 30 DAY', 'evaluated_at - INTERVAL 30 DAY'],
    ] as const) {
      await mutate(s, `ALTER TABLE ${s.table('evaluations')} UPDATE ${column} = ${set} WHERE seq = 4`)
      const v = await repo.verifyChain()
      if (v.ok || v.firstBroken !== 4 || !lines(v).some((l) => l.includes(`column ${column}`))) missed.push(column)
      await mutate(s, `ALTER TABLE ${s.table('evaluations')} UPDATE ${column} = ${undo} WHERE seq = 4`)
    }
    expect(missed).toEqual([])
  })
})

describe('evaluation records: deletions, reordering, duplicates and forgeries', () => {
  it('a record deleted in the middle, or the first one, is named as missing at the next record', async () => {
    const { s, repo } = await evaluationChain()
    await mutate(s, `ALTER TABLE ${s.table('evaluations')} DELETE WHERE seq IN (1, 4)`)
    const v = await repo.verifyChain()
    expect(v).toMatchObject({ ok: false, checked: 6, firstBroken: 2, headSeq: 8 })
    expect(lines(v)).toEqual([
      '#2: records 1..1 are missing',
      "#2: prev_hash does not match the previous record's hash",
      '#5: records 4..4 are missing',
      "#5: prev_hash does not match the previous record's hash",
    ])
  })

  it('two records swapped (each row moved whole to the other seq) are found at the first of them', async () => {
    const { s, repo } = await evaluationChain()
    await insertCopy(s, 'evaluations', 4, { seq: 'toUInt64(1005)' })
    await insertCopy(s, 'evaluations', 5, { seq: 'toUInt64(1004)' })
    await mutate(s, `ALTER TABLE ${s.table('evaluations')} DELETE WHERE seq IN (4, 5)`)
    await insertCopy(s, 'evaluations', 1004, { seq: 'toUInt64(4)' })
    await insertCopy(s, 'evaluations', 1005, { seq: 'toUInt64(5)' })
    await mutate(s, `ALTER TABLE ${s.table('evaluations')} DELETE WHERE seq >= 1000`)
    const v = await repo.verifyChain()
    expect(v).toMatchObject({ ok: false, checked: 8, firstBroken: 4 })
    expect(lines(v)).toEqual([4, 5, 6].map((seq) => `#${seq}: prev_hash does not match the previous record's hash`))
  })

  it('a second row for one seq (an overwrite: the record flipped to pass with its hash recomputed) is found', async () => {
    const { s, repo } = await evaluationChain()
    const row = (await exportChain(s, 'evaluations')).find((r) => r.seq === 4)!
    const forged = independentJcs({ ...JSON.parse(row.record), outcome: 'pass', value: 0.04 })
    await insertCopy(s, 'evaluations', 4, { record: '{record:String}', hash: '{hash:String}', outcome: "'pass'" }, { record: forged, hash: linkHash(row.prev_hash, forged) })
    const v = await repo.verifyChain()
    expect(v.ok).toBe(false)
    expect(v.firstBroken).toBe(4)
    expect(lines(v)).toContain('#4: seq 4 appears more than once')
  })

  it('a record rewritten in place with its own hash recomputed is found at the seam with the next record', async () => {
    const { s, repo } = await evaluationChain()
    const row = (await exportChain(s, 'evaluations')).find((r) => r.seq === 4)!
    const forged = independentJcs({ ...JSON.parse(row.record), outcome: 'pass', value: 0.04 })
    await mutate(s, `ALTER TABLE ${s.table('evaluations')} UPDATE record = {record:String}, hash = {hash:String}, outcome = 'pass' WHERE seq = 4`, { record: forged, hash: linkHash(row.prev_hash, forged) })
    // #4 is consistent on its own; what no longer holds is the link from #4 to #5, reported at #5.
    expectBrokenAt(await repo.verifyChain(), 5, /^#5: prev_hash does not match the previous record's hash$/)
  })

  it('a record replayed at the tail (a verbatim copy of an old row under the next seq) is found there', async () => {
    const { s, repo } = await evaluationChain()
    await insertCopy(s, 'evaluations', 2, { seq: 'toUInt64(9)' })
    const v = await repo.verifyChain()
    expectBrokenAt(v, 9, /^#9: prev_hash does not match the previous record's hash$/)
  })

  // Was a bug (packages/store/src/hash-chain.ts:229-255, HashChain.verify): pages are read with
  // `seq >= {from} ORDER BY seq LIMIT {pageSize}` and the next page starts at the last seq + 1, so
  // a repeated seq that falls on the last row of a page is never read: the duplicate goes unreported
  // (docs/evidence.md: verification "reports missing or repeated seq"), while every reader
  // (list(), the evidence report) sees the record twice. The default page is 5000 rows, so it is
  // seq 5000, 10000, … (see the 20,000-record test below); here a page of 4 shows it on 8 records.
  // Fix: `ORDER BY seq LIMIT {limit:UInt32} WITH TIES`, which keeps every row of the page's last seq.
  it('a verbatim duplicate of the record on the last row of a verification page is reported', async () => {
    const { s, repo } = await evaluationChain()
    await insertCopy(s, 'evaluations', 4, {})
    expect(await repo.list({ limit: 100 })).toHaveLength(9) // readers see the record twice
    expect((await repo.verifyChain({ pageSize: 3 })).problems).toContainEqual({ seq: 4, problem: 'seq 4 appears more than once' }) // mid-page: found
    const v = await repo.verifyChain({ pageSize: 4 })
    expect(v.ok).toBe(false)
    expect(lines(v)).toContain('#4: seq 4 appears more than once')
  })

  // Was a bug (packages/store/src/hash-chain.ts:222-229, HashChain.verify): verification starts at
  // `seq >= 1`, so a row an insider inserts at seq 0 is never looked at, yet every reader sees it
  // first: findByKey and findById take `ORDER BY seq LIMIT 1`, so the forged row (here a breach
  // rewritten as a pass) is what GET /v1/evaluations/:id, an alert's last evaluation and a re-run
  // of the window (`already_evaluated`) return, and list() and the evidence report include it.
  // Fix: read the first page from seq 0 and report any row below 1 ("seq 0 is outside the chain,
  // which starts at 1"); the same holds for the audit log (next describe).
  it('a forged record at seq 0, which readers take for the genuine one, is reported', async () => {
    const { s, repo, records } = await evaluationChain()
    const row = (await exportChain(s, 'evaluations')).find((r) => r.seq === 4)!
    const forged = independentJcs({ ...JSON.parse(row.record), outcome: 'pass', value: 0.04, reason: 'demographic parity difference 0.04 ≤ 0.1' })
    await insertCopy(s, 'evaluations', 4, { seq: 'toUInt64(0)', record: '{record:String}', prev_hash: '{prev:String}', hash: '{hash:String}', outcome: "'pass'" },
      { record: forged, prev: ZERO_HASH, hash: linkHash(ZERO_HASH, forged) })
    const seen = await repo.findByKey(records[3]!.key)
    expect(seen).toMatchObject({ seq: 0, record: { outcome: 'pass' } }) // what readers now get for the breached window
    const v = await repo.verifyChain()
    expect(v.ok).toBe(false)
    expect(v.firstBroken).toBe(0)
  })

  // GAP (packages/evaluator/src/evaluation-repository.ts verifyChain): docs/evidence.md says there
  // is one record per (control, version, window) key, and nothing legitimate appends a second (the
  // append returns the stored record for a key already there). A forged pass appended at the tail
  // for a window that breached, with its hash computed on the head, chains perfectly; no anchor
  // taken before it can show it either, yet list() and the evidence report now hold a breach and a
  // pass for one window. A uniqueness check (`SELECT evaluation_key FROM evaluations GROUP BY
  // evaluation_key HAVING count() > 1`, one statement) would name it.
  it('a second record for a window already evaluated, appended with a valid link, is reported', async () => {
    const { s, repo, records } = await evaluationChain()
    const head = (await repo.head())!
    const forged = { ...records[3]!, outcome: 'pass' as const, value: 0.04, evaluatedAt: new Date(Date.parse(records[7]!.evaluatedAt) + 60_000).toISOString() }
    const text = independentJcs(forged)
    await insertCopy(s, 'evaluations', 4, { seq: 'toUInt64(9)', record: '{record:String}', prev_hash: '{prev:String}', hash: '{hash:String}', outcome: "'pass'" },
      { record: text, prev: head.hash, hash: linkHash(head.hash, text) })
    expect((await repo.list({ controlId: 'CTRL-0', limit: 100 })).filter((e) => e.record.key === records[3]!.key).map((e) => e.record.outcome)).toEqual(['pass', 'breach'])
    const v = await repo.verifyChain()
    expect(v.ok).toBe(false)
    expect(v.firstBroken).toBe(9)
  })
})

describe('what the chain cannot see by itself, and the anchor that closes the gap', () => {
  it('deleting the newest records leaves a chain that verifies: only an anchored head (seq and hash) shows it', async () => {
    const { s, repo } = await evaluationChain()
    const anchor = await repo.verifyChain()
    expect(anchor).toMatchObject({ ok: true, checked: 8, headSeq: 8 })
    await mutate(s, `ALTER TABLE ${s.table('evaluations')} DELETE WHERE seq >= 7`)
    const after = await repo.verifyChain()
    expect(after).toMatchObject({ ok: true, checked: 6, headSeq: 6 }) // by design: nothing after the head to break
    expect([after.headSeq, after.headHash]).not.toEqual([anchor.headSeq, anchor.headHash])
    // The auditor's anchored seq is gone from the store: that is the finding.
    expect(await repo.list({ beforeSeq: anchor.headSeq! + 1, limit: 1 })).toMatchObject([{ seq: 6 }])
    // Verified against the anchor, the deletion is named.
    const anchored = await repo.verifyChain({ anchors: [{ seq: anchor.headSeq!, hash: anchor.headHash }] })
    expect(anchored).toMatchObject({ ok: false, firstBroken: 8, problems: [{ seq: 8, problem: 'the chain ends at #6, before the anchored record #8 (records were deleted)' }] })
  })

  it('a rewrite of every later link (recomputed hashes, filter columns kept consistent) verifies, and differs from the anchored hash', async () => {
    const { s, repo } = await evaluationChain()
    const anchored = await repo.verifyChain()
    const anchoredAt6 = (await repo.list({ beforeSeq: 7, limit: 1 }))[0]!
    // The chain grows after the anchor: the anchor still checks the record at its seq.
    await repo.append(evaluationRecord(8))
    expect((await repo.list({ beforeSeq: 7, limit: 1 }))[0]!.hash).toBe(anchoredAt6.hash)
    await rewriteChain(s, 'evaluations', 4, (seq, record) => (seq === 4 ? { ...record, outcome: 'pass', value: 0.04 } : record))
    await mutate(s, `ALTER TABLE ${s.table('evaluations')} UPDATE outcome = 'pass' WHERE seq = 4`)
    expect(await repo.verifyChain()).toMatchObject({ ok: true, checked: 9 }) // the documented limit of a chain alone
    expect(auditExport(await exportChain(s, 'evaluations'))).toEqual([]) // an independent recomputation cannot tell either
    // What the docs offer against it: the head hash anchored elsewhere (printed by the evidence
    // report and by `aims verify`) no longer matches the record at its seq.
    expect((await repo.list({ beforeSeq: 7, limit: 1 }))[0]!.hash).not.toBe(anchoredAt6.hash)
    expect((await repo.list({ beforeSeq: anchored.headSeq! + 1, limit: 1 }))[0]!.hash).not.toBe(anchored.headHash)
    // Verified against the anchor, the rewrite is named at the anchored record.
    const against = await repo.verifyChain({ anchors: [{ seq: anchored.headSeq!, hash: anchored.headHash.toUpperCase() }] })
    expect(against).toMatchObject({ ok: false, firstBroken: anchored.headSeq, problemCount: 1 })
    expect(against.problems[0]!.problem).toBe(`hash differs from the anchored ${anchored.headHash} (the chain was rewritten from here or before)`)
    expect(await repo.verifyChain({ anchors: [{ seq: 9, hash: (await repo.verifyChain()).headHash }] })).toMatchObject({ ok: true })
    const doc = readFileSync(path.join(REPO_ROOT, 'docs/evidence.md'), 'utf8')
    expect(doc).toMatch(/does not stop someone with write access to the store from rewriting the\s+whole chain[^]*anchor `headSeq` and `headHash`\s+elsewhere/)
  })

  // Was a doc gap (docs/evidence.md, "The hash chain"): the section says verification reports "missing or
  // repeated seq" and that an anchored headHash closes the gap of "rewriting the whole chain", but
  // not that deleting the newest records is invisible to the chain (the test above): a reader can
  // take "reports missing seq" to cover them. One sentence fixes it, e.g. "Deleting the newest
  // records leaves a shorter chain that still verifies: compare headSeq and headHash with an anchor."
  it('docs/evidence.md says that deleting the newest records is only seen against an anchored head', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs/evidence.md'), 'utf8')
    expect(doc).toMatch(/(newest|latest|last|tail)[^.]*(delet|remov|truncat)|(delet|remov|truncat)[^.]*(newest|latest|last records|tail)/i)
  })
})

describe('the audit log', () => {
  it('an edit of who did it or when (the columns alone, or the record) names the entry and the column', async () => {
    const { s, audit } = await auditChain()
    await mutate(s, `ALTER TABLE ${s.table('audit_log')} UPDATE actor = 'someone else' WHERE seq = 2`)
    expectBrokenAt(await audit.verify(), 2, /^#2: column actor \(someone else\) differs from the record \(ops-1 \(key k1\)\)$/)
    await mutate(s, `ALTER TABLE ${s.table('audit_log')} UPDATE actor = 'ops-1 (key k1)', at = at + INTERVAL 1 DAY WHERE seq = 2`)
    expectBrokenAt(await audit.verify(), 2, /^#2: column at \(\d+\) differs from the record \(\d+\)$/)
    await mutate(s, `ALTER TABLE ${s.table('audit_log')} UPDATE at = at - INTERVAL 1 DAY, record = replaceOne(record, 'ops-1 (key k1)', 'someone else'), actor = 'someone else' WHERE seq = 2`)
    expectBrokenAt(await audit.verify(), 2, /^#2: hash does not match the stored record \(the record was altered\)$/)
  })

  it('an entry deleted in the middle is named as missing; a replayed entry at the tail is found', async () => {
    const { s, audit } = await auditChain()
    await mutate(s, `ALTER TABLE ${s.table('audit_log')} DELETE WHERE seq = 3`)
    await insertCopy(s, 'audit_log', 1, { seq: 'toUInt64(6)' })
    const v = await audit.verify()
    expect(v).toMatchObject({ ok: false, firstBroken: 4, checked: 5 })
    expect(lines(v)).toEqual(['#4: records 3..3 are missing', "#4: prev_hash does not match the previous record's hash", "#6: prev_hash does not match the previous record's hash"])
  })

  // Was a bug: the seq-0 blind spot of HashChain.verify (see the evaluation records above) holds for the
  // audit log too: a forged entry at seq 0 is listed by GET /v1/audit (AuditLog.list) and never checked.
  it('a forged entry at seq 0 is reported', async () => {
    const { s, audit } = await auditChain()
    const forged = independentJcs({ schema: 'aims.audit/v1', at: '2026-10-31T23:00:00.000Z', project: 'default', actor: 'Head of ML (key k0)', action: 'policy.loaded', target: 'a'.repeat(64), details: {} })
    await insertCopy(s, 'audit_log', 1, { seq: 'toUInt64(0)', record: '{record:String}', hash: '{hash:String}', actor: "'Head of ML (key k0)'", action: "'policy.loaded'", target: `'${'a'.repeat(64)}'`, at: "toDateTime64('2026-10-31 23:00:00', 3, 'UTC')" },
      { record: forged, hash: linkHash(ZERO_HASH, forged) })
    expect((await audit.list({ limit: 100 })).map((e) => e.seq)).toContain(0)
    const v = await audit.verify()
    expect(v.ok).toBe(false)
    expect(v.firstBroken).toBe(0)
  })
})

describe('untouched records with awkward content verify intact (no false alarm)', () => {
  const unicode = 'Zoë · 日本語 · 🚀 · مرحبا (RTL) · e\u0301 vs é · zero\u200Bwidth · \uFEFFbom · \u2028line\u2029para · \uFFFD · 𝔘'
  const escapes = 'nul \u0000 bell \u0007 tab \t nl \n cr \r ff \f bs \b quote " backslash \\ slash / del \u007f </script><!--'
  const edgeRecords = (): EvaluationRecord[] => [
    evaluationRecord(0, {
      value: null, pValue: null, reason: 'chi-square statistic Infinity: category "x" never seen in the reference',
      breakdown: { items: [{ name: 'cat', value: 'NaN', statistic: 'Infinity', floor: '-Infinity', detail: { psi: 'Infinity', dof: 2 } }] },
    }),
    evaluationRecord(1, { reason: unicode, segment: { region: 'Île-de-France', '🚀': 'rocket', '\uFFFF': 'last BMP', '\u{1F600}': 'astral' }, breakdown: { items: [{ name: unicode, rate: 0.5 }] } }),
    evaluationRecord(2, { reason: escapes, metric: { kind: 'fairness', name: 'demographic_parity_difference', params: { 'key with "quotes"': 'v\\al', '': 'empty key', '\u0001': true }, implementation: escapes } }),
    evaluationRecord(3, {
      // RFC 8785 §3.2.2.3 numbers: -0 is written 0, 1e21 as 1e+21, and the rest by ECMAScript's shortest round trip.
      value: -0, pValue: 5e-324,
      breakdown: { numbers: [1e21, 1e-7, 1.7976931348623157e308, 0.1 + 0.2, 2 ** 53 + 2, -1e-300, 123456789012345680000, 1e20, 100, 0.000001] },
    }),
    evaluationRecord(4, { reason: `long: ${'ä€𝄞x'.repeat(220_000)}` }), // ~1.1 MB of text, one record beyond the group's 128 KiB
    evaluationRecord(5, { breakdown: { z: 1, a: { c: 3, b: 2, a: [3, 1, 2] }, A: 0, _: null, '10': 'ten', '9': 'nine' } }), // keys given out of order
    ...Array.from({ length: 3 }, (_, i) => evaluationRecord(6 + i, { reason: 'r'.repeat(200_000 + i) })), // several groups
  ]

  it('verify and an independent JCS + SHA-256 recomputation agree that they are intact, and the text is canonical', async () => {
    const s = await isolatedChainStore(store, `e${++chains}`)
    const repo = new EvaluationRepository(s)
    const records = edgeRecords()
    const stored = await Promise.all(records.map((r) => repo.append(r)))
    expect(stored.map((e) => e.seq)).toEqual(records.map((_, i) => i + 1))
    const v = await repo.verifyChain()
    expect(v, lines(v).join('\n')).toMatchObject({ ok: true, checked: records.length, headSeq: records.length, problems: [] })
    const exported = await exportChain(s, 'evaluations')
    expect(auditExport(exported)).toEqual([])
    expect(v.headHash).toBe(exported.at(-1)!.hash)
    // Nothing lost on the way through the store (apart from -0, which JSON writes as 0).
    for (const [i, row] of exported.entries()) expect(JSON.parse(row.record), `record ${i}`).toEqual(JSON.parse(JSON.stringify(records[i])))
    const numbers = exported[3]!.record
    expect(numbers).toContain('"numbers":[1e+21,1e-7,1.7976931348623157e+308,0.30000000000000004,9007199254740994,-1e-300,123456789012345680000,100000000000000000000,100,0.000001]')
    expect(numbers).toContain('"pValue":5e-324')
    expect(numbers).toContain('"value":0,')
    // Keys in UTF-16 code-unit order: U+1F600 (a surrogate pair, D83D…) before U+FFFF.
    expect(exported[1]!.record).toContain('"segment":{"region":"Île-de-France","\u{1F600}":"astral","\u{1F680}":"rocket","\uFFFF":"last BMP"}')
    expect(exported[2]!.record).toContain('nul \\u0000 bell \\u0007 tab \\t nl \\n cr \\r ff \\f bs \\b quote \\" backslash \\\\ slash / del \u007f </script><!--')
    expect(exported[5]!.record).toContain('"breakdown":{"10":"ten","9":"nine","A":0,"_":null,"a":{"a":[3,1,2],"b":2,"c":3},"z":1}')
  })
})

describe('records written by the real evaluator', () => {
  const HOUR = 3_600_000
  const MODEL = 'tamper-model'
  const CUR_FROM = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR
  const REF_FROM = CUR_FROM - HOUR
  const control = (id: string, title: string, body: string) => `  - id: ${id}
    version: 1
    title: "${title}"
    status: active
    approval: { by: Test, at: 2026-11-27, reference: test/evidence-tamper-adversarial }
    references: { iso42001: [A.6.2.6] }
    owner: { accountable: Test owner, responsible: Test team }
    scope: { model: ${MODEL} }
${body}
    guard: { minSample: 10, minPerGroup: 30 }
    schedule: { every: 1h }
    severity: medium
`

  beforeAll(async () => {
    const table = store.table(await new PredictionTables(store).ensure('default', MODEL, [featureColumn('cat', 'str'), attributeColumn('grp')]))
    const insert = (from: number, cat: string, n: number) => store.client.command({
      query: `INSERT INTO ${table} (id, ts, received, model_version, environment, status, output_label, \`f:cat:str\`, \`a:grp\`)
        SELECT generateUUIDv4(number), ts, ts, '1', 'production', 'ok', if(number % 4 = 0 OR (number % 4 = 1 AND number % 3 = 0), 'approve', 'deny'), ${cat},
               ['Zoë', '日本', '🚀 rocket', 'مرحبا'][1 + number % 4]
        FROM (SELECT number, fromUnixTimestamp64Milli(toInt64({from:Int64} + intDiv(number * 3600000, {n:UInt64}))) AS ts FROM numbers({n:UInt64}))`,
      query_params: { from, n },
    })
    await insert(REF_FROM, `['a', 'b', 'c'][1 + number % 3]`, 300)
    await insert(CUR_FROM, `['a', 'b', 'x'][1 + number % 3]`, 400) // 'x' is new: chi-square's statistic is +∞
    await store.client.command({
      query: `INSERT INTO ${store.table('outcomes')} (project, model_id, prediction_id, ts, received, model_version, label, value)
        SELECT 'default', {model:String}, id, ts, ts, '1', if(cityHash64(id) % 2 = 0, 'approve', 'deny'), nan FROM ${table}`,
      query_params: { model: MODEL },
    })
  }, 60_000)

  it('a chi-square record holding +∞ as text and a fairness record with unicode groups verify; an edit of the ∞ is named', async () => {
    const yaml = `apiVersion: aims-monitor/v1\nkind: ControlPolicy\nmetadata: { name: tamper-real, version: 1 }\ncontrols:\n${control('TAMPER-CHI', 'Category drift — 漂移 ✓ \\"quoted\\"', `    metric: { kind: drift, name: chi_square }
    selector: { features: [cat] }
    window: { current: { type: tumbling, size: 1h }, reference: { window: { offset: 0, size: 1h } } }
    thresholds: { breach: 0.01, rationale: "a p-value below 0.01 is drift" }`)}${control('TAMPER-FAIR', 'Parity across groups', `    metric: { kind: fairness, name: demographic_parity_difference, params: { positiveLabel: approve } }
    selector: { attribute: grp }
    window: { current: { type: tumbling, size: 1h } }
    thresholds: { breach: 0.9, rationale: "a selection rate gap above 0.9 is a breach" }`)}`
    const loaded = loadPolicy(yaml, 'tamper-real.yaml')
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems))
    const evaluator = new Evaluator({ store, policy: loaded })
    try {
      const results = await evaluator.evaluate({ at: CUR_FROM + HOUR + 60_000 })
      const byId = new Map(results.map((r) => [r.controlId, r.evaluation!]))
      const chi = byId.get('TAMPER-CHI')!
      const fair = byId.get('TAMPER-FAIR')!
      expect(chi.record.outcome, chi.record.reason).toBe('breach')
      expect(JSON.stringify(chi.record.breakdown)).toContain('"Infinity"')
      expect(fair.record.outcome, fair.record.reason).not.toBe('error')
      expect(JSON.stringify(fair.record.breakdown)).toContain('🚀 rocket')
      const v = await evaluator.evaluations.verifyChain()
      expect(v, lines(v).join('\n')).toMatchObject({ ok: true, checked: 2 })
      expect(auditExport(await exportChain(store, 'evaluations'))).toEqual([])

      // The insider turns the infinite statistic into a large finite one: named at that record.
      await mutate(store, `ALTER TABLE ${store.table('evaluations')} UPDATE record = replaceOne(record, '"Infinity"', '1e+308') WHERE seq = {seq:UInt64}`, { seq: chi.seq })
      expectBrokenAt(await evaluator.evaluations.verifyChain(), chi.seq, /the record was altered/)
      await mutate(store, `ALTER TABLE ${store.table('evaluations')} UPDATE record = replaceOne(record, '1e+308', '"Infinity"') WHERE seq = {seq:UInt64}`, { seq: chi.seq })
      expect(await evaluator.evaluations.verifyChain()).toMatchObject({ ok: true, checked: 2 })
    } finally {
      await evaluator.stop()
    }
  })

  // Was a bug (packages/controls loadPolicy + packages/store/src/hash-chain.ts:10-14 canonicalJson): a
  // policy whose control title holds a lone surrogate (the YAML escape "\ud800") loads, but
  // `canonicalize` refuses lone surrogates ("Lone surrogate is not allowed"), so that control's
  // record can never be appended: `evaluate()` rejects for the whole batch (the other controls'
  // records are written, their results lost to the caller) and the control gets no record at all,
  // not even an `error` one, every time it is scheduled. Fix: refuse strings that are not
  // well-formed when the policy loads (`!s.isWellFormed()`, with the path), and/or make
  // canonicalJson write lone surrogates as U+FFFD (`toWellFormed()`, what the store's UTF-8 keeps anyway).
  it('a control whose title holds a lone surrogate is refused at load or recorded, never a failed batch', async () => {
    const volume = `    metric: { kind: data_quality, name: volume }
    window: { current: { type: tumbling, size: 1h } }
    thresholds: { direction: below, breach: 1, rationale: "an hour without predictions is an outage" }`
    const yaml = `apiVersion: aims-monitor/v1\nkind: ControlPolicy\nmetadata: { name: tamper-surrogate, version: 1 }\ncontrols:\n${control('TAMPER-SURROGATE', 'broken \\ud800 title', volume)}`
    const loaded = loadPolicy(yaml, 'tamper-surrogate.yaml')
    if (!loaded.ok) return // refused at load, naming the problem: fine
    const evaluator = new Evaluator({ store, policy: loaded })
    try {
      const results = await evaluator.evaluate({ at: CUR_FROM + HOUR + 120_000 })
      expect(results[0]!.evaluation?.record.control.id).toBe('TAMPER-SURROGATE')
    } finally {
      await evaluator.stop()
    }
  })
})

describe('a long chain', () => {
  const N = 20_000
  let s: Store
  let repo: EvaluationRepository
  let links: Awaited<ReturnType<typeof plantEvaluationChain>>

  beforeAll(async () => {
    s = await isolatedChainStore(store, 'long')
    repo = new EvaluationRepository(s)
    links = await plantEvaluationChain(s, Array.from({ length: N }, (_, i) => evaluationRecord(i)))
  }, 60_000)

  it('20,000 records verify page by page (never all at once) and the count and head are reported', async () => {
    const pages: unknown[] = []
    const client = s.client
    const query = client.query
    client.query = ((params: Parameters<typeof query>[0]) => {
      if (/FROM `tamper_long`\.`evaluations` WHERE seq >= \{from:UInt64\} ORDER BY seq LIMIT \{limit:UInt32\}/.test(params.query.replace(/\s+/g, ' '))) pages.push(params.query_params?.limit)
      return query.call(client, params)
    }) as typeof query
    let v: ChainVerification
    try {
      v = await repo.verifyChain()
    } finally {
      client.query = query
    }
    expect(v).toMatchObject({ ok: true, checked: N, headSeq: N, headHash: links.at(-1)!.hash, problems: [] })
    expect(pages.length).toBeGreaterThanOrEqual(N / 5000)
    expect(new Set(pages)).toEqual(new Set([5000]))
  })

  // Was a bug: the page-boundary blind spot above, at the default page size: a verbatim second copy of
  // seq 5000 (the last row of the first page) is not reported.
  it('a repeated seq 5000 (the last row of the first default page) is reported', async () => {
    await insertCopy(s, 'evaluations', 5000, {})
    const v = await repo.verifyChain()
    expect(v.ok).toBe(false)
    expect(lines(v)).toContain('#5000: seq 5000 appears more than once')
  })

  // Was a bug (packages/store/src/hash-chain.ts:259, `Math.min(...problems.map((p) => p.seq))`): every
  // problem is kept and then spread into Math.min's arguments; past ~125,000 problems V8 throws
  // "RangeError: Maximum call stack size exceeded", so a mass edit of the table makes `aims verify`
  // and GET /v1/verify fail with a stack trace instead of naming the first broken record (the
  // problem list also grows with the table, against "memory stays flat"). Here 20,000 rows with 7
  // columns and the record edited give 160,000 problems. Fix: problems are pushed in seq order, so
  // firstBroken is problems[0].seq (or track the minimum while pushing); keep at most the first
  // ~1,000 problems and a total count.
  it('a mass edit of every row is reported at record #1, not thrown as a RangeError', async () => {
    // (A duplicate left by the test above changes nothing here: its copy is skipped, not counted.)
    await mutate(s, `ALTER TABLE ${s.table('evaluations')} UPDATE outcome = 'pass', project = 'p', control_id = 'C', model_id = 'm', control_version = 9,
      evaluation_key = 'k', window_to = window_to + INTERVAL 1 SECOND, record = replaceOne(record, 'aims.evaluation/v1', 'aims.evaluation/v2') WHERE 1`)
    const v = await repo.verifyChain()
    expect(v).toMatchObject({ ok: false, firstBroken: 1, checked: N })
  })
})

describe('aims verify (the CLI an auditor runs)', () => {
  it('passes an intact store, prints the head to anchor, and on attack exits 5 naming each chain and record', async () => {
    const dataDir = path.join(root, 'cli-data')
    const records = [
      evaluationRecord(0, { breakdown: { items: [{ name: 'cat', statistic: 'Infinity', value: 'NaN', floor: '-Infinity' }] }, value: null }),
      evaluationRecord(1, { reason: 'Zoë · 日本語 · 🚀 · مرحبا \u2028 "quoted" \\ \u0000' }),
      evaluationRecord(2, { value: -0, pValue: 1e21 }),
      evaluationRecord(3, { reason: `long ${'€'.repeat(300_000)}` }),
      evaluationRecord(4),
      evaluationRecord(5),
    ]
    const audit = Array.from({ length: 4 }, (_, i) => ({ actor: `ops-${i} (key k${i})`, action: 'api_key.created', target: `key-${i}`, details: { name: `Zoë's key ${i} 🚀` } }))
    await writeEvidenceInChild(dataDir, { records, audit })

    const intact = await runCli(['verify', '--data', dataDir])
    expect(intact.stderr).not.toMatch(/\n\s+at /)
    expect(intact.code, intact.stdout).toBe(0)
    const head = /^evaluations: ok, 6 records, head #6 ([0-9a-f]{64})$/m.exec(intact.stdout)
    expect(head, intact.stdout).not.toBeNull()
    expect(intact.stdout).toMatch(/^audit_log: ok, 4 records, head #4 [0-9a-f]{64}$/m)
    // The printed head is the auditor's anchor; an independent recomputation of an export agrees.
    // Then tail truncation: the chain still verifies (by design); the head no longer matches the anchor.
    const [exported] = (await queryStoreInChild(dataDir, [
      { query: 'SELECT seq, record, prev_hash, hash FROM aims.evaluations ORDER BY seq' },
      { query: 'ALTER TABLE aims.evaluations DELETE WHERE seq = 6 SETTINGS mutations_sync = 2' },
    ])) as { seq: string; record: string; prev_hash: string; hash: string }[][]
    const rows = exported!.map((r) => ({ ...r, seq: Number(r.seq) }))
    expect(auditExport(rows)).toEqual([])
    expect(rows.at(-1)!.hash).toBe(head![1])
    const truncated = await runCli(['verify', '--data', dataDir])
    expect(truncated.code).toBe(0)
    expect(truncated.stdout).toMatch(/^evaluations: ok, 5 records, head #5 [0-9a-f]{64}$/m)
    expect(truncated.stdout).not.toContain(head![1])
    // Against the anchor the truncation is a finding: exit 5, naming the anchored record.
    const anchored = await runCli(['verify', '--data', dataDir, '--anchor', `evaluations:6:${head![1]!.toUpperCase()}`])
    expect(anchored.code, anchored.stdout + anchored.stderr).toBe(5)
    expect(anchored.stdout).toMatch(/^evaluations: BROKEN at record #6 \(1 problem\)$/m)
    expect(anchored.stdout).toMatch(/^ {2}#6: the chain ends at #5, before the anchored record #6 \(records were deleted\)$/m)
    expect(anchored.stdout).toMatch(/^audit_log: ok, 4 records/m)
    // A malformed anchor is a usage error naming the flag, before the store is opened.
    const malformed = await runCli(['verify', '--data', dataDir, '--anchor', 'evaluations:six:abc'])
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toMatch(/--anchor: anchor "evaluations:six:abc": the seq is a record number from 1/)
    expect(malformed.stderr).not.toMatch(/\n\s+at /)

    // A record deleted in the middle and who did an administrative action rewritten.
    await queryStoreInChild(dataDir, [
      { query: 'ALTER TABLE aims.evaluations DELETE WHERE seq = 3 SETTINGS mutations_sync = 2' },
      { query: "ALTER TABLE aims.audit_log UPDATE actor = 'someone else' WHERE seq = 2 SETTINGS mutations_sync = 2" },
    ])
    const broken = await runCli(['verify', '--data', dataDir])
    expect(broken.code, broken.stdout + broken.stderr).toBe(5)
    expect(broken.stderr).not.toMatch(/\n\s+at /) // a report, not a stack trace
    expect(broken.stdout).toMatch(/^evaluations: BROKEN at record #4 \(2 problems\)$/m)
    expect(broken.stdout).toMatch(/^ {2}#4: records 3\.\.3 are missing$/m)
    expect(broken.stdout).toMatch(/^audit_log: BROKEN at record #2 \(1 problem\)$/m)
    expect(broken.stdout).toMatch(/^ {2}#2: column actor \(someone else\) differs from the record \(ops-1 \(key k1\)\)$/m)
  })
})
