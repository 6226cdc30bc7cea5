import { canonicalJson, columnMismatch, epochMsValue, HashChain, queryRows, type ChainAnchor, type ChainVerification, type Store } from '@aims-monitor/store'
import { epochMsToDateTime64Param } from '@aims-monitor/metrics'
import type { EvaluationRecord } from './evaluation-record.js'

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

export type { ChainVerification }

/**
 * The `evaluations` table: an append-only, hash-chained log of evaluation records (the store's
 * HashChain: optimistic `seq` with a deduplication token per seq, so several evaluators on one
 * server extend one chain). Appending a record whose key is already stored returns the stored one.
 */
export class EvaluationRepository {
  private readonly chain: HashChain

  constructor(private readonly store: Store) {
    this.chain = new HashChain(store, 'evaluations', 'evaluation', async (keys) => {
      const stored = await this.findByKeys(keys)
      return new Map([...stored].map(([key, found]) => [key, { seq: found.seq, hash: found.hash, prevHash: found.prevHash, record: canonicalJson(found.record) }]))
    })
  }

  /**
   * Appends `record`, returns its place in the chain. An evaluation with the same key already stored
   * is returned instead. The record is queued for the chain when this is called (before it returns):
   * records appended while earlier ones are being written are committed together (HashChain).
   */
  async append(record: EvaluationRecord): Promise<StoredEvaluation> {
    const link = await this.chain.append(canonicalJson(record), {
      id: { type: 'UUID', value: record.id },
      evaluation_key: { type: 'String', value: record.key },
      project: { type: 'String', value: record.project },
      control_id: { type: 'String', value: record.control.id },
      control_version: { type: 'UInt32', value: record.control.version },
      model_id: { type: 'String', value: record.model.id },
      outcome: { type: 'String', value: record.outcome },
      window_from: epochMsValue(Date.parse(record.window.from)),
      window_to: epochMsValue(Date.parse(record.window.to)),
      evaluated_at: epochMsValue(Date.parse(record.evaluatedAt)),
    }, record.key)
    return { seq: link.seq, hash: link.hash, prevHash: link.prevHash, record: JSON.parse(link.record) as EvaluationRecord }
  }

  /** The newest link, or null for an empty chain. */
  head(): Promise<{ seq: number; hash: string } | null> {
    return this.chain.head()
  }

  async findByKey(key: string): Promise<StoredEvaluation | null> {
    return (await this.findByKeys([key])).get(key) ?? null
  }

  /** The first evaluation of each key that has one (one statement for a batch's keys). */
  async findByKeys(keys: readonly string[]): Promise<Map<string, StoredEvaluation>> {
    if (keys.length === 0) return new Map()
    // Scalar placeholders, one per key: array parameters travel as SQL literals, which not every
    // ClickHouse front end binds (the replica tests' HTTP fixture refuses them).
    const params = Object.fromEntries(keys.map((key, i) => [`key_${i}`, key]))
    const list = keys.map((_, i) => `{key_${i}:String}`).join(', ')
    const rows = await this.select(`evaluation_key IN (${list}) ORDER BY seq LIMIT 1 BY evaluation_key`, params)
    return new Map(rows.map((stored) => [stored.record.key, stored]))
  }

  async findById(id: string): Promise<StoredEvaluation | null> {
    const rows = await this.select('id = {id:UUID} ORDER BY seq LIMIT 1', { id })
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
   * Recomputes the whole chain from the genesis (see HashChain.verify), also checking that the
   * filter columns equal the record's own fields (an edit of a column alone is tampering too).
   */
  verifyChain(options: { pageSize?: number; anchors?: readonly ChainAnchor[] } = {}): Promise<ChainVerification> {
    return this.chain.verify({
      pageSize: options.pageSize ?? 5000,
      anchors: options.anchors ?? [],
      // Every column a reader selects or orders by: findById reads id, and closing a nonconformity
      // reads evaluated_at, so an edit of any of them alone must show here.
      extraColumns: 'toString(id) AS id, control_id, control_version, project, model_id, outcome, toUnixTimestamp64Milli(window_from) AS window_from_ms, '
        + 'toUnixTimestamp64Milli(window_to) AS window_to_ms, toUnixTimestamp64Milli(evaluated_at) AS evaluated_at_ms, evaluation_key',
      checkRow: (row, parsed) => {
        const record = parsed as Partial<EvaluationRecord>
        return [
          ...columnMismatch('id', row.id, record.id),
          ...columnMismatch('outcome', row.outcome, record.outcome),
          ...columnMismatch('control_id', row.control_id, record.control?.id),
          ...columnMismatch('control_version', row.control_version, record.control?.version),
          ...columnMismatch('project', row.project, record.project),
          ...columnMismatch('model_id', row.model_id, record.model?.id),
          ...columnMismatch('evaluation_key', row.evaluation_key, record.key),
          ...columnMismatch('window_from', row.window_from_ms, Date.parse(record.window?.from ?? '')),
          ...columnMismatch('window_to', row.window_to_ms, Date.parse(record.window?.to ?? '')),
          ...columnMismatch('evaluated_at', row.evaluated_at_ms, Date.parse(record.evaluatedAt ?? '')),
        ]
      },
      extraProblems: () => this.repeatedKeys(),
    })
  }

  /**
   * One record per (control, version, window) is what the claim ledger guarantees; a second one (a
   * "pass" appended with a valid link after a breach of the same window) is forged even where every
   * link holds. Reported at the later record.
   */
  private async repeatedKeys(): Promise<{ seq: number; problem: string }[]> {
    const rows = await queryRows<{ evaluation_key: string; seqs: string[] }>(this.store, {
      query: `SELECT evaluation_key, arraySort(groupArray(seq)) AS seqs FROM ${this.store.table('evaluations')}
              GROUP BY evaluation_key HAVING count() > 1 ORDER BY min(seq) LIMIT 1000`,
    })
    return rows.map((row) => ({
      seq: Number(row.seqs[1]),
      problem: `a second record for the evaluation key ${row.evaluation_key} (first at #${row.seqs[0]}): each window of a control is evaluated once`,
    }))
  }

  private async select(where: string, params: Record<string, unknown>): Promise<StoredEvaluation[]> {
    const rows = await queryRows<{ seq: string; hash: string; prev_hash: string; record: string }>(this.store, {
      query: `SELECT seq, hash, prev_hash, record FROM ${this.store.table('evaluations')} WHERE ${where}`,
      params,
    })
    return rows.map((row) => ({ seq: Number(row.seq), hash: row.hash, prevHash: row.prev_hash, record: JSON.parse(row.record) as EvaluationRecord }))
  }
}
