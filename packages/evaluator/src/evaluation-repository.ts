import type { Store } from '@aims-monitor/store'
import { epochMsToDateTime64Param } from '@aims-monitor/metrics'
import { canonicalJson, chainHash, GENESIS_HASH, type EvaluationRecord } from './evaluation-record.js'
import { insertRow, queryRows } from './store-access.js'

/** A stored evaluation: its place in the chain and the record. */
export interface StoredEvaluation {
  readonly seq: number
  readonly hash: string
  readonly prevHash: string
  readonly record: EvaluationRecord
}

export interface EvaluationFilter {
  readonly project?: string | undefined
  readonly controlId?: string | undefined
  readonly modelId?: string | undefined
  readonly outcome?: string | undefined
  /** Window end at or after this time (epoch ms). */
  readonly from?: number | undefined
  /** Window end before this time (epoch ms). */
  readonly to?: number | undefined
  readonly limit?: number | undefined
  /** Return records with seq below this (paging backwards from the newest). */
  readonly beforeSeq?: number | undefined
}

/** What {@link EvaluationRepository.verifyChain} found. */
export interface ChainVerification {
  readonly ok: boolean
  readonly checked: number
  readonly headSeq: number | null
  readonly headHash: string
  /** Every broken link: a missing seq, a hash that does not recompute, a column that differs from its record. */
  readonly problems: readonly { readonly seq: number; readonly problem: string }[]
}

interface EvaluationRow {
  seq: string
  record: string
  prev_hash: string
  hash: string
  control_id: string
  control_version: number
  project: string
  model_id: string
  outcome: string
  window_to_ms: string
  evaluation_key: string
}

const MAX_APPEND_ATTEMPTS = 50

/**
 * The `evaluations` table: an append-only, hash-chained log of evaluation records.
 *
 * Appends are serialised inside the process, and across processes by optimistic concurrency on
 * `seq`: the row for seq n is inserted with the deduplication token `evaluation-seq-n`, so of two
 * evaluators appending at once the engine keeps one block; each reads seq n back, and the one whose
 * record is not there retries on top of the winner's hash.
 */
export class EvaluationRepository {
  private tail: Promise<unknown> = Promise.resolve()

  constructor(private readonly store: Store) {}

  /** Appends `record`, returns its place in the chain. An evaluation with the same key already stored is returned instead. */
  append(record: EvaluationRecord): Promise<StoredEvaluation> {
    const next = this.tail.then(() => this.appendNow(record))
    this.tail = next.catch(() => undefined)
    return next
  }

  private async appendNow(record: EvaluationRecord): Promise<StoredEvaluation> {
    const text = canonicalJson(record)
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const existing = await this.findByKey(record.key)
      if (existing) return existing
      const head = await this.head()
      const seq = head ? head.seq + 1 : 1
      const prevHash = head ? head.hash : GENESIS_HASH
      const hash = chainHash(prevHash, text)
      await insertRow(this.store, 'evaluations', {
        seq: { type: 'UInt64', value: seq },
        id: { type: 'UUID', value: record.id },
        evaluation_key: { type: 'String', value: record.key },
        project: { type: 'String', value: record.project },
        control_id: { type: 'String', value: record.control.id },
        control_version: { type: 'UInt32', value: record.control.version },
        model_id: { type: 'String', value: record.model.id },
        outcome: { type: 'String', value: record.outcome },
        window_from: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(Date.parse(record.window.from), 'window.from') },
        window_to: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(Date.parse(record.window.to), 'window.to') },
        evaluated_at: { type: 'DateTime64(3)', value: epochMsToDateTime64Param(Date.parse(record.evaluatedAt), 'evaluatedAt') },
        record: { type: 'String', value: text },
        prev_hash: { type: 'FixedString(64)', value: prevHash },
        hash: { type: 'FixedString(64)', value: hash },
      }, `evaluation-seq-${seq}`)
      const landed = await this.bySeq(seq)
      if (landed && landed.record.id === record.id && landed.hash === hash) return landed
      // Another evaluator took this seq first: go again on top of its record.
    }
    throw new Error(`could not append evaluation ${record.key} after ${MAX_APPEND_ATTEMPTS} attempts (the chain is contended)`)
  }

  /** The newest link, or null for an empty chain. */
  async head(): Promise<{ seq: number; hash: string } | null> {
    const rows = await queryRows<{ seq: string; hash: string }>(this.store, {
      query: `SELECT seq, hash FROM ${this.store.table('evaluations')} ORDER BY seq DESC LIMIT 1`,
    })
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null
  }

  async findByKey(key: string): Promise<StoredEvaluation | null> {
    const rows = await this.select('evaluation_key = {key:String} ORDER BY seq LIMIT 1', { key })
    return rows[0] ?? null
  }

  async findById(id: string): Promise<StoredEvaluation | null> {
    const rows = await this.select('id = {id:UUID} ORDER BY seq LIMIT 1', { id })
    return rows[0] ?? null
  }

  private async bySeq(seq: number): Promise<StoredEvaluation | null> {
    const rows = await this.select('seq = {seq:UInt64} LIMIT 1', { seq })
    return rows[0] ?? null
  }

  /** Evaluations matching `filter`, newest first. */
  async list(filter: EvaluationFilter = {}): Promise<StoredEvaluation[]> {
    const conditions: string[] = []
    const params: Record<string, unknown> = {}
    if (filter.project !== undefined) { conditions.push('project = {project:String}'); params.project = filter.project }
    if (filter.controlId !== undefined) { conditions.push('control_id = {control_id:String}'); params.control_id = filter.controlId }
    if (filter.modelId !== undefined) { conditions.push('model_id = {model_id:String}'); params.model_id = filter.modelId }
    if (filter.outcome !== undefined) { conditions.push('outcome = {outcome:String}'); params.outcome = filter.outcome }
    if (filter.from !== undefined) { conditions.push('window_to >= {from:DateTime64(3)}'); params.from = epochMsToDateTime64Param(filter.from, 'from') }
    if (filter.to !== undefined) { conditions.push('window_to < {to:DateTime64(3)}'); params.to = epochMsToDateTime64Param(filter.to, 'to') }
    if (filter.beforeSeq !== undefined) { conditions.push('seq < {before_seq:UInt64}'); params.before_seq = filter.beforeSeq }
    params.limit = Math.min(Math.max(filter.limit ?? 100, 1), 10_000)
    const where = conditions.length ? conditions.join(' AND ') : '1'
    return this.select(`${where} ORDER BY seq DESC LIMIT {limit:UInt32}`, params)
  }

  /** The latest evaluation of each control (for GET /v1/controls). */
  async latestByControl(project: string): Promise<Map<string, StoredEvaluation>> {
    const rows = await this.select('project = {project:String} ORDER BY seq DESC LIMIT 1 BY control_id', { project })
    return new Map(rows.map((row) => [row.record.control.id, row]))
  }

  /**
   * Recomputes the whole chain from the genesis: every seq present once and in order, every hash
   * recomputed from the previous hash and the stored record, and the filter columns equal to the
   * record's own fields (an edit of a column alone is tampering too). Streams in pages, so memory
   * stays flat however long the chain.
   */
  async verifyChain(pageSize = 5000): Promise<ChainVerification> {
    const problems: { seq: number; problem: string }[] = []
    let expectedSeq = 1
    let previousHash = GENESIS_HASH
    let checked = 0
    for (;;) {
      const rows = await queryRows<EvaluationRow>(this.store, {
        query: `SELECT seq, record, prev_hash, hash, control_id, control_version, project, model_id, outcome,
                       toUnixTimestamp64Milli(window_to) AS window_to_ms, evaluation_key
                FROM ${this.store.table('evaluations')} WHERE seq >= {from:UInt64} ORDER BY seq LIMIT {limit:UInt32}`,
        params: { from: expectedSeq, limit: pageSize },
      })
      if (rows.length === 0) break
      for (const row of rows) {
        const seq = Number(row.seq)
        if (seq < expectedSeq) {
          problems.push({ seq, problem: `seq ${seq} appears more than once` })
          continue
        }
        if (seq !== expectedSeq) problems.push({ seq, problem: `records ${expectedSeq}..${seq - 1} are missing` })
        if (row.prev_hash !== previousHash) problems.push({ seq, problem: 'prev_hash does not match the previous record\'s hash' })
        const recomputed = chainHash(row.prev_hash, row.record)
        if (recomputed !== row.hash) problems.push({ seq, problem: 'hash does not match the stored record (the record was altered)' })
        problems.push(...columnMismatches(row).map((problem) => ({ seq, problem })))
        previousHash = row.hash
        expectedSeq = seq + 1
        checked++
      }
      if (rows.length < pageSize) break
    }
    return { ok: problems.length === 0, checked, headSeq: checked ? expectedSeq - 1 : null, headHash: previousHash, problems }
  }

  private async select(where: string, params: Record<string, unknown>): Promise<StoredEvaluation[]> {
    const rows = await queryRows<{ seq: string; hash: string; prev_hash: string; record: string }>(this.store, {
      query: `SELECT seq, hash, prev_hash, record FROM ${this.store.table('evaluations')} WHERE ${where}`,
      params,
    })
    return rows.map((row) => ({ seq: Number(row.seq), hash: row.hash, prevHash: row.prev_hash, record: JSON.parse(row.record) as EvaluationRecord }))
  }
}

function columnMismatches(row: EvaluationRow): string[] {
  let record: EvaluationRecord
  try {
    record = JSON.parse(row.record) as EvaluationRecord
  } catch {
    return ['the stored record is not JSON']
  }
  const problems: string[] = []
  const expect = (column: string, stored: unknown, inRecord: unknown) => {
    if (String(stored) !== String(inRecord)) problems.push(`column ${column} (${String(stored)}) differs from the record (${String(inRecord)})`)
  }
  expect('outcome', row.outcome, record.outcome)
  expect('control_id', row.control_id, record.control?.id)
  expect('control_version', row.control_version, record.control?.version)
  expect('project', row.project, record.project)
  expect('model_id', row.model_id, record.model?.id)
  expect('evaluation_key', row.evaluation_key, record.key)
  expect('window_to', row.window_to_ms, Date.parse(record.window?.to ?? ''))
  return problems
}
