import type { Store } from '@aims-monitor/store'
import { queryRows } from '@aims-monitor/store'

/**
 * Rows of read queries, each distinct statement (text and bound values) run once per evaluation
 * batch. Controls of one policy often need the same aggregate: accuracy, precision, recall and F1 the
 * same confusion matrix; several drift metrics of one feature the same summary and histograms. The
 * windows a batch reads are closed, so a repeat within the batch would return the same rows.
 * A failed query is forgotten, so the next control asking for it tries again.
 */
export class QueryCache {
  private readonly entries = new Map<string, Promise<unknown[]>>()
  hits = 0

  constructor(private readonly store: Store, private readonly maxEntries = 10_000) {}

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
}
