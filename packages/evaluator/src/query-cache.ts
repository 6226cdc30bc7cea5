import type { Control } from '@aims-monitor/controls'
import type { Store } from '@aims-monitor/store'
import { queryRows } from '@aims-monitor/store'

/** The evaluation batch a cache serves: which controls are evaluated together, as of when. */
export interface BatchScope {
  readonly controls: readonly Control[]
  readonly at: number
}

/**
 * Rows of read queries, each distinct statement (text and bound values) run once per evaluation
 * batch. Controls of one policy often need the same aggregate: accuracy, precision, recall and F1 the
 * same confusion matrix; several drift metrics of one feature the same summary and histograms. The
 * windows a batch reads are closed, so a repeat within the batch would return the same rows.
 * A failed query is forgotten, so the next control asking for it tries again.
 *
 * It also knows the batch (`batch`: the controls evaluated together and `at`), so that a runner can
 * compute in one scan what several controls of the batch need (drift-profiles.ts), kept by `shared`.
 */
export class QueryCache {
  private readonly entries = new Map<string, Promise<unknown[]>>()
  private readonly computations = new Map<string, Promise<unknown>>()
  hits = 0

  constructor(private readonly store: Store, readonly batch: BatchScope | null = null, private readonly maxEntries = 10_000) {}

  rows<T = Record<string, unknown>>(query: { query: string; params?: Record<string, unknown> }): Promise<T[]> {
    const key = `${query.query}\u0000${JSON.stringify(query.params ?? {})}`
    const cached = this.entries.get(key)
    if (cached) {
      this.hits++
      return cached as Promise<T[]>
    }
    const pending = queryRows<T>(this.store, query)
    if (this.entries.size < this.maxEntries) {
      this.entries.set(key, pending)
      pending.catch(() => this.entries.delete(key))
    }
    return pending
  }

  /**
   * The result of `compute` for `key`, computed once per batch (a failure is forgotten, as for rows).
   * The key must name everything the result depends on.
   */
  shared<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const cached = this.computations.get(key)
    if (cached) {
      this.hits++
      return cached as Promise<T>
    }
    const pending = compute()
    if (this.computations.size < this.maxEntries) {
      this.computations.set(key, pending)
      pending.catch(() => this.computations.delete(key))
    }
    return pending
  }
}
